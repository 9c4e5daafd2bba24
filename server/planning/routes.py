"""Planning endpoints: the day's plan, building it, changing it."""

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from server.audit.service import actor_of
from server.core.db import DbSession
from server.packets.warm import warm_day
from server.planning import edits, service
from server.planning.read import plan_document
from server.planning.service import PlanConflict
from server.planning.web import (
    SUPERVISORS,
    conflict_response,
    parse_day,
    run_build,
    scoped_street,
    today_for,
)

__all__ = ["PlanController"]


@dataclass
class BuildBody:
    street: str | None = None
    base_version: int | None = None


@dataclass
class VersionBody:
    version: int


@dataclass
class ReorderBody:
    version: int
    team: int
    order: list[uuid.UUID]


@dataclass
class MoveBody:
    version: int
    visit: uuid.UUID
    team: int | None = None


@dataclass
class LockBody:
    version: int
    team: int
    locked: bool = True


class PlanController(Controller):
    path = "/api/v1/plans"
    tags = ["planning"]
    guards = [SUPERVISORS]

    @get("/{day:str}", summary="The day's plan: routes, officers, ordered visits, unassigned")
    async def read(
        self,
        request: Request,
        db_session: DbSession,
        day: FromPath[str],
        street: FromQuery[str | None] = None,
        published: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        target = parse_day(day)

        def read(s: Any) -> dict[str, Any]:
            named = scoped_street(s, request.user, street)
            ids = [x.id for x in service.resolve_streets(s, named)] if named else None
            return plan_document(s, target, street_ids=ids, published=published)

        return await db_session.run_sync(read)

    @post("/{day:str}", status_code=HTTP_201_CREATED, summary="Build (or re-build) the day's plan")
    async def build(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[str],
        data: JSONBody[BuildBody | None] = None,
    ) -> Response:
        target, body = parse_day(day), data or BuildBody()
        street = await db_session.run_sync(lambda s: scoped_street(s, request.user, body.street))
        try:
            streets = await run_build(
                db_session, state, target, street, body.base_version, actor_of(request)
            )
        except PlanConflict:
            return await conflict_response(db_session, target, street)
        document = await db_session.run_sync(lambda s: plan_document(s, target, street_ids=streets))
        return Response(document, status_code=HTTP_201_CREATED)

    async def _edit(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[str],
        street: FromPath[str],
        version: int,
        change: Any,
    ) -> Response:
        target = parse_day(day)
        await db_session.run_sync(lambda s: scoped_street(s, request.user, street))
        edit = edits.Edit(target, street, version, actor_of(request), today_for(state.settings))
        try:
            with service.lost_race(None, target):
                await db_session.run_sync(lambda s: change(s, edit))
                await db_session.flush()
        except PlanConflict:
            return await conflict_response(db_session, target, street)

        def read(s: Any) -> dict[str, Any]:
            ids = [x.id for x in service.resolve_streets(s, street)]
            return plan_document(s, target, street_ids=ids)

        return Response(
            await db_session.run_sync(read),
            status_code=HTTP_201_CREATED,
            background=BackgroundTask(warm_day, state, target),
        )

    @post("/{day:str}/streets/{street:str}/publish", summary="Publish; the phones see it")
    async def publish(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[str],
        street: FromPath[str],
        data: JSONBody[VersionBody],
    ) -> Response:
        return await self._edit(
            request, db_session, state, day, street, data.version, edits.publish
        )

    @post("/{day:str}/streets/{street:str}/reorder", summary="Put a team's visits in order")
    async def reorder(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[str],
        street: FromPath[str],
        data: JSONBody[ReorderBody],
    ) -> Response:
        settings = state.settings.planning
        return await self._edit(
            request,
            db_session,
            state,
            day,
            street,
            data.version,
            lambda s, e: edits.reorder(s, e, data.team, data.order, settings),
        )

    @post("/{day:str}/streets/{street:str}/move", summary="Move a visit to a team or out")
    async def move(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[str],
        street: FromPath[str],
        data: JSONBody[MoveBody],
    ) -> Response:
        settings = state.settings.planning
        return await self._edit(
            request,
            db_session,
            state,
            day,
            street,
            data.version,
            lambda s, e: edits.move_visit(s, e, data.visit, data.team, settings),
        )

    @post("/{day:str}/streets/{street:str}/lock", summary="Lock or unlock a team's route")
    async def lock(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: FromPath[str],
        street: FromPath[str],
        data: JSONBody[LockBody],
    ) -> Response:
        return await self._edit(
            request,
            db_session,
            state,
            day,
            street,
            data.version,
            lambda s, e: edits.set_lock(s, e, data.team, data.locked),
        )
