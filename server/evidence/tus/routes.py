"""`/api/v1/uploads/`: the tus 1.0 endpoint (core, creation, termination, expiration, checksum)."""

import uuid
from collections.abc import AsyncIterator

from litestar import Controller, Request, Response, delete, get, head, patch, route
from litestar.datastructures import State
from litestar.enums import HttpMethod
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath

from server.audit.service import actor_of
from server.core.bodies import ClientGone
from server.core.db import DbSession
from server.core.i18n import t
from server.core.principal import current_principal, signed_in
from server.evidence.schemas import UploadRead
from server.evidence.tus.discard import terminate_upload
from server.evidence.tus.env import upload_env
from server.evidence.tus.errors import UploadRefused
from server.evidence.tus.models import Upload
from server.evidence.tus.offsets import offset_of, refuse_unless_receiving
from server.evidence.tus.protocol import (
    CHECKSUM_ALGORITHMS,
    EXTENSIONS,
    OFFSET_OCTET_STREAM,
    TUS_VERSION,
    BadHeader,
    http_date,
    parse_checksum,
    parse_metadata,
    parse_offset,
)
from server.evidence.tus.uploads import create_upload, owned_upload, receive_upload, upload_read
from server.storage import StorageError

__all__ = ["UploadController"]

BASE = "/api/v1/uploads"


def _headers(upload: Upload | None = None, **extra: str) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}
    if upload is not None:
        headers["Upload-Offset"] = str(offset_of(upload))
        headers["Upload-Length"] = str(upload.length)
        if upload.state == "receiving":
            headers["Upload-Expires"] = http_date(upload.expires_at)
    return headers


def _refusal(exc: UploadRefused) -> HTTPException:
    extra = {} if exc.offset is None else {"Upload-Offset": str(exc.offset)}
    if exc.retry_after is not None:
        extra["Retry-After"] = str(exc.retry_after)
    return HTTPException(status_code=exc.status, detail=exc.detail, headers=_headers(**extra))


def _bad(exc: BadHeader) -> HTTPException:
    return HTTPException(status_code=400, detail=t(exc.key, **exc.values), headers=_headers())


def _content_length(header: str) -> int:
    try:
        return parse_offset(header)
    except BadHeader:
        raise BadHeader("upload.content_length_invalid") from None


def _require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise HTTPException(
            status_code=412,
            detail=t("upload.tus_version"),
            headers=_headers(**{"Tus-Version": TUS_VERSION}),
        )


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body as it arrives, without buffering; ClientGone if the phone hangs up,
    BodyStalled (server.core.bodies) if it stops sending or sends too slowly: a trickle must not
    hold its slot and buffer."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


class UploadController(Controller):
    path = BASE
    tags = ["evidence"]

    # One handler for both: Litestar's automatic OPTIONS handler would shadow a separate one.
    @route(
        "/",
        http_method=[HttpMethod.POST, HttpMethod.OPTIONS],
        status_code=201,
        summary="Start a tus upload (POST); what this tus server supports (OPTIONS)",
    )
    async def create(self, request: Request, db_session: DbSession, state: State) -> Response[None]:
        if request.method == HttpMethod.OPTIONS:
            limits = state.settings.upload_limits
            headers = _headers(
                **{
                    "Tus-Version": TUS_VERSION,
                    "Tus-Extension": EXTENSIONS,
                    "Tus-Max-Size": str(max(limits.values())),
                    "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
                }
            )
            return Response(None, status_code=204, headers=headers)
        principal = current_principal(request)
        _require_tus(request)
        if request.headers.get("upload-defer-length"):
            raise _bad(BadHeader("upload.length_required"))
        try:
            length = parse_offset(request.headers.get("upload-length"))
            meta = parse_metadata(request.headers.get("upload-metadata"))
            upload = await create_upload(db_session, state.settings, principal, length, meta)
        except BadHeader as exc:
            if exc.key == "upload.offset_required":
                exc = BadHeader("upload.length_required")
            raise _bad(exc) from None
        except UploadRefused as exc:
            raise _refusal(exc) from None
        location = f"{state.settings.public_base_url}{BASE}/{upload.id}"
        return Response(None, status_code=201, headers=_headers(upload, Location=location))

    @head("/{upload_id:uuid}", guards=[signed_in], summary="How much of the upload has arrived")
    async def offset(
        self, request: Request, db_session: DbSession, upload_id: FromPath[uuid.UUID]
    ) -> Response[None]:
        _require_tus(request)
        upload = await owned_upload(db_session, request.user, upload_id)
        if upload is None:
            raise HTTPException(status_code=404, detail=t("error.not_found"), headers=_headers())
        if upload.state != "complete":
            try:
                refuse_unless_receiving(upload)
            except UploadRefused as exc:
                raise _refusal(exc) from None
        return Response(None, status_code=200, headers=_headers(upload))

    @patch(
        "/{upload_id:uuid}",
        guards=[signed_in],
        status_code=204,
        request_max_body_size=None,  # limits are per kind, enforced against Upload-Length
        summary="Send bytes from Upload-Offset",
    )
    async def append(
        self, request: Request, state: State, upload_id: FromPath[uuid.UUID]
    ) -> Response[None]:
        _require_tus(request)
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype != OFFSET_OCTET_STREAM:
            raise HTTPException(
                status_code=415, detail=t("upload.bad_content_type"), headers=_headers()
            )
        try:
            offset = parse_offset(request.headers.get("upload-offset"))
            checksum = parse_checksum(request.headers.get("upload-checksum"))
            length_header = request.headers.get("content-length")
            content_length = _content_length(length_header) if length_header else None
        except BadHeader as exc:
            raise _bad(exc) from None
        env = upload_env(state)
        actor = actor_of(request)
        body = _body(request)
        try:
            async with env.budget.slot(request.user.id):
                upload = await receive_upload(
                    env, actor, upload_id, offset, content_length, checksum, body
                )
        except UploadRefused as exc:
            raise _refusal(exc) from None
        except StorageError:
            raise HTTPException(
                status_code=503,
                detail=t("upload.storage_unavailable"),
                headers=_headers(**{"Retry-After": "5"}),
            ) from None
        return Response(None, status_code=204, headers=_headers(upload))

    @delete("/{upload_id:uuid}", guards=[signed_in], status_code=204, summary="Cancel an upload")
    async def terminate(
        self, request: Request, state: State, upload_id: FromPath[uuid.UUID]
    ) -> Response[None]:
        _require_tus(request)
        try:
            await terminate_upload(upload_env(state), actor_of(request), upload_id)
        except UploadRefused as exc:
            raise _refusal(exc) from None
        return Response(None, status_code=204, headers=_headers())

    @get("/{upload_id:uuid}", guards=[signed_in], summary="An upload's state and its evidence")
    async def detail(
        self, request: Request, db_session: DbSession, upload_id: FromPath[uuid.UUID]
    ) -> UploadRead:
        upload = await owned_upload(db_session, request.user, upload_id)
        if upload is None:
            raise NotFoundException(detail=t("error.not_found"))
        return upload_read(upload)
