"""The supervisor console (/console/): server-rendered pages with htmx."""

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from server.auth.access import CONSOLE_ROLES, CONSOLE_SIGN_IN_ROLES, street_scope
from server.auth.middleware import session_cookies
from server.auth.pages import LOGIN_PATH, console_page
from server.auth.service import LoginThrottled, login
from server.colour.queries import colour_chart
from server.core.db import DbSession
from server.core.i18n import t
from server.core.net import client_ip
from server.core.principal import Principal
from server.merchants.models import COLOURS

__all__ = ["ConsoleController"]

# Login CSRF: the sign-in form carries a token that must match a cookie set with the form. A form
# on another site cannot read the token, and the cookie (SameSite=Strict) does not go with its
# POST, so nobody can sign a supervisor's browser in to an account of theirs unawares.
LOGIN_COOKIE = "ov_login"
CROSS_SITE = ("cross-site", "same-site")


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    login_token: str = ""


def _login_page(
    settings: Any,
    *,
    error: str | None = None,
    username: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    """The sign-in form with a fresh token, and the cookie it must come back with."""
    token = secrets.token_urlsafe(32)
    cookie = Cookie(
        key=LOGIN_COOKIE,
        value=token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path=LOGIN_PATH,
    )
    return Template(
        "console/login.html",
        status_code=status,
        context={"error": error, "username": username, "login_token": token},
        cookies=[cookie],
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _from_our_form(request: Request, sent: str) -> bool:
    """Whether the POST comes from the sign-in form this browser was given."""
    if request.headers.get("sec-fetch-site", "") in CROSS_SITE:
        return False
    kept = request.cookies.get(LOGIN_COOKIE, "")
    return bool(kept) and hmac.compare_digest(kept.encode(), sent.encode())


class ConsoleController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/login")
    async def login_page(self, request: Request, state: State) -> Template:
        return _login_page(state.settings)

    @post("/login")
    async def login_submit(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        if not _from_our_form(request, data.login_token):
            # Nothing is checked or counted: the password may not even be the user's typing.
            return _login_page(
                state.settings,
                error=t("auth.login_form_stale"),
                username=data.username,
                status=403,
            )
        try:
            result = await login(
                db_session,
                state.settings,
                username=data.username,
                password=data.password,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                roles=CONSOLE_SIGN_IN_ROLES,
            )
        except LoginThrottled as exc:
            # As the JSON sign-in answers: 429, and when the next attempt will be heard.
            return _login_page(
                state.settings,
                error=exc.message,
                username=data.username,
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if result is None:
            await db_session.commit()
            return _login_page(
                state.settings, error=t("auth.bad_credentials"), username=data.username, status=401
            )
        spent = Cookie(key=LOGIN_COOKIE, value="", max_age=0, path=LOGIN_PATH)
        return Redirect(
            "/console/",
            cookies=[*session_cookies(result.token, result.csrf_token, state.settings), spent],
        )

    @get("/", guards=[console_page(CONSOLE_SIGN_IN_ROLES)])
    async def home(self, request: Request, db_session: DbSession) -> Template:
        principal: Principal = request.user
        # Legal reviewers and oversight officers see the home page alone until a page is theirs.
        granted = principal.role in CONSOLE_ROLES
        rows: list[dict[str, Any]] = []
        if granted:
            own = street_scope(principal)
            chart = await db_session.run_sync(lambda s: colour_chart(s, street_id=own))
            rows = sorted(chart, key=lambda r: r["name"])
        totals = {c: sum(r[c] for r in rows) for c in (*COLOURS, "total")}
        return Template(
            "console/home.html",
            context={
                "user": principal,
                "granted": granted,
                "rows": rows,
                "totals": totals,
                "csrf_token": principal.csrf_token,
            },
        )
