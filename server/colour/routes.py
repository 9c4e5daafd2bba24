"""Staff endpoints of the codes domain: QR images, token rotation, colour, overrides, owner
links."""

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.audit.service import actor_of
from server.auth.access import merchant_in_scope
from server.colour.queries import colour_read, poster_for_merchant
from server.colour.schemas import (
    ColourRead,
    OverrideRequest,
    OwnerLinkRead,
    RotateRequest,
    RotateResponse,
)
from server.colour.service import ColourInputError, revoke_override, set_override
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import DbSession
from server.core.i18n import t
from server.core.principal import requires_role
from server.merchants.owner_links import issue_owner_link, revoke_owner_links
from server.merchants.qrcode import QrInputError, merchant_url, qr_png, qr_svg, rotate_token

__all__ = ["CodeController", "owner_url"]

_NO_CACHE = {"Cache-Control": "private, no-cache"}


def owner_url(public_base_url: str, secret: str) -> str:
    return f"{public_base_url.rstrip('/')}/m/o/{secret}"


def _missing() -> NotFoundException:
    return NotFoundException(detail=t("error.not_found"))


async def _colour(db_session: DbSession, merchant_id: uuid.UUID, state: State) -> ColourRead:
    found = await db_session.run_sync(colour_read, merchant_id, state.policy)
    if found is None:
        raise _missing()
    return found


async def _in_scope(request: Request) -> None:
    raw = request.path_params.get("merchant_id")
    if raw is not None and not await merchant_in_scope(request, request.user, raw):
        raise _missing()


class CodeController(Controller):
    path = "/api/v1/merchants"
    tags = ["codes"]
    guards = [requires_role("supervisor")]
    before_request = _in_scope

    async def _url(
        self, db_session: DbSession, state: State, merchant_id: FromPath[uuid.UUID]
    ) -> str:
        row = await db_session.run_sync(poster_for_merchant, merchant_id)
        if row is None:
            raise _missing()
        return merchant_url(state.settings.public_base_url, row.token)

    @get("/{merchant_id:uuid}/code.svg", summary="The merchant's QR code as SVG")
    async def code_svg(
        self, db_session: DbSession, state: State, merchant_id: FromPath[uuid.UUID]
    ) -> Response[str]:
        url = await self._url(db_session, state, merchant_id)
        await db_session.commit()  # nothing is held while the code is drawn
        svg = await run_cpu(qr_svg, url)
        return Response(svg, media_type="image/svg+xml", headers=_NO_CACHE)

    @get("/{merchant_id:uuid}/code.png", summary="The merchant's QR code as PNG")
    async def code_png(
        self,
        db_session: DbSession,
        state: State,
        merchant_id: FromPath[uuid.UUID],
        size: Annotated[int, QueryParameter(ge=120, le=2000)] = 480,
    ) -> Response[bytes]:
        url = await self._url(db_session, state, merchant_id)
        await db_session.commit()  # nothing is held while the code is drawn
        png = await run_cpu(qr_png, url, size)
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
        try:
            token = await db_session.run_sync(
                lambda s: rotate_token(
                    s, merchant_id, reason=data.reason, revoke=data.revoke, actor=actor_of(request)
                )
            )
        except QrInputError as exc:
            raise ValidationException(detail=str(exc)) from None
        if token is None:
            raise _missing()
        return RotateResponse(merchant_id, merchant_url(state.settings.public_base_url, token))

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
        await _colour(db_session, merchant_id, state)  # 404 for an unknown merchant
        try:
            await db_session.run_sync(
                lambda s: set_override(
                    s,
                    merchant_id,
                    colour=data.colour,
                    reason=data.reason,
                    days=data.days,
                    policy=state.policy,
                    actor=actor_of(request),
                    now=utcnow(),
                )
            )
        except ColourInputError as exc:
            raise ValidationException(detail=str(exc)) from None
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
        try:
            await db_session.run_sync(
                lambda s: revoke_override(
                    s, merchant_id, policy=state.policy, actor=actor_of(request), now=utcnow()
                )
            )
        except ColourInputError as exc:
            raise NotFoundException(detail=str(exc)) from None
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
        issued = await issue_owner_link(
            db_session,
            merchant_id,
            days=state.settings.owner_link_days,
            actor=actor_of(request),
            now=utcnow(),
        )
        if issued is None:
            raise _missing()
        return OwnerLinkRead(
            owner_url(state.settings.public_base_url, issued.secret), issued.expires_at
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
