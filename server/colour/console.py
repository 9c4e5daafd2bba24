"""Console pages of the codes domain: a merchant's colour and its history, overrides, token
rotation, owner links, and printable posters (one merchant, or a whole street).

Each action parses its form into the API's own request type, calls the same function of
server.colour.actions as the JSON API, and answers htmx: a refusal's reason beside the form, or
a reload of the merchant's page.
"""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template
from sqlmodel import Session

from server.audit.service import Actor, actor_of
from server.auth.access import console_principal, street_scope
from server.auth.pages import console_page
from server.colour.actions import new_owner_link, reissue_code, revoke_override, set_override
from server.colour.console_answers import form_refused, in_scope, message, not_found_page
from server.colour.queries import (
    colour_read,
    find_merchants,
    poster_for_merchant,
    posters_for_street,
    street_counts,
)
from server.colour.schemas import OverrideRequest, RotateRequest
from server.colour.texts import legend
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import AsyncSession, DbSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.inputs import MAX_PAGE
from server.core.principal import Principal
from server.merchants.owner_links import revoke_owner_links
from server.merchants.qrcode import merchant_url, qr_svg, qr_svgs
from server.policy.rules import Policy

__all__ = ["CodesConsoleController"]

POSTERS_PER_PRINT = 100  # one print job; a street's later pages are linked


OverrideForm = Annotated[OverrideRequest, Body(media_type=RequestEncodingType.URL_ENCODED)]
RotateForm = Annotated[RotateRequest, Body(media_type=RequestEncodingType.URL_ENCODED)]


def _override_days(policy: Policy) -> str:
    return t("colour.error.bad_days", max=policy.override_max_days)


# What a form that does not parse is told, by field (the page's own fields are typed and
# bounded: a hand-made request gets here).
OVERRIDE_FORM = form_refused(
    days=_override_days, reason=lambda _policy: t("colour.error.reason_required")
)
ROTATE_FORM = form_refused(reason=lambda _policy: t("code.error.reason_required"))


def _user(request: Request) -> Principal | None:
    return console_principal(request.scope.get("user"))


def _reload(merchant_id: uuid.UUID) -> Response[str]:
    return Response("", headers={"HX-Redirect": f"/console/codes/merchants/{merchant_id}"})


async def _change(
    request: Request,
    db_session: DbSession,
    merchant_id: uuid.UUID,
    change: Callable[[Session, Actor], object],
) -> Response[str]:
    """Make a change as the signed-in supervisor; its refusal goes beside the form, else the
    merchant's page reloads."""
    if _user(request) is None:
        return message(t("auth.forbidden"), 403)
    actor = actor_of(request)
    try:
        await db_session.run_sync(lambda s: change(s, actor))
    except DomainError as exc:
        return message(exc.detail)
    return _reload(merchant_id)


class CodesConsoleController(Controller):
    path = "/console/codes"
    include_in_schema = False
    before_request = in_scope

    def _template(self, name: str, user: Principal, **context: Any) -> Template:
        return Template(name, context={"user": user, "csrf_token": user.csrf_token, **context})

    @get("/", guards=[console_page()])
    async def index(
        self, request: Request, db_session: DbSession, q: FromQuery[str | None] = None
    ) -> Template:
        user: Principal = request.user
        street_id = street_scope(user)
        found = None
        if q and q.strip():
            found = await db_session.run_sync(find_merchants, q, street_id)
        streets = await db_session.run_sync(street_counts, street_id)
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
            return not_found_page(user)
        return self._template(
            "colour/merchant.html",
            user,
            colour=colour,
            poster=poster,
            max_days=state.policy.override_max_days,
        )

    @post("/merchants/{merchant_id:uuid}/override", exception_handlers=OVERRIDE_FORM)
    async def override(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        data: OverrideForm,
    ) -> Response[str]:
        return await _change(
            request,
            db_session,
            merchant_id,
            lambda s, actor: set_override(s, merchant_id, data, policy=state.policy, actor=actor),
        )

    @post("/merchants/{merchant_id:uuid}/override/revoke")
    async def end_override(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await _change(
            request,
            db_session,
            merchant_id,
            lambda s, actor: revoke_override(s, merchant_id, policy=state.policy, actor=actor),
        )

    @post("/merchants/{merchant_id:uuid}/rotate", exception_handlers=ROTATE_FORM)
    async def rotate(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        data: RotateForm,
    ) -> Response[str]:
        base = state.settings.public_base_url
        return await _change(
            request,
            db_session,
            merchant_id,
            lambda s, actor: reissue_code(s, merchant_id, data, public_base_url=base, actor=actor),
        )

    @post("/merchants/{merchant_id:uuid}/owner-link")
    async def owner_link(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> Template | Response[str]:
        if _user(request) is None:
            return message(t("auth.forbidden"), 403)
        try:
            link = await new_owner_link(
                db_session,
                merchant_id,
                settings=state.settings,
                actor=actor_of(request),
                now=utcnow(),
            )
        except DomainError as exc:
            return message(exc.detail)
        await db_session.commit()  # the link stands; nothing is held while its code is drawn
        qr = await run_cpu(qr_svg, link.url)
        return Template(
            "colour/owner_link.html",
            context={"url": link.url, "qr": qr, "expires": link.expires_at},
            headers={"Cache-Control": "no-store"},
        )

    @post("/merchants/{merchant_id:uuid}/owner-links/revoke")
    async def end_owner_links(
        self, request: Request, db_session: DbSession, merchant_id: FromPath[uuid.UUID]
    ) -> Response[str]:
        if _user(request) is None:
            return message(t("auth.forbidden"), 403)
        await revoke_owner_links(db_session, merchant_id, actor=actor_of(request), now=utcnow())
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
            return not_found_page(user)
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
            return not_found_page(user)
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
