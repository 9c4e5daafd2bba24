"""Planning endpoints: the day's plan, building it, changing it. Each parses and authorises,
calls the one service function of its action (server.planning.service.build_day, the changes of
server.planning.edits) and answers the plan as it now stands."""

from collections.abc import Callable
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlmodel import Session

from server.audit.service import actor_of
from server.core.db import DbSession
from server.packets.warm import warm_day
from server.planning import edits
from server.planning.queries import scoped_street, street_plan
from server.planning.read import plan_document
from server.planning.schemas import (
    BuildBody,
    LockBody,
    MoveBody,
    PlanDocument,
    ReorderBody,
    VersionBody,
)
from server.planning.service import PlanConflict, build_day
from server.planning.web import DAY_OPT, SUPERVISORS, in_calendar, lost_plan

__all__ = ["PlanController"]

Change = Callable[[Session, edits.Edit], Any]


class PlanController(Controller):
    path = "/api/v1/plans"
    tags = ["planning"]
    guards = [SUPERVISORS]
    opt = DAY_OPT

    @get("/{day:str}", summary="The day's plan: routes, officers, ordered visits, unassigned")
    async def read(
        self,
        request: Request,
        db_session: DbSession,
        day: FromPath[date],
        street: FromQuery[str | None] = None,
        published: FromQuery[bool] = False,
    ) -> PlanDocument:
        target = in_calendar(day)

        def read(s: Session) -> PlanDocument:
            return street_plan(
                s, target, scoped_street(s, request.user, street), published=published
            )

        return await db_session.run_sync(read)

    @post("/{day:str}", status_code=HTTP_201_CREATED, summary="Build (or re-build) the day's plan")
    async def build(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[date],
        data: JSONBody[BuildBody | None] = None,
    ) -> Response[PlanDocument]:
        target, body = in_calendar(day), data or BuildBody()
        street = await db_session.run_sync(scoped_street, request.user, body.street)
        try:
            streets = await build_day(
                db_session,
                state.db_sessionmaker,
                target,
                street=street,
                base_version=body.base_version,
                settings=state.settings,
                actor=actor_of(request),
                non_working_day=body.non_working_day,
            )
        except PlanConflict:
            raise await lost_plan(db_session, target, street) from None
        document = await db_session.run_sync(lambda s: plan_document(s, target, street_ids=streets))
        return Response(document, status_code=HTTP_201_CREATED)

    async def _edit(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: date,
        street: str,
        version: int,
        change: Change,
    ) -> Response[PlanDocument]:
        """Apply one change to the street's day; 201 with the street's plan as it now is."""
        target = in_calendar(day)
        await db_session.run_sync(scoped_street, request.user, street)
        edit = edits.Edit(target, street, version, actor_of(request))
        try:
            await db_session.run_sync(change, edit)
        except PlanConflict:
            raise await lost_plan(db_session, target, street) from None
        return Response(
            await db_session.run_sync(street_plan, target, street),
            status_code=HTTP_201_CREATED,
            background=BackgroundTask(warm_day, state, target),
        )

    @post("/{day:str}/streets/{street:str}/publish", summary="Publish; the phones see it")
    async def publish(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[date],
        street: FromPath[str],
        data: JSONBody[VersionBody],
    ) -> Response[PlanDocument]:
        return await self._edit(
            request, db_session, state, day, street, data.version, edits.publish
        )

    @post("/{day:str}/streets/{street:str}/reorder", summary="Put a team's visits in order")
    async def reorder(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[date],
        street: FromPath[str],
        data: JSONBody[ReorderBody],
    ) -> Response[PlanDocument]:
        settings = state.settings.planning

        def change(s: Session, edit: edits.Edit) -> Any:
            return edits.reorder(s, edit, data.team, data.order, settings)

        return await self._edit(request, db_session, state, day, street, data.version, change)

    @post("/{day:str}/streets/{street:str}/move", summary="Move a visit to a team or out")
    async def move(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[date],
        street: FromPath[str],
        data: JSONBody[MoveBody],
    ) -> Response[PlanDocument]:
        settings = state.settings.planning

        def change(s: Session, edit: edits.Edit) -> Any:
            return edits.move_visit(s, edit, data.visit, data.team, settings)

        return await self._edit(request, db_session, state, day, street, data.version, change)

    @post("/{day:str}/streets/{street:str}/lock", summary="Lock or unlock a team's route")
    async def lock(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[date],
        street: FromPath[str],
        data: JSONBody[LockBody],
    ) -> Response[PlanDocument]:
        def change(s: Session, edit: edits.Edit) -> Any:
            return edits.set_lock(s, edit, data.team, data.locked)

        return await self._edit(request, db_session, state, day, street, data.version, change)
