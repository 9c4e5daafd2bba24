"""The plan as others read it (docs/http.md, "The plan"), and an inspector's tasks for the day."""

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from msgspec import UNSET
from sqlmodel import Session, col, select

from server.catalog.models import CheckItem
from server.core.i18n import t
from server.core.plan_settings import hhmm
from server.merchants.models import Merchant
from server.org.models import Department, Street, User
from server.packets.newest import newest_plans
from server.planning.follow_ups import plan_follow_ups
from server.planning.gather import chunks
from server.planning.models import JointVisit, Plan, Route, RouteOfficer, VisitItem
from server.planning.schemas import (
    PlanDocument,
    PlanOfficer,
    PlanRoute,
    PlanSkippedCheck,
    PlanStats,
    PlanStreet,
    PlanTasks,
    PlanUnassigned,
    PlanVisit,
)

__all__ = ["STAT_KEYS", "map_data", "plan_document", "tasks_for"]

STAT_KEYS = (
    "department_checks",
    "joint_visits",
    "door_entries_saved",
    "unassigned",
    "travel_minutes",
    "service_minutes",
    "follow_ups",
)


def _in(column: Any, ids: list[uuid.UUID]) -> Any:
    return col(column).in_(ids or [uuid.uuid4()])


def plan_document(
    session: Session,
    day: date,
    *,
    street_ids: list[uuid.UUID] | None = None,
    published: bool = False,
    plans: dict[uuid.UUID, Plan] | None = None,
) -> PlanDocument:
    """The day's plan across streets: routes with officers and ordered visits, unassigned
    visits with their reasons, and the figures."""
    if plans is None:
        plans = newest_plans(session, day, street_ids, published=published)
    streets = {s.id: s for s in session.exec(select(Street))}
    street_of_plan = {p.id: streets[p.street_id] for p in plans.values()}
    routed, unassigned = _visits(session, street_of_plan)
    routes = _routes(session, plans, street_of_plan, routed)
    held, skipped = _held_back(plans, streets)
    unassigned = sorted([*unassigned, *held], key=lambda u: (u.street, str(u.merchant_id)))
    later = plan_follow_ups(session, street_of_plan)
    return PlanDocument(
        date=day,
        routes=routes,
        unassigned=unassigned,
        skipped=skipped,
        follow_ups=later,
        stats=_stats(plans, unassigned, skipped),
        streets=[
            _street(p, streets[p.street_id])
            for p in sorted(plans.values(), key=lambda p: streets[p.street_id].code)
        ],
    )


def _officers(session: Session, route_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PlanOfficer]]:
    """Each route's officers, members first, by user name."""
    departments = {d.id: d.code for d in session.exec(select(Department))}
    officers: dict[uuid.UUID, list[PlanOfficer]] = defaultdict(list)
    for link, user in session.exec(
        select(RouteOfficer, User)
        .join(User, col(User.id) == RouteOfficer.user_id)
        .where(_in(RouteOfficer.route_id, route_ids))
        .order_by(RouteOfficer.role, User.username)
    ):
        officers[link.route_id].append(
            PlanOfficer(
                id=user.id,
                username=user.username,
                name=user.name,
                cert_no=user.cert_no or "",
                department=departments.get(user.department_id, "") if user.department_id else "",
                role=link.role,
            )
        )
    return officers


def _item_codes(session: Session, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The check items' codes of each visit, sorted."""
    items: dict[uuid.UUID, list[str]] = defaultdict(list)
    for part in chunks(visit_ids):
        for visit_id, code in session.exec(
            select(VisitItem.joint_visit_id, CheckItem.code)
            .join(CheckItem, col(CheckItem.id) == VisitItem.check_item_id)
            .where(_in(VisitItem.joint_visit_id, part))
        ):
            items[visit_id].append(code)
    return {visit_id: sorted(codes) for visit_id, codes in items.items()}


def _visits(
    session: Session, street_of_plan: dict[uuid.UUID, Street]
) -> tuple[dict[uuid.UUID, list[PlanVisit]], list[PlanUnassigned]]:
    """The plans' visits: by route in their order, and those no route took."""
    rows = list(
        session.exec(
            select(JointVisit, Merchant)
            .join(Merchant, col(Merchant.id) == JointVisit.merchant_id)
            .where(_in(JointVisit.plan_id, list(street_of_plan)))
        )
    )
    items = _item_codes(session, [v.id for v, _ in rows])
    routed: dict[uuid.UUID, list[PlanVisit]] = defaultdict(list)
    unassigned = []
    for visit, merchant in rows:
        fields = _visit_fields(visit, merchant, items.get(visit.id, []))
        if visit.route_id is None:
            code, reason = visit.unassigned_code, visit.unassigned_reason or ""
            street = street_of_plan[visit.plan_id].code
            unassigned.append(PlanUnassigned(**fields, street=street, code=code, reason=reason))
        else:
            eta = hhmm(visit.eta_minute or 0)
            routed[visit.route_id].append(PlanVisit(**fields, order=visit.seq or 0, eta=eta))
    for visits in routed.values():
        visits.sort(key=lambda v: v.order)
    return routed, unassigned


def _visit_fields(visit: JointVisit, merchant: Merchant, items: list[str]) -> dict[str, Any]:
    """What a visit shows, routed or not."""
    return {
        "id": visit.key,
        "merchant_id": merchant.id,
        "uscc": merchant.uscc,
        "name": merchant.name,
        "address": merchant.address,
        "lat": merchant.lat,
        "lng": merchant.lng,
        "colour": merchant.colour,
        "departments": [c["department"] for c in visit.checks],
        "items": items,
        "reasons": list(visit.reasons),
        "service_minutes": visit.service_minutes,
    }


def _routes(
    session: Session,
    plans: dict[uuid.UUID, Plan],
    street_of_plan: dict[uuid.UUID, Street],
    visits: dict[uuid.UUID, list[PlanVisit]],
) -> list[PlanRoute]:
    """Every route of the plans, by street and team number, with its officers and visits."""
    rows = list(
        session.exec(
            select(Route).where(_in(Route.plan_id, list(street_of_plan))).order_by(Route.number)
        )
    )
    officers = _officers(session, [r.id for r in rows])
    plan_by_id = {p.id: p for p in plans.values()}
    out = []
    for route in sorted(rows, key=lambda r: (street_of_plan[r.plan_id].code, r.number)):
        street, plan = street_of_plan[route.plan_id], plan_by_id[route.plan_id]
        out.append(
            PlanRoute(
                id=route.id,
                team=route.name,
                number=route.number,
                street=street.code,
                street_name=street.name,
                version=plan.version,
                status=plan.status,
                locked=route.locked,
                start=hhmm(route.start_minute),
                end=hhmm(route.end_minute),
                travel_minutes=round(route.travel_seconds / 60),
                officers=officers.get(route.id, []),
                visits=visits.get(route.id, []),
            )
        )
    return out


def _held_back(
    plans: dict[uuid.UUID, Plan], streets: dict[uuid.UUID, Street]
) -> tuple[list[PlanUnassigned], list[PlanSkippedCheck]]:
    """What the build recorded as not made into visits: merchants with nothing to check, and
    department checks the frequency rules held back."""
    merchants, checks = [], []
    for plan in plans.values():
        for entry in plan.stats.get("skipped", []):
            merchant_id = uuid.UUID(entry["merchant_id"])
            if entry["code"] == "no_items":
                merchants.append(
                    PlanUnassigned(
                        merchant_id=merchant_id,
                        street=streets[plan.street_id].code,
                        code="no_items",
                        reason=t("plan.unassigned.no_items"),
                    )
                )
            else:
                checks.append(
                    PlanSkippedCheck(
                        merchant_id=merchant_id,
                        department=entry["department"],
                        code=entry["code"],
                        reason=t(f"plan.skipped.{entry['code']}"),
                    )
                )
    return merchants, checks


def _stats(
    plans: dict[uuid.UUID, Plan], unassigned: list[PlanUnassigned], skipped: list[PlanSkippedCheck]
) -> PlanStats:
    """The versions' figures summed, with what the document lists counted."""
    sums = {k: sum(int(p.stats.get(k, 0)) for p in plans.values()) for k in STAT_KEYS}
    sums |= {"unassigned": len(unassigned), "skipped_checks": len(skipped)}
    return PlanStats(**sums)


def _street(plan: Plan, street: Street) -> PlanStreet:
    return PlanStreet(
        street=street.code,
        name=street.name,
        version=plan.version,
        status=plan.status,
        published_at=plan.published_at,
    )


def tasks_for(session: Session, day: date, user_id: uuid.UUID) -> PlanTasks:
    """The signed-in inspector's route in the newest published version (nulls when none)."""
    plans = newest_plans(session, day, published=True)
    route = session.exec(
        select(Route)
        .join(RouteOfficer, col(RouteOfficer.route_id) == Route.id)
        .where(RouteOfficer.user_id == user_id)
        .where(_in(Route.plan_id, [p.id for p in plans.values()]))
    ).first()
    if route is None:
        return PlanTasks(date=day, version=None, route=None)
    plan = next(p for p in plans.values() if p.id == route.plan_id)
    document = plan_document(session, day, plans={plan.street_id: plan})
    mine = next(r for r in document.routes if r.id == route.id)
    return PlanTasks(date=day, version=plan.version, route=mine)


def map_data(document: PlanDocument, street: Street | None) -> dict[str, Any]:
    """What the map draws: the office, each route's stops in order, the unassigned."""
    return {
        "office": [street.office_lat, street.office_lng] if street else None,
        "routes": [
            {
                "number": r.number,
                "name": r.team,
                "stops": [[v.lat, v.lng, v.name, v.eta, v.order] for v in r.visits],
            }
            for r in document.routes
        ],
        "unassigned": [[u.lat, u.lng, u.name] for u in document.unassigned if u.lat is not UNSET],
    }
