"""Public and personal planning endpoints: the 双随机 record, an inspector's tasks."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from sqlmodel import select

from server.audit.service import actor_of
from server.auth.access import masked_cert, may_see_draw
from server.core.db import DbSession
from server.core.principal import signed_in
from server.org.models import Street
from server.planning.draws import draw_publication, publish_seed, verify_draws
from server.planning.models import Draw, DrawSeed
from server.planning.read import tasks_for
from server.planning.web import SUPERVISORS, parse_day

__all__ = ["DrawController", "TaskController"]

PEOPLE_DRAWS = ("teams", "specialists")


def _draw_read(draw: Draw) -> dict[str, Any]:
    pool = draw.pool
    if draw.kind in PEOPLE_DRAWS:  # [officer id, certificate number]: the number masked
        pool = [[member[0], masked_cert(member[1]), *member[2:]] for member in pool]
    return {
        "kind": draw.kind,
        "scope": draw.scope,
        "seq": draw.seq,
        "pool": pool,
        "pool_hash": draw.pool_hash,
        "params": draw.params,
        "result": draw.result,
        "drawn_at": draw.drawn_at.isoformat(),
    }


class DrawController(Controller):
    path = "/api/v1/draws"
    tags = ["planning"]

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
        self, request: Request, db_session: DbSession, day: FromPath[str]
    ) -> dict[str, Any]:
        target, viewer = parse_day(day), request.scope.get("user")

        def read(s: Any) -> dict[str, Any]:
            seed, checks = verify_draws(s, target)
            draws = s.exec(
                select(Draw).where(Draw.day == target).order_by(Draw.kind, Draw.scope, Draw.seq)
            )
            published = draw_publication(s, target)
            streets = {street.code: street.id for street in s.exec(select(Street))}
            return {
                "date": target.isoformat(),
                "seed": _seed_read(seed),
                "draws": [
                    {**_draw_read(d), "verified": c.ok, "problems": list(c.problems)}
                    for d, c in zip(draws, checks, strict=True)
                    if may_see_draw(
                        viewer,
                        streets.get(d.scope) if d.kind == "teams" else None,
                        published(d),
                    )
                ],
            }

        return await db_session.run_sync(read)

    @post("/{day:str}/seed", guards=[SUPERVISORS], summary="Publish the day's seed ahead")
    async def seed(
        self, request: Request, db_session: DbSession, day: FromPath[str]
    ) -> dict[str, Any]:
        target, actor = parse_day(day), actor_of(request)
        row = await db_session.run_sync(lambda s: publish_seed(s, target, actor=actor.name))
        return _seed_read(row) or {}


def _seed_read(seed: DrawSeed | None) -> dict[str, Any] | None:
    if seed is None:
        return None
    return {
        "day": seed.day.isoformat(),
        "seed": seed.seed,
        "published_at": seed.published_at.isoformat(),
        "published_by": seed.published_by,
    }


class TaskController(Controller):
    path = "/api/v1/me"
    tags = ["planning"]
    guards = [signed_in]

    @get("/tasks", summary="The signed-in inspector's published route for the day")
    async def tasks(
        self, request: Request, db_session: DbSession, date: FromQuery[str]
    ) -> dict[str, Any]:
        target, user_id = parse_day(date), request.user.id
        found = await db_session.run_sync(lambda s: tasks_for(s, target, user_id))
        if found is None:
            return {"date": target.isoformat(), "version": None, "route": None}
        return found
