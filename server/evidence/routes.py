"""`/api/v1/evidence/`: the record, its content through short-lived links, derived copies,
legal holds. Every view and download is written to the audit trail."""

import uuid

import anyio
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Stream

from server.core.db import DbSession
from server.core.i18n import t
from server.core.net import client_ip
from server.core.principal import requires_role, signed_in
from server.core.security import served_file_headers
from server.evidence.derived import derived_copy
from server.evidence.images import TooManyPixels, mpx
from server.evidence.links import ContentLink, content_link, verify_blob_token
from server.evidence.models import Evidence
from server.evidence.retention import place_hold, release_hold
from server.evidence.schemas import EvidenceRead, HoldRead, HoldRequest, LinkRead
from server.evidence.service import evidence_read
from server.evidence.viewing import NotVisible, open_evidence, stream_object
from server.storage import ObjectNotFound

__all__ = ["EvidenceController"]


async def _open(
    request: Request, db_session: DbSession, evidence_id: uuid.UUID, action: str, **detail: object
) -> Evidence:
    try:
        evidence = await open_evidence(
            db_session,
            request.user,
            evidence_id,
            action=action,
            ip=client_ip(request),
            detail=detail,
        )
    except NotVisible:
        await db_session.commit()  # the refused look stays on the record
        raise
    if evidence.deleted_at is not None and action != "evidence.read":
        raise HTTPException(status_code=410, detail=t("evidence.deleted"))
    return evidence


async def _content_link(
    request: Request, db_session: DbSession, state: State, evidence_id: uuid.UUID, download: bool
) -> ContentLink:
    """Open the evidence for download (audited) and sign a short-lived link to its original."""
    evidence = await _open(request, db_session, evidence_id, "evidence.download", download=download)
    return await anyio.to_thread.run_sync(
        lambda: content_link(state.storage, state.settings, evidence, attachment=download)
    )


async def _derived(
    request: Request, db_session: DbSession, state: State, evidence_id: uuid.UUID, variant: str
) -> Response[bytes]:
    evidence = await _open(request, db_session, evidence_id, "evidence.view", variant=variant)
    if not evidence.content_type.startswith("image/"):
        raise HTTPException(status_code=415, detail=t("evidence.not_image"))
    try:
        data = await derived_copy(db_session, state.storage, state.settings, evidence, variant)
    except TooManyPixels as exc:  # the original stays, whole, for download
        detail = t("evidence.too_many_pixels", pixels=mpx(exc.pixels), limit=mpx(exc.limit))
        raise HTTPException(status_code=422, detail=detail) from None
    except ValueError:
        raise HTTPException(status_code=422, detail=t("evidence.render_failed")) from None
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"}
    )


class EvidenceController(Controller):
    path = "/api/v1/evidence"
    tags = ["evidence"]

    @get("/{evidence_id:uuid}", guards=[signed_in], summary="An evidence record")
    async def detail(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        evidence_id: FromPath[uuid.UUID],
    ) -> EvidenceRead:
        evidence = await _open(request, db_session, evidence_id, "evidence.read")
        return await evidence_read(db_session, evidence, state.settings)

    @get(
        "/{evidence_id:uuid}/content",
        guards=[signed_in],
        summary="The original bytes: a redirect to a short-lived link",
    )
    async def content(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        evidence_id: FromPath[uuid.UUID],
        download: FromQuery[bool] = False,
    ) -> Redirect:
        link = await _content_link(request, db_session, state, evidence_id, download)
        return Redirect(link.url, status_code=307, headers={"Cache-Control": "no-store"})

    @get(
        "/{evidence_id:uuid}/link", guards=[signed_in], summary="A short-lived link to the original"
    )
    async def link(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        evidence_id: FromPath[uuid.UUID],
        download: FromQuery[bool] = False,
    ) -> LinkRead:
        link = await _content_link(request, db_session, state, evidence_id, download)
        return LinkRead(link.url, link.expires_at)

    @get("/{evidence_id:uuid}/thumbnail.jpg", guards=[signed_in], summary="A photo's thumbnail")
    async def thumbnail(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        return await _derived(request, db_session, state, evidence_id, "thumbnail")

    @get(
        "/{evidence_id:uuid}/display.jpg",
        guards=[signed_in],
        summary="A photo's display copy, watermarked with time, place, officer and merchant",
    )
    async def display(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        return await _derived(request, db_session, state, evidence_id, "display")

    @delete("/{evidence_id:uuid}", guards=[signed_in], status_code=405, summary="Never allowed")
    async def refuse_delete(self, evidence_id: FromPath[uuid.UUID]) -> None:
        raise HTTPException(status_code=405, detail=t("evidence.no_delete"))

    @post(
        "/{evidence_id:uuid}/holds",
        guards=[requires_role("supervisor")],
        status_code=201,
        summary="Place a legal hold: the evidence may not be deleted while it stands",
    )
    async def hold(
        self,
        request: Request,
        db_session: DbSession,
        evidence_id: FromPath[uuid.UUID],
        data: JSONBody[HoldRequest],
    ) -> HoldRead:
        await _open(request, db_session, evidence_id, "evidence.read")
        if not data.reason.strip():
            raise ValidationException(detail=t("evidence.hold_reason"))
        p = request.user
        hold = await place_hold(
            db_session, evidence_id, data.reason, p.id, p.username, client_ip(request)
        )
        return HoldRead(hold.id, hold.reason, hold.placed_at, hold.released_at)

    @post(
        "/{evidence_id:uuid}/holds/{hold_id:uuid}/release",
        guards=[requires_role("supervisor")],
        status_code=200,
        summary="Release a legal hold",
    )
    async def release(
        self,
        request: Request,
        db_session: DbSession,
        evidence_id: FromPath[uuid.UUID],
        hold_id: FromPath[uuid.UUID],
        data: JSONBody[HoldRequest],
    ) -> HoldRead:
        await _open(request, db_session, evidence_id, "evidence.read")
        p = request.user
        hold = await release_hold(
            db_session, evidence_id, hold_id, data.reason, p.id, p.username, client_ip(request)
        )
        if hold is None:
            raise NotFoundException(detail=t("evidence.hold_not_found"))
        return HoldRead(hold.id, hold.reason, hold.placed_at, hold.released_at)

    @get(
        "/blob/{token:str}",
        summary="The original behind an app-signed link",
        include_in_schema=False,
    )
    async def blob(self, state: State, token: FromPath[str]) -> Stream:
        claim = verify_blob_token(state.settings, token)
        if claim is None:
            raise HTTPException(status_code=403, detail=t("evidence.link_invalid"))
        try:
            stored = await anyio.to_thread.run_sync(state.storage.stat, claim.key)
        except ObjectNotFound:
            raise HTTPException(status_code=410, detail=t("evidence.deleted")) from None
        headers = {
            **served_file_headers(claim.disposition),
            "Content-Length": str(stored.size),
            "Cache-Control": "private, no-store",
        }
        return Stream(
            stream_object(state.storage, claim.key), media_type=claim.content_type, headers=headers
        )
