"""Staff endpoints of the codes domain: QR images, token rotation, colour, overrides, owner
links. Each parses, authorises and calls one function of server.colour.actions (a change) or
server.colour.queries (a read); a refusal is the service's `ColourRefused`, answered by the app."""

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.audit.service import actor_of
from server.auth.access import merchant_in_scope
from server.colour.actions import new_owner_link, reissue_code, revoke_override, set_override
from server.colour.queries import code_url, colour_read
from server.colour.schemas import (
    ColourRead,
    OverrideRequest,
    OwnerLinkRead,
    RotateRequest,
    RotateResponse,
)
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import DbSession
from server.core.i18n import t
from server.core.principal import requires_role
from server.merchants.owner_links import revoke_owner_links
from server.merchants.qrcode import qr_png, qr_svg

__all__ = ["CodeController"]

_NO_CACHE = {"Cache-Control": "private, no-cache"}


async def _colour(db_session: DbSession, merchant_id: uuid.UUID, state: State) -> ColourRead:
    found = await db_session.run_sync(colour_read, merchant_id, state.policy)
    if found is None:
        raise NotFoundException(detail=t("error.not_found"))
    return found


async def _code_url(db_session: DbSession, merchant_id: uuid.UUID, state: State) -> str:
    url = await db_session.run_sync(code_url, merchant_id, state.settings.public_base_url)
    await db_session.commit()  # nothing is held while the code is drawn
    return url


async def _in_scope(request: Request) -> None:
    raw = request.path_params.get("merchant_id")
    if raw is not None and not await merchant_in_scope(request, request.user, raw):
        raise NotFoundException(detail=t("error.not_found"))


class CodeController(Controller):
    path = "/api/v1/merchants"
    tags = ["codes"]
    guards = [requires_role("supervisor")]
    before_request = _in_scope

    @get("/{merchant_id:uuid}/code.svg", summary="The merchant's QR code as SVG")
    async def code_svg(
        self, db_session: DbSession, state: State, merchant_id: FromPath[uuid.UUID]
    ) -> Response[str]:
        svg = await run_cpu(qr_svg, await _code_url(db_session, merchant_id, state))
        return Response(svg, media_type="image/svg+xml", headers=_NO_CACHE)

    @get("/{merchant_id:uuid}/code.png", summary="The merchant's QR code as PNG")
    async def code_png(
        self,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        size: Annotated[int, QueryParameter(ge=120, le=2000)] = 480,
    ) -> Response[bytes]:
        png = await run_cpu(qr_png, await _code_url(db_session, merchant_id, state), size)
        return Response(png, media_type="image/png", headers=_NO_CACHE)

    @post(
        "/{merchant_id:uuid}/code/rotate",
        status_code=HTTP_200_OK,
        summary="Give the merchant a new code; the old one answers 404 at once",
    )
    async def rotate(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        data: JSONBody[RotateRequest],
    ) -> RotateResponse:
        base, actor = state.settings.public_base_url, actor_of(request)
        return await db_session.run_sync(
            lambda s: reissue_code(s, merchant_id, data, public_base_url=base, actor=actor)
        )

    @get("/{merchant_id:uuid}/colour", summary="The colour, why, and its recent changes")
    async def colour(
        self, db_session: DbSession, state: State, merchant_id: FromPath[uuid.UUID]
    ) -> ColourRead:
        return await _colour(db_session, merchant_id, state)

    @post(
        "/{merchant_id:uuid}/colour/override",
        status_code=HTTP_200_OK,
        summary="Set the colour by hand, with a reason, for a limited time",
    )
    async def override(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        data: JSONBody[OverrideRequest],
    ) -> ColourRead:
        policy, actor, now = state.policy, actor_of(request), utcnow()
        await db_session.run_sync(
            lambda s: set_override(s, merchant_id, data, policy=policy, actor=actor, now=now)
        )
        return await _colour(db_session, merchant_id, state)

    @delete(
        "/{merchant_id:uuid}/colour/override",
        status_code=HTTP_200_OK,
        summary="End the manual colour before its time",
    )
    async def end_override(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> ColourRead:
        policy, actor, now = state.policy, actor_of(request), utcnow()
        await db_session.run_sync(
            lambda s: revoke_override(s, merchant_id, policy=policy, actor=actor, now=now)
        )
        return await _colour(db_session, merchant_id, state)

    @post(
        "/{merchant_id:uuid}/owner-link",
        status_code=HTTP_201_CREATED,
        summary="A new owner link, shown once, to print on the visit's papers",
    )
    async def owner_link(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
    ) -> OwnerLinkRead:
        return await new_owner_link(
            db_session, merchant_id, settings=state.settings, actor=actor_of(request), now=utcnow()
        )

    @delete(
        "/{merchant_id:uuid}/owner-links",
        status_code=HTTP_204_NO_CONTENT,
        summary="End every owner link of the merchant",
    )
    async def end_owner_links(
        self, request: Request, db_session: DbSession, merchant_id: FromPath[uuid.UUID]
    ) -> None:
        await revoke_owner_links(db_session, merchant_id, actor=actor_of(request), now=utcnow())
