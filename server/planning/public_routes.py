"""Public and personal planning endpoints: the 双随机 record, an inspector's tasks."""

from datetime import date

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from server.audit.service import actor_of
from server.core.db import DbSession
from server.core.principal import signed_in
from server.planning.draws import publish_seed
from server.planning.queries import draw_record, seed_read
from server.planning.read import tasks_for
from server.planning.schemas import DrawRecord, PlanTasks, SeedRead
from server.planning.web import DAY_OPT, SUPERVISORS, QueryDay, in_calendar

__all__ = ["DrawController", "TaskController"]


class DrawController(Controller):
    path = "/api/v1/draws"
    tags = ["planning"]
    opt = DAY_OPT

    @get(
        "/{day:str}",
        summary="双随机一公开: the day's seed, pools, results and their replay",
        description=(
            "Public once the plan a draw made is published; before that, the supervisors of its "
            "street (district supervisors: every draw) see it. Certificate numbers are masked; "
            "the pool hash is of the numbers in full, as drawn."
        ),
    )
    async def read(
        self, request: Request, db_session: DbSession, day: FromPath[date]
    ) -> DrawRecord:
        target, viewer = in_calendar(day), request.scope.get("user")
        return await db_session.run_sync(draw_record, target, viewer)

    @post("/{day:str}/seed", guards=[SUPERVISORS], summary="Publish the day's seed ahead")
    async def seed(self, request: Request, db_session: DbSession, day: FromPath[date]) -> SeedRead:
        target, actor = in_calendar(day), actor_of(request)
        row = await db_session.run_sync(lambda s: publish_seed(s, target, actor=actor.name))
        return seed_read(row)


class TaskController(Controller):
    path = "/api/v1/me"
    tags = ["planning"]
    guards = [signed_in]
    opt = DAY_OPT

    @get("/tasks", summary="The signed-in inspector's published route for the day")
    async def tasks(self, request: Request, db_session: DbSession, day: QueryDay) -> PlanTasks:
        target, user_id = in_calendar(day), request.user.id
        return await db_session.run_sync(tasks_for, target, user_id)
