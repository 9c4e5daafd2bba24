"""Planning rules as the CLI and the web app call them: the streets a request names, the day's
build (`build_plan` in one transaction for the CLI and the demo; `build_day`, the one build of
the API and the console), and how a lost race is told. Services never commit."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import anyio
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.core.clock import local_today
from server.core.db import AsyncSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.plan_settings import PlanningSettings
from server.core.settings import Settings
from server.core.workdays import CALENDAR, CalendarNotCovered, weekday_name
from server.org.models import Street
from server.packets.newest import newest_plans
from server.planning.assemble import assemble
from server.planning.build import Prepared, prepare, solve
from server.planning.draws import publish_seed, published_seed
from server.planning.models import Plan, Route, RouteOfficer
from server.planning.routing import StreetProblem, StreetSolution
from server.planning.versions import (
    PlanConflict,
    RouteData,
    load_version,
    write_version,
)
from server.policy.rules import DEFAULT_POLICY, Policy

__all__ = [
    "BuildRequest",
    "PlanConflict",
    "PlanRefused",
    "build_day",
    "build_plan",
    "lost_race",
    "planning_policy",
    "prepare_build",
    "resolve_streets",
    "store_build",
]

Solver = Callable[[list[StreetProblem], PlanningSettings], list[StreetSolution]]
# Bigger days go to a worker process: the solver holds the GIL and would stall the server.
IN_PROCESS_STOPS = 200


class PlanRefused(DomainError):
    """Bad input a person can fix (422): the i18n key of the reason and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(t(key, **values))
        self.key, self.values = key, values


def planning_policy(policy_file: str | None = None) -> Policy:
    """The policy planning follows: POLICY_FILE's, or the defaults."""
    from server.policy.file import load_policy

    return load_policy(policy_file) if policy_file else DEFAULT_POLICY


def resolve_streets(session: Session, street: str | None) -> list[Street]:
    """The street named by code or name, or every street; PlanRefused for an unknown one."""
    stmt = select(Street).order_by(Street.code)
    if street:
        found = session.exec(stmt.where((Street.code == street) | (Street.name == street))).all()
        if not found:
            raise PlanRefused("error.unknown_street", value=street)
        return list(found)
    return list(session.exec(stmt))


def check_day(day: date, today: date, *, working_only: bool = False) -> None:
    """Plans are for today on; a build (`working_only`) is for a working day on the district's
    calendar (server.core.workdays) unless a non-working day was asked for explicitly."""
    if day < today:
        raise PlanRefused("plan.past_date", day=day.isoformat(), today=today.isoformat())
    try:
        why = CALENDAR.why_not_working(day) if working_only else None
    except CalendarNotCovered as exc:
        raise PlanRefused(exc.key, **exc.values) from None
    if why:
        raise PlanRefused(
            "plan.non_working_day", day=day.isoformat(), weekday=weekday_name(day), why=why
        )


@dataclass
class BuildRequest:
    """A prepared build: what to solve, and the versions it will write."""

    prepared: Prepared
    versions: dict[uuid.UUID, int]  # street → the version to write
    statuses: dict[uuid.UUID, str]


def _busy_elsewhere(session: Session, day: date, street_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Officers already on routes of the other streets' plans that day (specialists travel)."""
    others = [
        p.id for s, p in newest_plans(session, day, published=False).items() if s not in street_ids
    ]
    if not others:
        return set()
    return set(
        session.exec(
            select(RouteOfficer.user_id)
            .join(Route, col(Route.id) == RouteOfficer.route_id)
            .where(col(Route.plan_id).in_(others))
        )
    )


def prepare_build(
    session: Session,
    day: date,
    *,
    street: str | None,
    base_version: int | None,
    settings: PlanningSettings,
    policy: Policy,
    today: date,
    non_working_day: bool = False,
) -> BuildRequest:
    """Check the request and gather the day (draws are recorded in the session)."""
    check_day(day, today, working_only=not non_working_day)
    streets = resolve_streets(session, street)
    latest = newest_plans(session, day, [s.id for s in streets], published=False)
    if base_version is not None and street:
        current = latest.get(streets[0].id)
        if (current.version if current else 0) != base_version:
            raise PlanConflict(streets[0].id, day)
    seed = published_seed(session, day) or publish_seed(session, day)
    locked: dict[uuid.UUID, list[RouteData]] = {}
    keys: dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]] = {}
    for street_id, plan in latest.items():
        data = load_version(session, plan)
        locked[street_id] = [r for r in data.routes if r.locked]
        visits = [*data.unassigned, *(v for r in data.routes for v in r.visits)]
        keys[street_id] = {v.merchant_id: v.key for v in visits}
    prepared = prepare(
        session,
        day,
        streets,
        seed,
        settings,
        policy,
        locked=locked,
        keys=keys,
        busy=_busy_elsewhere(session, day, {s.id for s in streets}),
    )
    return BuildRequest(
        prepared,
        {s.id: (latest[s.id].version if s.id in latest else 0) + 1 for s in streets},
        {s.id: latest[s.id].status if s.id in latest else "draft" for s in streets},
    )


def store_build(
    session: Session,
    request: BuildRequest,
    solutions: list[StreetSolution],
    settings: PlanningSettings,
    actor: Actor,
) -> list[Plan]:
    """Write every street's new version; a lost race raises PlanConflict (roll back)."""
    plans = []
    for data in assemble(request.prepared, solutions, settings):
        # Changes after publishing are published too: the phones get the new version.
        data.status = request.statuses[data.street_id]
        plans.append(
            write_version(
                session,
                data,
                version=request.versions[data.street_id],
                change="build",
                actor=actor.name,
                actor_id=actor.id,
            )
        )
    return plans


@contextmanager
def lost_race(street_id: uuid.UUID | None, day: date) -> Iterator[None]:
    """Another writer of the same day got there first: its draws, its seed or its version
    (unique rows), or on SQLite its newer snapshot. All mean the same to the caller."""
    try:
        yield
    except IntegrityError as exc:
        raise PlanConflict(street_id, day) from exc
    except OperationalError as exc:
        if "locked" not in str(exc.orig).lower():
            raise
        raise PlanConflict(street_id, day) from exc


def build_plan(
    session: Session,
    day: date,
    *,
    settings: PlanningSettings,
    street: str | None = None,
    base_version: int | None = None,
    policy: Policy | None = None,
    actor: Actor = Actor(),
    today: date | None = None,
    solver: Solver = solve,
    non_working_day: bool = False,
) -> list[Plan]:
    """Plan the day for one street or all of them, in the caller's transaction (a holiday or
    a weekend only with `non_working_day`)."""
    with lost_race(None, day):
        request = prepare_build(
            session,
            day,
            street=street,
            base_version=base_version,
            settings=settings,
            policy=policy or planning_policy(),
            today=today or local_today(),
            non_working_day=non_working_day,
        )
        problems = [w.problem for w in request.prepared.streets]
        return store_build(session, request, solver(problems, settings), settings, actor)


async def build_day(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    day: date,
    *,
    street: str | None,
    base_version: int | None,
    settings: Settings,
    actor: Actor,
    non_working_day: bool = False,
) -> list[uuid.UUID]:
    """Build the day in the request's transaction, as the API and the console ask: the seed is
    published first in a transaction of its own (`sessions`), a big day is solved in a worker
    process. The streets planned; PlanRefused, or PlanConflict when another build won."""
    today = local_today()
    policy = planning_policy(settings.policy_file)

    def check(s: Session) -> None:
        check_day(day, today, working_only=not non_working_day)
        resolve_streets(s, street)

    await session.run_sync(check)
    async with sessions() as own:
        try:
            await own.run_sync(lambda s: publish_seed(s, day, actor=actor.name))
            await own.commit()
        except (IntegrityError, OperationalError):  # another request published it just now
            await own.rollback()
    with lost_race(None, day):
        request = await session.run_sync(
            lambda s: prepare_build(
                s,
                day,
                street=street,
                base_version=base_version,
                settings=settings.planning,
                policy=policy,
                today=today,
                non_working_day=non_working_day,
            )
        )
        problems = [w.problem for w in request.prepared.streets]
        if sum(len(p.stops) for p in problems) > IN_PROCESS_STOPS:
            solutions = await anyio.to_process.run_sync(solve, problems, settings.planning)
        else:
            solutions = solve(problems, settings.planning)
        plans = await session.run_sync(
            lambda s: store_build(s, request, solutions, settings.planning, actor)
        )
        await session.flush()
    return [p.street_id for p in plans]
