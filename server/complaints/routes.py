"""Staff endpoints for complaints: the queue, a complaint's photo, and what came of it."""

import uuid
from typing import Annotated

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.audit.service import actor_of, record
from server.auth.access import merchant_in_scope, street_scope
from server.complaints.models import Complaint
from server.complaints.schemas import ComplaintRead, OutcomeRequest
from server.complaints.service import Outcome, list_complaints, record_outcome
from server.core.clock import utcnow
from server.core.db import AsyncSession, DbSession
from server.core.i18n import t
from server.core.principal import requires_role
from server.core.security import served_file_headers
from server.evidence.links import disposition

__all__ = ["ComplaintController"]


def _missing() -> NotFoundException:
    return NotFoundException(detail=t("error.not_found"))


async def _complaint(request: Request, session: AsyncSession, complaint_id: uuid.UUID) -> Complaint:
    """The complaint, if it belongs to a merchant of the user's street; else the 404 of an
    unknown one (a complaint belongs to its merchant's street)."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None or not await merchant_in_scope(
        request, request.user, complaint.merchant_id
    ):
        raise _missing()
    return complaint


class ComplaintController(Controller):
    path = "/api/v1/complaints"
    tags = ["complaints"]
    guards = [requires_role("supervisor")]

    @get("/", summary="Complaints, newest first; filter by status or merchant")
    async def list(
        self,
        request: Request,
        db_session: DbSession,
        status: FromQuery[str | None] = None,
        merchant_id: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[ComplaintRead]:
        return await list_complaints(
            db_session,
            status=status,
            merchant_id=merchant_id,
            limit=limit,
            street_id=street_scope(request.user),
        )

    @post(
        "/{complaint_id:uuid}/outcome",
        status_code=HTTP_200_OK,
        summary="Record what came of a complaint; one found true counts against the colour",
    )
    async def outcome(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        complaint_id: FromPath[uuid.UUID],
        data: JSONBody[OutcomeRequest],
    ) -> ComplaintRead:
        await _complaint(request, db_session, complaint_id)
        found = await record_outcome(
            db_session,
            complaint_id,
            Outcome(data.status, data.note, data.verified_on, data.inspection_id),
            policy=state.policy,
            actor=actor_of(request),
            now=utcnow(),
        )
        if found is None:
            raise _missing()
        return found

    @get("/{complaint_id:uuid}/photo", summary="The complaint's photo (each access is audited)")
    async def photo(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        complaint_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        complaint = await _complaint(request, db_session, complaint_id)
        if complaint.photo_key is None:
            raise _missing()
        key = complaint.photo_key

        def read() -> bytes:
            with state.storage.open(key) as reader:
                return b"".join(reader)

        data = await anyio.to_thread.run_sync(read)
        actor = actor_of(request)
        record(
            db_session,
            action="complaint.photo_viewed",
            entity="complaint",
            entity_id=complaint_id,
            actor=actor.name,
            actor_id=actor.id,
        )
        media_type = complaint.photo_type or "application/octet-stream"
        name = f"{complaint.tracking_no}.{media_type.rpartition('/')[2]}"
        return Response(
            data,
            media_type=media_type,
            headers={
                **served_file_headers(disposition(name, attachment=False)),
                "Cache-Control": "private, no-store",
            },
        )
