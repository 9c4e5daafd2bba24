"""Who may not go where: the endpoints recording officers' leave and conflicts of interest
(回避), and listing who is on leave (server.planning.absences)."""

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.audit.service import actor_of
from server.core.db import DbSession
from server.planning import queries
from server.planning.absences import record_leave, record_recusal
from server.planning.schemas import LeaveBody, LeaveRead, RecusalBody, RecusalRead
from server.planning.web import DAY_OPT, SUPERVISORS, QueryDay, in_calendar

__all__ = ["AvailabilityController"]


class AvailabilityController(Controller):
    path = "/api/v1"
    tags = ["planning"]
    guards = [SUPERVISORS]
    opt = DAY_OPT

    @post(
        "/leave",
        status_code=HTTP_201_CREATED,
        summary="Record an officer's leave (the same leave again is answered, not doubled)",
    )
    async def add_leave(
        self, request: Request, db_session: DbSession, data: JSONBody[LeaveBody]
    ) -> Response[LeaveRead]:
        principal, actor = request.user, actor_of(request)
        read, created = await db_session.run_sync(record_leave, principal, data, actor)
        return Response(read, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/leave", summary="Officers on leave on a day (a street's supervisor: their street's)")
    async def leave_on(
        self, request: Request, db_session: DbSession, day: QueryDay
    ) -> list[LeaveRead]:
        return await db_session.run_sync(queries.leave_on, in_calendar(day), request.user)

    @post("/recusals", status_code=HTTP_201_CREATED, summary="Record a conflict of interest")
    async def add_recusal(
        self, request: Request, db_session: DbSession, data: JSONBody[RecusalBody]
    ) -> RecusalRead:
        principal, actor = request.user, actor_of(request)
        return await db_session.run_sync(record_recusal, principal, data, actor)
