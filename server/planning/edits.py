"""A supervisor's changes to a street's day: reorder, move, lock, publish, each one function the
API and the console both call. Each writes the next version in the caller's transaction (flushed:
a lost race is PlanConflict here, not at commit); a change to a published plan is published at
once (the phones get it) and audited."""

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.core.clock import local_today
from server.core.i18n import t
from server.core.plan_settings import PlanningSettings
from server.merchants.models import Merchant
from server.org.models import Department, Street, User
from server.packets.newest import newest_plans
from server.planning.gather import opening_windows, recusals
from server.planning.models import Plan
from server.planning.routing import StraightLineTravel
from server.planning.service import PlanRefused, check_day, lost_race, resolve_streets
from server.planning.versions import (
    PlanConflict,
    RouteData,
    VersionData,
    VisitData,
    load_version,
    write_version,
)

__all__ = ["Edit", "move_visit", "publish", "reorder", "set_lock"]


@dataclass(frozen=True)
class Edit:
    """Which version of which street's day a change applies to, by whom, and when."""

    day: date
    street: str
    version: int
    actor: Actor
    today: date = field(default_factory=local_today)


def _base(session: Session, edit: Edit) -> tuple[Street, Plan, VersionData]:
    check_day(edit.day, edit.today)
    street = resolve_streets(session, edit.street)[0]
    plan = newest_plans(session, edit.day, [street.id], published=False).get(street.id)
    if plan is None:
        raise PlanRefused("plan.not_found")
    if plan.version != edit.version:
        raise PlanConflict(street.id, edit.day)
    return street, plan, load_version(session, plan)


def _write(session: Session, edit: Edit, base: Plan, data: VersionData, change: str) -> Plan:
    with lost_race(None, edit.day):
        plan = write_version(
            session,
            data,
            version=base.version + 1,
            change=change,
            actor=edit.actor.name,
            actor_id=edit.actor.id,
        )
        session.flush()
    return plan


def _route(data: VersionData, number: int) -> RouteData:
    for route in data.routes:
        if route.number == number:
            return route
    raise PlanRefused("plan.route_not_found", number=number)


def _unlocked(route: RouteData) -> RouteData:
    if route.locked:
        raise PlanRefused("plan.route_locked", number=route.number)
    return route


def retime(
    session: Session,
    street: Street,
    route: RouteData,
    visits: list[VisitData],
    settings: PlanningSettings,
    day: date,
) -> None:
    """Set the route's visits and times; PlanRefused if the shift or an opening hour breaks."""
    ids = [v.merchant_id for v in visits]
    places = {
        m.id: m
        for m in session.exec(select(Merchant).where(col(Merchant.id).in_(ids or [uuid.uuid4()])))
    }
    hours = opening_windows(session, ids, day.weekday(), settings.default_opening)
    points = [(street.office_lat, street.office_lng)] + [
        (places[i].lat, places[i].lng) for i in ids
    ]
    matrix = StraightLineTravel(settings).matrix(points)
    clock, travel, here = route.start_minute * 60, 0, 0
    for n, visit in enumerate(visits, start=1):
        leg = int(matrix[here, n])
        clock, travel, here = clock + leg, travel + leg, n
        service = visit.service_minutes * 60
        starts = [a * 60 for a, b in hours.get(visit.merchant_id, []) if b * 60 - service >= clock]
        if not starts:
            detail = t("plan.infeasible.closed", name=places[visit.merchant_id].name)
            raise PlanRefused("plan.infeasible", number=route.number, detail=detail)
        clock = max(clock, min(starts))
        visit.eta_minute = round(clock / 60)
        clock += service
    back = int(matrix[here, 0]) if visits else 0
    end = clock + back
    limit = (settings.shift_start_minute + settings.shift_minutes) * 60
    if end > limit:
        detail = t("plan.infeasible.shift", minutes=round((end - limit) / 60))
        raise PlanRefused("plan.infeasible", number=route.number, detail=detail)
    route.visits = visits
    route.travel_seconds = travel + back
    route.service_seconds = sum(v.service_minutes * 60 for v in visits)
    route.end_minute = round(end / 60)


def reorder(
    session: Session, edit: Edit, number: int, keys: list[uuid.UUID], settings: PlanningSettings
) -> Plan:
    """Put a route's visits in the supervisor's order."""
    street, base, data = _base(session, edit)
    route = _unlocked(_route(data, number))
    by_key = {v.key: v for v in route.visits}
    if sorted(keys) != sorted(by_key) or len(set(keys)) != len(keys):
        raise PlanRefused("plan.bad_order")
    retime(session, street, route, [by_key[k] for k in keys], settings, edit.day)
    return _write(session, edit, base, data, "reorder")


def move_visit(
    session: Session,
    edit: Edit,
    key: uuid.UUID,
    to_number: int | None,
    settings: PlanningSettings,
) -> Plan:
    """Move a visit to another team (at its cheapest feasible place), or out of the routes."""
    street, base, data = _base(session, edit)
    source = next((r for r in data.routes if any(v.key == key for v in r.visits)), None)
    pool = source.visits if source else data.unassigned
    visit = next((v for v in pool if v.key == key), None)
    if visit is None:
        raise PlanRefused("plan.visit_not_found")
    if source is not None:
        _unlocked(source)
        retime(
            session, street, source, [v for v in source.visits if v.key != key], settings, edit.day
        )
    else:
        data.unassigned = [v for v in data.unassigned if v.key != key]
    if to_number is None:
        visit.unassigned_code, visit.eta_minute = "moved_out", None
        visit.unassigned_reason = t("plan.unassigned.moved_out")
        data.unassigned.append(visit)
        return _write(session, edit, base, data, "move")
    target = _unlocked(_route(data, to_number))
    _check_team(session, target, visit)
    best: tuple[int, list[VisitData]] | None = None
    for place in range(len(target.visits) + 1):
        trial = RouteData(
            target.number, target.name, target.officers, [], False, target.start_minute
        )
        order = [*target.visits[:place], visit, *target.visits[place:]]
        try:
            retime(session, street, trial, order, settings, edit.day)
        except PlanRefused as refused:
            error = refused
            continue
        if best is None or trial.travel_seconds < best[0]:
            best = (trial.travel_seconds, order)
    if best is None:
        raise error
    retime(session, street, target, best[1], settings, edit.day)
    visit.unassigned_code = visit.unassigned_reason = None
    return _write(session, edit, base, data, "move")


def _check_team(session: Session, route: RouteData, visit: VisitData) -> None:
    """The hard rules a manual move may not break: recusal, and an officer of each department
    whose items the merchant's street is not empowered for."""
    ids = [u for u, _ in route.officers]
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}
    for user_id in recusals(session, [visit.merchant_id]).get(visit.merchant_id, set()):
        if user_id in users:
            raise PlanRefused("plan.move_recusal", name=users[user_id].name, number=route.number)
    # Any officer on the route, member or specialist, brings their department's competence.
    have = {str(users[u].department_id) for u, _ in route.officers if users[u].department_id}
    missing = [d for d in visit.needs if d not in have]
    if missing:
        names = "、".join(
            d.name
            for d in session.exec(
                select(Department).where(col(Department.id).in_([uuid.UUID(m) for m in missing]))
            )
        )
        raise PlanRefused("plan.move_specialist", number=route.number, departments=names)


def set_lock(session: Session, edit: Edit, number: int, locked: bool) -> Plan:
    """Lock a route (re-planning keeps it as it is) or unlock it."""
    _, base, data = _base(session, edit)
    _route(data, number).locked = locked
    return _write(session, edit, base, data, "lock" if locked else "unlock")


def publish(session: Session, edit: Edit) -> Plan:
    """Publish the version the supervisor is looking at: the phones see it from now on."""
    _, base, data = _base(session, edit)
    if base.status == "published":
        raise PlanRefused("plan.already_published")
    data.status = "published"
    return _write(session, edit, base, data, "publish")
