"""Plan versions: append-only, written whole in the caller's transaction, read back whole.

Every change (a build, a reorder, a move, a lock, publishing) writes version n+1 of the street's
day. The unique (street, day, version) constraint makes two writers of the same base race for
the same row: the database lets one win and the other gets PlanConflict.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from server.audit.service import record
from server.core.clock import utcnow
from server.core.errors import DomainError
from server.core.i18n import t
from server.planning.follow_ups import FollowUpData, follow_up_rows, load_follow_ups
from server.planning.models import FollowUp, JointVisit, Plan, Route, RouteOfficer, VisitItem

__all__ = [
    "PlanConflict",
    "RouteData",
    "VersionData",
    "VisitData",
    "load_version",
    "write_version",
]


class PlanConflict(DomainError):
    """Someone else wrote the next version of this street's day first (409). Answered with the
    winner's version and plan (`plan`) once they are read (server.planning.web.lost_plan)."""

    status = 409

    def __init__(
        self,
        street_id: uuid.UUID | None,
        day: date,
        *,
        version: int | None = None,
        plan: object = None,
    ) -> None:
        known = version is not None
        detail = t("plan.conflict", version=version) if known else t("plan.conflict_unread")
        super().__init__(detail, plan=plan)
        self.street_id, self.day = street_id, day


@dataclass
class VisitData:
    key: uuid.UUID
    merchant_id: uuid.UUID
    service_minutes: int
    priority: int
    reasons: list[str]
    checks: list[dict[str, Any]]
    needs: list[str]  # department ids, as text
    items: list[tuple[uuid.UUID, uuid.UUID]]  # (check item, department)
    eta_minute: int | None = None
    unassigned_code: str | None = None
    unassigned_reason: str | None = None


@dataclass
class RouteData:
    number: int
    name: str
    officers: list[tuple[uuid.UUID, str]]  # (user, member or specialist)
    visits: list[VisitData] = field(default_factory=list)
    locked: bool = False
    start_minute: int = 0
    end_minute: int = 0
    travel_seconds: int = 0
    service_seconds: int = 0


@dataclass
class VersionData:
    street_id: uuid.UUID
    day: date
    routes: list[RouteData]
    unassigned: list[VisitData]
    stats: dict[str, Any]
    status: str = "draft"
    follow_ups: list[FollowUpData] = field(default_factory=list)


def write_version(
    session: Session,
    data: VersionData,
    *,
    version: int,
    change: str,
    actor: str,
    actor_id: uuid.UUID | None,
) -> Plan:
    """Insert the version and everything in it; PlanConflict if that version already exists."""
    data.stats = {**data.stats, **_counts(data)}
    plan = _insert_plan(session, data, version, change, actor_id)
    for model, rows in _rows(plan.id, data):
        if rows:  # Core executemany: thousands of rows without building ORM objects
            session.connection().execute(insert(model.__table__), rows)  # type: ignore[attr-defined]
    record(
        session,
        action=f"plan.{change}",
        entity="plan",
        entity_id=plan.id,
        actor=actor,
        actor_id=actor_id,
        detail={
            "day": data.day.isoformat(),
            "street_id": str(data.street_id),
            "version": version,
            "status": data.status,
        },
    )
    return plan


def _insert_plan(
    session: Session, data: VersionData, version: int, change: str, actor_id: uuid.UUID | None
) -> Plan:
    """The version's plan row, flushed: the unique (street, day, version) decides the race."""
    plan = Plan(
        street_id=data.street_id,
        day=data.day,
        version=version,
        status=data.status,
        change=change,
        stats=data.stats,
        created_by=actor_id,
        published_at=utcnow() if data.status == "published" else None,
    )
    session.add(plan)
    try:
        session.flush()
    except (IntegrityError, OperationalError) as exc:
        # OperationalError: SQLite refuses the write of a transaction whose snapshot another
        # writer has moved past (SQLITE_BUSY_SNAPSHOT): the same lost race.
        if isinstance(exc, OperationalError) and "locked" not in str(exc.orig).lower():
            raise
        raise PlanConflict(data.street_id, data.day) from exc
    return plan


Rows = list[dict[str, Any]]


def _rows(plan_id: uuid.UUID, data: VersionData) -> list[tuple[Any, Rows]]:
    """The version's routes, their officers, its visits (placed, then unassigned) and their
    check items as rows of each table, in the order they are inserted."""
    routes: Rows = []
    officers: Rows = []
    visits: Rows = []
    for route in data.routes:
        route_id = uuid.uuid4()
        routes.append(_route_row(plan_id, route_id, route))
        officers += [{"route_id": route_id, "user_id": u, "role": r} for u, r in route.officers]
        for seq, visit in enumerate(route.visits, start=1):
            visits.append(_visit_row(plan_id, visit, route_id, seq))
    visits += [_visit_row(plan_id, v, None, None) for v in data.unassigned]
    items = [
        {"joint_visit_id": row["id"], "check_item_id": i, "department_id": d}
        for row, visit in zip(visits, [*_placed(data), *data.unassigned], strict=True)
        for i, d in visit.items
    ]
    return [
        (Route, routes),
        (RouteOfficer, officers),
        (JointVisit, visits),
        (VisitItem, items),
        (FollowUp, follow_up_rows(plan_id, data.follow_ups)),
    ]


def _route_row(plan_id: uuid.UUID, route_id: uuid.UUID, route: RouteData) -> dict[str, Any]:
    return {
        "id": route_id,
        "plan_id": plan_id,
        "number": route.number,
        "name": route.name,
        "locked": route.locked,
        "start_minute": route.start_minute,
        "end_minute": route.end_minute,
        "travel_seconds": route.travel_seconds,
        "service_seconds": route.service_seconds,
    }


def _counts(data: VersionData) -> dict[str, int]:
    """The figures a supervisor reads first; door-entries saved is what merging bought."""
    placed = _placed(data)
    checks = sum(len(v.checks) for v in placed)
    return {
        "department_checks": checks,
        "joint_visits": len(placed),
        "door_entries_saved": checks - len(placed),
        "unassigned": len(data.unassigned),
        "follow_ups": len(data.follow_ups),
        "travel_minutes": round(sum(r.travel_seconds for r in data.routes) / 60),
        "service_minutes": round(sum(r.service_seconds for r in data.routes) / 60),
    }


def _placed(data: VersionData) -> list[VisitData]:
    return [v for route in data.routes for v in route.visits]


def _visit_row(
    plan_id: uuid.UUID, visit: VisitData, route_id: uuid.UUID | None, seq: int | None
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "plan_id": plan_id,
        "key": visit.key,
        "merchant_id": visit.merchant_id,
        "route_id": route_id,
        "seq": seq,
        "eta_minute": visit.eta_minute if route_id else None,
        "service_minutes": visit.service_minutes,
        "priority": visit.priority,
        "reasons": visit.reasons,
        "checks": visit.checks,
        "needs": visit.needs,
        "unassigned_code": None if route_id else visit.unassigned_code,
        "unassigned_reason": None if route_id else visit.unassigned_reason,
    }


def load_version(session: Session, plan: Plan) -> VersionData:
    """A stored version as data, to change and write as the next version."""
    routes = {
        r.id: RouteData(
            r.number,
            r.name,
            [],
            [],
            r.locked,
            r.start_minute,
            r.end_minute,
            r.travel_seconds,
            r.service_seconds,
        )
        for r in session.exec(select(Route).where(Route.plan_id == plan.id))
    }
    for row in session.exec(
        select(RouteOfficer).where(col(RouteOfficer.route_id).in_(list(routes) or [uuid.uuid4()]))
    ):
        routes[row.route_id].officers.append((row.user_id, row.role))
    items: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    visit_rows = list(session.exec(select(JointVisit).where(JointVisit.plan_id == plan.id)))
    for item in session.exec(
        select(VisitItem).where(
            col(VisitItem.joint_visit_id).in_([v.id for v in visit_rows] or [uuid.uuid4()])
        )
    ):
        items.setdefault(item.joint_visit_id, []).append((item.check_item_id, item.department_id))
    unassigned = []
    for row in sorted(visit_rows, key=lambda v: (v.seq or 0, str(v.key))):
        visit = VisitData(
            row.key,
            row.merchant_id,
            row.service_minutes,
            row.priority,
            list(row.reasons),
            list(row.checks),
            list(row.needs),
            sorted(items.get(row.id, [])),
            row.eta_minute,
            row.unassigned_code,
            row.unassigned_reason,
        )
        if row.route_id is None:
            unassigned.append(visit)
        else:
            routes[row.route_id].visits.append(visit)
    for route in routes.values():
        route.officers.sort(key=lambda o: (o[1] != "member", str(o[0])))
    ordered = sorted(routes.values(), key=lambda r: r.number)
    return VersionData(
        plan.street_id,
        plan.day,
        ordered,
        unassigned,
        dict(plan.stats),
        plan.status,
        load_follow_ups(session, plan.id),
    )
