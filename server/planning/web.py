"""Web plumbing shared by the planning API and console: dates, reasons, races, building."""

import uuid
from datetime import date
from typing import Any

import anyio
from litestar import Response
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_409_CONFLICT
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from server.audit.service import Actor
from server.auth.access import street_scope
from server.core.clock import local_today
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.inputs import sane_day, shown
from server.core.principal import Principal, requires_role
from server.core.settings import Settings
from server.org.models import Street
from server.planning import service
from server.planning.build import solve
from server.planning.draws import publish_seed
from server.planning.read import plan_document
from server.planning.service import PlanRefused

__all__ = [
    "SUPERVISORS",
    "conflict_response",
    "parse_day",
    "run_build",
    "scoped_street",
    "today_for",
]

SUPERVISORS = requires_role("supervisor")
# Bigger days go to a worker process: the solver holds the GIL and would stall the server.
IN_PROCESS_STOPS = 200


def parse_day(raw: str) -> date:
    """A day of the plan: YYYY-MM-DD, of a year the calendar can count on from (9999-12-31
    has no next day)."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise PlanRefused("plan.bad_date", value=shown(raw)) from None
    if not sane_day(day):
        raise PlanRefused("plan.bad_date", value=raw)
    return day


def scoped_street(session: Session, principal: Principal, street: str | None) -> str | None:
    """The street a request may plan: the one it names, or every street when none.

    A street's supervisor plans their own street only: naming none means theirs, and naming
    another answers 404, as for a plan that is not there. An unknown name stays refused."""
    own = street_scope(principal)
    if own is None:
        return street
    if not street:
        found = session.get(Street, own)
        if found is None:
            raise NotFoundException(detail=t("error.not_found"))
        return found.code
    if any(s.id != own for s in service.resolve_streets(session, street)):
        raise NotFoundException(detail=t("error.not_found"))
    return street


def today_for(settings: Settings) -> date:
    return local_today()


async def conflict_response(session: AsyncSession, day: date, street: str | None) -> Response:
    """409 with the winner's plan, read after our transaction was rolled back."""
    await session.rollback()

    def read(s: Any) -> dict[str, Any]:
        ids = [x.id for x in service.resolve_streets(s, street)] if street else None
        return plan_document(s, day, street_ids=ids)

    winner = await session.run_sync(read)
    versions = {s["street"]: s["version"] for s in winner["streets"]}
    shown = versions.get(street or "", max(versions.values(), default=0))
    body = {"status_code": 409, "detail": t("plan.conflict", version=shown), "plan": winner}
    return Response(body, status_code=HTTP_409_CONFLICT)


async def run_build(
    session: AsyncSession,
    state: State,
    day: date,
    street: str | None,
    base_version: int | None,
    actor: Actor,
) -> list[uuid.UUID]:
    """Build in the request's transaction; the seed is published first, in its own."""
    settings: Settings = state.settings
    today = today_for(settings)
    policy = service.planning_policy(settings.policy_file)

    def check(s: Any) -> None:
        service.check_day(day, today)
        service.resolve_streets(s, street)

    await session.run_sync(check)
    async with state.db_sessionmaker() as own:
        try:
            await own.run_sync(lambda s: publish_seed(s, day, actor=actor.name))
            await own.commit()
        except (IntegrityError, OperationalError):  # another request published it just now
            await own.rollback()
    with service.lost_race(None, day):
        request = await session.run_sync(
            lambda s: service.prepare_build(
                s,
                day,
                street=street,
                base_version=base_version,
                settings=settings.planning,
                policy=policy,
                today=today,
            )
        )
        problems = [w.problem for w in request.prepared.streets]
        if sum(len(p.stops) for p in problems) > IN_PROCESS_STOPS:
            solutions = await anyio.to_process.run_sync(solve, problems, settings.planning)
        else:
            solutions = solve(problems, settings.planning)
        plans = await session.run_sync(
            lambda s: service.store_build(s, request, solutions, settings.planning, actor)
        )
        await session.flush()
    return [p.street_id for p in plans]
