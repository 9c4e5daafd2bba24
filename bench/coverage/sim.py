"""A year of working days on the demo district, as the product lives it.

Each working day, with the product's clock set to that day: certificates that ran out are
renewed and the day's leave is recorded (capacity); the nightly recompute (`recompute_all`)
runs; the ledger reads every merchant's colour and due date; `build_plan` plans every street
(the day's 双随机 seed published first) and each street's new version is published (follow-ups
are owed only from published plans); every routed visit is made (bench/coverage/world.py).
Complaints come in every day, weekends too; weekends are not worked.
"""

import hashlib
import time as clock_time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bench.coverage.ledger import Ledger
from bench.coverage.world import DISTRICT, Planned, World
from server.audit.service import Actor
from server.colour.recompute import recompute_all
from server.core.clock import CLOCK
from server.core.plan_settings import PlanningSettings
from server.core.workdays import CALENDAR
from server.merchants.models import Merchant
from server.org.models import Department, Street, User
from server.packets.newest import newest_plans
from server.planning.draws import publish_seed
from server.planning.edits import Edit, publish
from server.planning.follow_ups import follow_ups_owed
from server.planning.models import Draw, JointVisit, Plan, RouteOfficer, VisitItem
from server.planning.priority import band_of
from server.planning.service import build_plan
from server.policy.rules import Policy
from server.rectifications.models import OPEN_STATUSES, RectificationOrder
from server.rectifications.service import left_failed

__all__ = ["Config", "Result", "simulate"]

SUPERVISOR = Actor("simulation")


@dataclass(frozen=True)
class Config:
    start: date
    days: int
    capacity: float = 1.0
    complaints_per_day: float = 3.0
    seed: int = 1
    settings: PlanningSettings = field(default_factory=PlanningSettings)


@dataclass
class Result:
    """What the span owed, made and left, and what it cost."""

    start: date
    last: date  # the last working day: what fell due after it is not counted
    working_days: int = 0
    ledger: Ledger | None = None
    stats: Counter[str] = field(default_factory=Counter)  # summed over the published plans
    placed_by_reason: Counter[str] = field(default_factory=Counter)  # a visit's first reason
    unplaced: Counter[str] = field(default_factory=Counter)  # "first reason (code)", each day
    # unplaced visits needing a department no inspector of the district belongs to, each day
    unstaffed: Counter[str] = field(default_factory=Counter)
    unstaffed_merchants: set[uuid.UUID] = field(default_factory=set)
    random_checks: Counter[str] = field(default_factory=Counter)
    follow_ups_owed: Counter[str] = field(default_factory=Counter)  # at the end, by department
    # visits that checked fewer departments than the merchant has (each resets the colour's
    # interval all the same), by why they were made: random checks only, or anything else
    partial: Counter[str] = field(default_factory=Counter)
    # visits of a merchant already visited within the week before, and visits per merchant
    revisits: Counter[str] = field(default_factory=Counter)
    visits_of: Counter[uuid.UUID] = field(default_factory=Counter)
    last_visit: dict[uuid.UUID, date] = field(default_factory=dict)
    # placed visits of a less pressing class than one left out for want of time in the same
    # street's plan, neither needing a specialist: the priority order not kept
    inversions: int = 0
    recheck_owed: Counter[str] = field(default_factory=Counter)  # why, at the end
    inversion_plans: int = 0
    on_leave: int = 0
    renewed: int = 0
    complaints: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)


def _working_on_or_before(day: date) -> date:
    while not CALENDAR.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _seed_of(seed: int, day: date) -> str:
    return hashlib.sha256(f"onevisit-coverage:{seed}:{day.isoformat()}".encode()).hexdigest()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), DISTRICT)


def simulate(
    engine: Engine,
    config: Config,
    policy: Policy,
    on_day: Callable[[date, Result], None] | None = None,
) -> Result:
    """Run the span on the loaded district; returns the ledger and the year's counts."""
    last = config.start + timedelta(days=config.days - 1)
    result = Result(config.start, _working_on_or_before(last))
    ledger = Ledger(
        config.start,
        complaint_days=policy.complaint_visit_days,
        recheck_max_days=policy.recheck_max_days,
    )
    result.ledger = ledger
    CLOCK.set(_at(config.start, 0, 1), frozen=True)
    with Session(engine, expire_on_commit=False) as session:
        world = World(session, policy, config.seed)
        _inherited_orders(session, ledger)
        departments = {d.id: d.code for d in session.exec(select(Department))}
        staffed = set(
            session.exec(select(User.department_id).where(User.role == "inspector").distinct())
        )
        unstaffed = {str(d): code for d, code in departments.items() if d not in staffed}
    try:
        for n in range(config.days):
            day = config.start + timedelta(days=n)
            if CALENDAR.is_working_day(day):
                _working_day(engine, config, policy, world, ledger, result, day, unstaffed)
                result.working_days += 1
            with Session(engine, expire_on_commit=False) as session:
                CLOCK.set(_at(day, 22), frozen=True)
                for row in world.complaints(session, day, config.complaints_per_day):
                    ledger.complaint(row.id, row.merchant_id, day)
                    result.complaints += 1
                session.commit()
            if on_day is not None:
                on_day(day, result)
        _closing(engine, policy, result, result.last, departments)
        _owed_rechecks(ledger, world, result, {uuid.UUID(d) for d in unstaffed})
    finally:
        CLOCK.release()
    result.outcomes = world.counts
    return result


def _inherited_orders(session: Session, ledger: Ledger) -> None:
    """Open orders the demo's history left: their re-checks are owed too."""
    for order in session.exec(
        select(RectificationOrder).where(col(RectificationOrder.status).in_(OPEN_STATUSES))
    ):
        whole = order.check_item_id is None
        items = (
            frozenset(left_failed(session, order.inspection_id))
            if whole and order.inspection_id
            else frozenset([order.check_item_id] if order.check_item_id else [])
        )
        ledger.order(
            order.id,
            order.merchant_id,
            items,
            whole=whole,
            issued_on=order.issued_on,
            deadline=order.deadline,
        )


def _working_day(
    engine: Engine,
    config: Config,
    policy: Policy,
    world: World,
    ledger: Ledger,
    result: Result,
    day: date,
    unstaffed: dict[str, str],
) -> None:
    laps = clock_time.perf_counter()

    def lap(name: str) -> None:
        nonlocal laps
        now = clock_time.perf_counter()
        result.seconds[name] += now - laps
        laps = now

    with Session(engine, expire_on_commit=False) as session:
        CLOCK.set(_at(day, 0, 5), frozen=True)
        result.renewed += world.renew_certificates(session, day, config.start)
        result.on_leave += world.send_on_leave(session, day, config.capacity)
        session.commit()
    with engine.connect() as conn, conn.begin():
        recompute_all(conn, policy, now=_at(day, 0, 10))
    lap("recompute")
    with Session(engine, expire_on_commit=False) as session:
        dues = list(session.exec(select(Merchant.id, Merchant.colour, Merchant.next_due)))
        rechecks = {
            m: deadline + timedelta(days=policy.recheck_min_days)
            for m, deadline in session.exec(
                select(RectificationOrder.merchant_id, func.min(RectificationOrder.deadline))
                .where(col(RectificationOrder.status).in_(OPEN_STATUSES))
                .group_by(RectificationOrder.merchant_id)
            )
        }
        ledger.observe(day, dues, rechecks)
    lap("ledger")
    planned_at = _at(day, 7)
    CLOCK.set(planned_at, frozen=True)
    with Session(engine, expire_on_commit=False) as session:
        publish_seed(session, day, seed=_seed_of(config.seed, day), actor=SUPERVISOR.name)
        plans = build_plan(
            session, day, settings=config.settings, policy=policy, actor=SUPERVISOR, today=day
        )
        session.flush()
        codes = dict(session.exec(select(Street.id, Street.code)).all())
        for plan in plans:
            publish(session, Edit(day, codes[plan.street_id], plan.version, SUPERVISOR, day))
        session.commit()
    lap("plan")
    with Session(engine, expire_on_commit=False) as session:
        visits = _routed(session, day, result, unstaffed, policy)
    CLOCK.set(_at(day, 8, 30), frozen=True)
    with Session(engine, expire_on_commit=False) as session:
        for visit in visits:
            made = world.make(session, day, visit, planned_at)
            ledger.visit(day, visit.merchant_id, made.items, made.complaints)
            before = result.last_visit.get(visit.merchant_id)
            if before is not None and (day - before).days <= 7:
                first = visit.reasons[0] if visit.reasons else "?"
                result.revisits[first] += 1
            result.last_visit[visit.merchant_id] = day
            result.visits_of[visit.merchant_id] += 1
            if made.partial:
                only_random = set(visit.reasons) <= {"random"}
                result.partial["random only" if only_random else "other reasons"] += 1
            for order in made.orders:
                ledger.order(
                    order.id,
                    order.merchant_id,
                    frozenset([order.check_item_id]),
                    whole=False,
                    issued_on=day,
                    deadline=order.deadline,
                )
        session.commit()
    lap("visits")


def _routed(
    session: Session, day: date, result: Result, unstaffed: dict[str, str], policy: Policy
) -> list[Planned]:
    """The routed visits of the day's newest (published) versions, counting what the plans
    say: their figures, each placed visit's first reason, each unplaced one's reason and code
    (apart: those waiting for a department that has no inspector in the district)."""
    plans = list(newest_plans(session, day, published=False).values())
    ids = [p.id for p in plans]
    for plan in plans:
        for key in ("department_checks", "joint_visits", "door_entries_saved", "follow_ups"):
            result.stats[key] += int(plan.stats.get(key, 0))
        for skipped in plan.stats.get("skipped", []):
            result.random_checks[f"held back ({skipped['code']})"] += 1
    rows = list(session.exec(select(JointVisit).where(col(JointVisit.plan_id).in_(ids))))
    items: dict[uuid.UUID, list[uuid.UUID]] = {}
    for visit_id, item_id in session.exec(
        select(VisitItem.joint_visit_id, VisitItem.check_item_id).where(
            col(VisitItem.joint_visit_id).in_([r.id for r in rows] or [uuid.uuid4()])
        )
    ):
        items.setdefault(visit_id, []).append(item_id)
    officers: dict[uuid.UUID, list[tuple[str, uuid.UUID]]] = {}
    route_ids = sorted({r.route_id for r in rows if r.route_id})
    for route_id, user_id, role in session.exec(
        select(RouteOfficer.route_id, RouteOfficer.user_id, RouteOfficer.role).where(
            col(RouteOfficer.route_id).in_(route_ids or [uuid.uuid4()])
        )
    ):
        officers.setdefault(route_id, []).append((role, user_id))
    _inversions(rows, result, policy)
    planned = []
    for row in sorted(rows, key=lambda r: r.merchant_id):  # ids stable from run to run
        first = row.reasons[0] if row.reasons else "?"
        for check in row.checks:
            if "random" in check["reasons"]:
                result.random_checks["made" if row.route_id else "unplaced that day"] += 1
        if row.route_id is None:
            missing = sorted(unstaffed[d] for d in row.needs if d in unstaffed)
            if row.unassigned_code == "no_specialist" and missing:
                result.unstaffed["+".join(missing)] += 1
                result.unstaffed_merchants.add(row.merchant_id)
            else:
                result.unplaced[f"{first} ({row.unassigned_code})"] += 1
            continue
        result.placed_by_reason[first] += 1
        crew = sorted(officers.get(row.route_id, []), key=lambda o: (o[0] != "member", str(o[1])))
        planned.append(
            Planned(
                row.merchant_id,
                tuple(u for _, u in crew),
                tuple(sorted(items.get(row.id, []))),
                tuple(row.reasons),
                row.eta_minute or 9 * 60,
                row.service_minutes,
            )
        )
    return planned


def _inversions(rows: list[JointVisit], result: Result, policy: Policy) -> None:
    """Count the placed visits less pressing than a visit their street left out for want of
    time, among visits any team may take."""
    left: dict[uuid.UUID, int] = {}
    for row in rows:
        if row.route_id is None and row.unassigned_code == "capacity" and not row.needs:
            band = band_of(row.priority, policy)
            left[row.plan_id] = min(band, left.get(row.plan_id, band))
    plans = set()
    for row in rows:
        if (
            row.route_id
            and not row.needs
            and band_of(row.priority, policy) > left.get(row.plan_id, 99)
        ):
            result.inversions += 1
            plans.add(row.plan_id)
    result.inversion_plans += len(plans)


def _owed_rechecks(ledger: Ledger, world: World, result: Result, unstaffed: set[uuid.UUID]) -> None:
    """Why the re-checks still owed at the end are owed: an item of a department with no
    inspector in the district, or not."""
    for order in ledger.orders.values():
        if order.met_on is not None or not ledger.start <= order.deadline <= result.last:
            continue
        departments = {world.items[i].department_id for i in order.items}
        result.recheck_owed[
            "names a department with no inspector" if departments & unstaffed else "other"
        ] += 1


def _closing(engine: Engine, policy: Policy, result: Result, last: date, departments: dict) -> None:
    """What the span drew at random, and the department checks still owed after it."""
    after = last + timedelta(days=1)
    with Session(engine) as session:
        drawn = session.exec(
            select(Draw.result).where(
                Draw.kind == "merchants", Draw.day >= result.start, Draw.day <= last
            )
        ).all()
        result.random_checks["drawn"] = sum(len(r) for r in drawn)
        streets = list(session.exec(select(Street.id)))
        CLOCK.set(_at(after, 6), frozen=True)
        for check in follow_ups_owed(session, after, streets, policy):
            name = departments.get(check.department_id, "?")
            result.follow_ups_owed[f"{name}: {check.reason}"] += 1
        result.stats["published_versions"] = session.exec(
            select(func.count()).select_from(Plan).where(Plan.status == "published")
        ).one()
