"""The supervisor console (/console/): server-rendered pages with htmx."""

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import func
from sqlmodel import col, select

from server.auth.middleware import session_cookies
from server.auth.principal import Principal
from server.auth.routes import client_ip
from server.auth.service import LoginThrottled, login
from server.db import AsyncSession, DbSession
from server.i18n import t
from server.merchants.models import COLOURS, Merchant
from server.org.models import Street

__all__ = ["ConsoleController"]

CONSOLE_ROLES = ("admin", "supervisor")


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""


async def _colour_table(session: AsyncSession) -> list[dict[str, Any]]:
    stmt = (
        select(Street.name, Merchant.colour, func.count())
        .join(Merchant, col(Merchant.street_id) == Street.id)
        .where(col(Merchant.active).is_(True))
        .group_by(Street.name, Merchant.colour)
    )
    table: dict[str, dict[str, Any]] = {}
    for name, colour, count in await session.exec(stmt):
        row = table.setdefault(name, {"street": name, **dict.fromkeys(COLOURS, 0)})
        row[colour] = count
    rows = sorted(table.values(), key=lambda r: r["street"])
    for row in rows:
        row["total"] = sum(row[c] for c in COLOURS)
    return rows


class ConsoleController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/login")
    async def login_page(self, request: Request) -> Template:
        return Template("console/login.html", context={"error": None, "username": ""})

    @post("/login")
    async def login_submit(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        error = None
        try:
            result = await login(
                db_session,
                state.settings,
                username=data.username,
                password=data.password,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                roles=CONSOLE_ROLES,
            )
        except LoginThrottled as exc:
            result, error = None, exc.message
        if result is None:
            error = error or t("auth.bad_credentials")
            await db_session.commit()
            return Template(
                "console/login.html",
                status_code=401,
                context={"error": error, "username": data.username},
            )
        return Redirect(
            "/console/",
            cookies=session_cookies(result.token, result.csrf_token, state.settings),
        )

    @get("/")
    async def home(self, request: Request, db_session: DbSession) -> Template | Redirect:
        principal = request.scope.get("user")
        if not isinstance(principal, Principal) or principal.role not in CONSOLE_ROLES:
            return Redirect("/console/login")
        rows = await _colour_table(db_session)
        totals = {c: sum(r[c] for r in rows) for c in (*COLOURS, "total")}
        return Template(
            "console/home.html",
            context={
                "user": principal,
                "rows": rows,
                "totals": totals,
                "csrf_token": principal.csrf_token,
            },
        )
