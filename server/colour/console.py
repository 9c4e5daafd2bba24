"""Console pages of the codes domain: a merchant's colour and its history, overrides, token
rotation, owner links, and printable posters (one merchant, or a whole street)."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template
from markupsafe import escape
from sqlalchemy import func
from sqlmodel import col, or_, select

from server.audit.service import Actor
from server.auth.access import console_principal, merchant_in_scope, street_scope
from server.auth.pages import SIGN_IN_FIRST, console_page
from server.colour.queries import colour_read, poster_for_merchant, posters_for_street
from server.colour.routes import owner_url
from server.colour.service import ColourInputError, revoke_override, set_override
from server.colour.texts import legend
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import AsyncSession, DbSession
from server.core.i18n import t
from server.core.inputs import MAX_PAGE, like_contains
from server.core.principal import Principal
from server.merchants.models import Merchant
from server.merchants.owner_links import issue_owner_link, revoke_owner_links
from server.merchants.qrcode import QrInputError, merchant_url, qr_svg, qr_svgs, rotate_token
from server.org.models import Street

__all__ = ["CodesConsoleController"]

POSTERS_PER_PRINT = 100  # one print job; a street's later pages are linked
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _user(request: Request) -> Principal | None:
    return console_principal(request.scope.get("user"))


def _message(text: str, status: int = 200) -> Response[str]:
    # htmx swaps only 2xx answers, so a message for the form comes back as 200.
    return Response(
        f'<p class="error">{escape(text)}</p>', media_type="text/html", status_code=status
    )


def _forbidden() -> Response[str]:
    return _message(t("auth.forbidden"), 403)


_NOT_FOUND_PAGE = """{% extends "base.html" %}
{% block content %}<p class="error">{{ t("error.not_found") }}</p>
<p><a href="/console/codes/">{{ t("codes.console.title") }}</a></p>{% endblock %}"""


def _not_found_page(user: Principal) -> Template:
    return Template(
        template_str=_NOT_FOUND_PAGE,
        context={"user": user, "csrf_token": user.csrf_token},
        status_code=404,
    )


async def _in_scope(request: Request) -> Response | None:
    """Every merchant route answers another street's merchant as it answers an unknown one."""
    user = _user(request)
    merchant_id = request.path_params.get("merchant_id")
    if user is None or merchant_id is None or await merchant_in_scope(request, user, merchant_id):
        return None
    if request.method == "GET":
        return _not_found_page(user)
    return _message(t("error.not_found"), 404)


def _reload(merchant_id: uuid.UUID) -> Response[str]:
    return Response("", headers={"HX-Redirect": f"/console/codes/merchants/{merchant_id}"})


async def _streets(session: AsyncSession, street_id: uuid.UUID | None) -> list[tuple[Street, int]]:
    counts = (
        select(Merchant.street_id, func.count().label("n"))
        .where(col(Merchant.active).is_(True))
        .group_by(Merchant.street_id)
        .subquery()
    )
    stmt = (
        select(Street, counts.c.n)
        .outerjoin(counts, counts.c.street_id == Street.id)
        .order_by(col(Street.name))
    )
    if street_id is not None:
        stmt = stmt.where(Street.id == street_id)
    return [(street, n or 0) for street, n in await session.exec(stmt)]


async def _search(
    session: AsyncSession, q: str, street_id: uuid.UUID | None
) -> list[tuple[Merchant, str]]:
    like = like_contains(q.strip())
    stmt = (
        select(Merchant, Street.name)
        .join(Street, col(Street.id) == Merchant.street_id)
        .where(or_(col(Merchant.name).like(like, escape="\\"), Merchant.uscc == q.strip().upper()))
        .order_by(col(Merchant.name))
        .limit(50)
    )
    if street_id is not None:
        stmt = stmt.where(Merchant.street_id == street_id)
    return list(await session.exec(stmt))


class CodesConsoleController(Controller):
    path = "/console/codes"
    exception_handlers = SIGN_IN_FIRST  # type: ignore[assignment]
    include_in_schema = False
    before_request = _in_scope

    def _template(self, name: str, user: Principal, **context: Any) -> Template:
        return Template(name, context={"user": user, "csrf_token": user.csrf_token, **context})

    @get("/", guards=[console_page()])
    async def index(
        self, request: Request, db_session: DbSession, q: FromQuery[str | None] = None
    ) -> Template:
        user: Principal = request.user
        street_id = street_scope(user)
        found = await _search(db_session, q, street_id) if q and q.strip() else None
        streets = await _streets(db_session, street_id)
        return self._template("colour/index.html", user, streets=streets, q=q or "", found=found)

    @get("/merchants/{merchant_id:uuid}", guards=[console_page()])
    async def merchant(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> Template:
        user: Principal = request.user
        colour = await db_session.run_sync(colour_read, merchant_id, state.policy)
        poster = await db_session.run_sync(poster_for_merchant, merchant_id)
        if colour is None or poster is None:
            return _not_found_page(user)
        return self._template(
            "colour/merchant.html",
            user,
            colour=colour,
            poster=poster,
            max_days=state.policy.override_max_days,
        )

    @post("/merchants/{merchant_id:uuid}/override")
    async def override(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        data: Form,
    ) -> Response[str]:
        user = _user(request)
        if user is None:
            return _forbidden()
        try:
            days = int(data.get("days") or 0)
            await db_session.run_sync(
                lambda s: set_override(
                    s,
                    merchant_id,
                    colour=data.get("colour", ""),
                    reason=data.get("reason", ""),
                    days=days,
                    policy=state.policy,
                    actor=Actor(user.username, user.id),
                )
            )
        except ValueError as exc:
            text = (
                str(exc)
                if isinstance(exc, ColourInputError)
                else t("colour.error.bad_days", max=state.policy.override_max_days)
            )
            return _message(text)
        return _reload(merchant_id)

    @post("/merchants/{merchant_id:uuid}/override/revoke")
    async def end_override(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        user = _user(request)
        if user is None:
            return _forbidden()
        try:
            await db_session.run_sync(
                lambda s: revoke_override(
                    s, merchant_id, policy=state.policy, actor=Actor(user.username, user.id)
                )
            )
        except ColourInputError as exc:
            return _message(str(exc))
        return _reload(merchant_id)

    @post("/merchants/{merchant_id:uuid}/rotate")
    async def rotate(
        self,
        request: Request,
        db_session: DbSession,
        merchant_id: FromPath[uuid.UUID],
        data: Form,
    ) -> Response[str]:
        user = _user(request)
        if user is None:
            return _forbidden()
        try:
            await db_session.run_sync(
                lambda s: rotate_token(
                    s,
                    merchant_id,
                    reason=data.get("reason", ""),
                    revoke=data.get("revoke") == "1",
                    actor=Actor(user.username, user.id),
                )
            )
        except QrInputError as exc:
            return _message(str(exc))
        return _reload(merchant_id)

    @post("/merchants/{merchant_id:uuid}/owner-link")
    async def owner_link(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> Template | Response[str]:
        user = _user(request)
        if user is None:
            return _forbidden()
        issued = await issue_owner_link(
            db_session,
            merchant_id,
            days=state.settings.owner_link_days,
            actor=Actor(user.username, user.id),
            now=utcnow(),
        )
        if issued is None:
            return _message(t("error.not_found"))
        url = owner_url(state.settings.public_base_url, issued.secret)
        await db_session.commit()  # the link stands; nothing is held while its code is drawn
        qr = await run_cpu(qr_svg, url)
        return Template(
            "colour/owner_link.html",
            context={"url": url, "qr": qr, "expires": issued.expires_at},
            headers={"Cache-Control": "no-store"},
        )

    @post("/merchants/{merchant_id:uuid}/owner-links/revoke")
    async def end_owner_links(
        self, request: Request, db_session: DbSession, merchant_id: FromPath[uuid.UUID]
    ) -> Response[str]:
        user = _user(request)
        if user is None:
            return _forbidden()
        await revoke_owner_links(
            db_session, merchant_id, actor=Actor(user.username, user.id), now=utcnow()
        )
        return _reload(merchant_id)

    @get("/merchants/{merchant_id:uuid}/poster", guards=[console_page()])
    async def poster(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> Template:
        user: Principal = request.user
        row = await db_session.run_sync(poster_for_merchant, merchant_id)
        if row is None:
            return _not_found_page(user)
        return await self._posters(db_session, [row], state, title=row.name)

    @get("/streets/{code:str}/posters", guards=[console_page()])
    async def street_posters(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        code: FromPath[str],
        page: FromQuery[int] = 1,
    ) -> Template:
        user: Principal = request.user
        page = min(max(1, page), MAX_PAGE)
        street, rows = await db_session.run_sync(
            lambda s: posters_for_street(
                s, code, offset=(page - 1) * POSTERS_PER_PRINT, limit=POSTERS_PER_PRINT + 1
            )
        )
        own = street_scope(user)
        if street is None or (own is not None and street.id != own):
            return _not_found_page(user)
        more = len(rows) > POSTERS_PER_PRINT
        return await self._posters(
            db_session,
            rows[:POSTERS_PER_PRINT],
            state,
            title=street.name,
            page=page,
            more=more,
            next_url=f"/console/codes/streets/{code}/posters?page={page + 1}",
        )

    async def _posters(
        self, db_session: AsyncSession, rows: list, state: State, **context: Any
    ) -> Template:
        base = state.settings.public_base_url
        await db_session.commit()  # nothing is held while a page of codes is drawn (seconds)
        codes = await run_cpu(qr_svgs, [merchant_url(base, row.token) for row in rows])
        posters = list(zip(rows, codes, strict=True))
        return Template(
            "colour/posters.html",
            context={"posters": posters, "legend": legend(state.policy), **context},
            headers={"Cache-Control": "private, no-store"},
        )
