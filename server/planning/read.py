"""The plan as others read it (docs/http.md, "The plan"), and an inspector's tasks for the day."""

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem
from server.core.i18n import t
from server.core.plan_settings import hhmm
from server.merchants.models import Merchant
from server.org.models import Department, Street, User
from server.planning.models import JointVisit, Plan, Route, RouteOfficer, VisitItem

__all__ = ["STAT_KEYS", "map_data", "plan_document", "published_plans", "tasks_for"]

STAT_KEYS = (
    "department_checks",
    "joint_visits",
    "door_entries_saved",
    "unassigned",
    "travel_minutes",
    "service_minutes",
)


def published_plans(
    session: Session, day: date, street_ids: list[uuid.UUID] | None = None, *, published: bool
) -> dict[uuid.UUID, Plan]:
    """Each street's newest version of the day (only published ones when `published`)."""
    stmt = select(Plan).where(Plan.day == day).order_by(col(Plan.version).desc())
    if published:
        stmt = stmt.where(Plan.status == "published")
    if street_ids is not None:
        stmt = stmt.where(col(Plan.street_id).in_(street_ids))
    found: dict[uuid.UUID, Plan] = {}
    for plan in session.exec(stmt):
        found.setdefault(plan.street_id, plan)
    return found


def _in(column: Any, ids: list[uuid.UUID]) -> Any:
    return col(column).in_(ids or [uuid.uuid4()])


def plan_document(
    session: Session,
    day: date,
    *,
    street_ids: list[uuid.UUID] | None = None,
    published: bool = False,
    plans: dict[uuid.UUID, Plan] | None = None,
) -> dict[str, Any]:
    """The day's plan across streets: routes with officers and ordered visits, unassigned
    visits with their reasons, and the figures."""
    plans = (
        plans
        if plans is not None
        else published_plans(session, day, street_ids, published=published)
    )
    streets = {s.id: s for s in session.exec(select(Street))}
    plan_ids = [p.id for p in plans.values()]
    street_of_plan = {p.id: streets[p.street_id] for p in plans.values()}
    departments = {d.id: d for d in session.exec(select(Department))}
    routes = list(
        session.exec(select(Route).where(_in(Route.plan_id, plan_ids)).order_by(Route.number))
    )
    officers: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for link, user in session.exec(
        select(RouteOfficer, User)
        .join(User, col(User.id) == RouteOfficer.user_id)
        .where(_in(RouteOfficer.route_id, [r.id for r in routes]))
        .order_by(RouteOfficer.role, User.username)
    ):
        dept = departments.get(user.department_id) if user.department_id else None
        officers[link.route_id].append(
            {
                "id": str(user.id),
                "username": user.username,
                "name": user.name,
                "cert_no": user.cert_no or "",
                "department": dept.code if dept else "",
                "role": link.role,
            }
        )
    visits = list(
        session.exec(
            select(JointVisit, Merchant)
            .join(Merchant, col(Merchant.id) == JointVisit.merchant_id)
            .where(_in(JointVisit.plan_id, plan_ids))
        )
    )
    items: dict[uuid.UUID, list[str]] = defaultdict(list)
    visit_ids = [v.id for v, _ in visits]
    for start in range(0, len(visit_ids), 2000):
        for visit_id, code in session.exec(
            select(VisitItem.joint_visit_id, CheckItem.code)
            .join(CheckItem, col(CheckItem.id) == VisitItem.check_item_id)
            .where(_in(VisitItem.joint_visit_id, visit_ids[start : start + 2000]))
        ):
            items[visit_id].append(code)
    by_route: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    unassigned = []
    for visit, merchant in visits:
        entry = {
            "id": str(visit.key),
            "merchant_id": str(merchant.id),
            "uscc": merchant.uscc,
            "name": merchant.name,
            "address": merchant.address,
            "lat": merchant.lat,
            "lng": merchant.lng,
            "colour": merchant.colour,
            "departments": [c["department"] for c in visit.checks],
            "items": sorted(items.get(visit.id, [])),
            "reasons": list(visit.reasons),
            "service_minutes": visit.service_minutes,
        }
        if visit.route_id is None:
            street = street_of_plan[visit.plan_id]
            unassigned.append(
                {
                    **entry,
                    "street": street.code,
                    "code": visit.unassigned_code,
                    "reason": visit.unassigned_reason or "",
                }
            )
        else:
            entry |= {"order": visit.seq, "eta": hhmm(visit.eta_minute or 0)}
            by_route[visit.route_id].append(entry)
    out_routes = []
    plan_by_id = {p.id: p for p in plans.values()}
    for route in sorted(routes, key=lambda r: (street_of_plan[r.plan_id].code, r.number)):
        street = street_of_plan[route.plan_id]
        plan = plan_by_id[route.plan_id]
        out_routes.append(
            {
                "id": str(route.id),
                "team": route.name,
                "number": route.number,
                "street": street.code,
                "street_name": street.name,
                "version": plan.version,
                "status": plan.status,
                "locked": route.locked,
                "start": hhmm(route.start_minute),
                "end": hhmm(route.end_minute),
                "travel_minutes": round(route.travel_seconds / 60),
                "officers": officers.get(route.id, []),
                "visits": sorted(by_route.get(route.id, []), key=lambda v: v["order"]),
            }
        )
    skipped = []
    for plan in plans.values():
        for entry in plan.stats.get("skipped", []):
            if entry["code"] == "no_items":
                unassigned.append(
                    {
                        "merchant_id": entry["merchant_id"],
                        "street": streets[plan.street_id].code,
                        "code": "no_items",
                        "reason": t("plan.unassigned.no_items"),
                    }
                )
            else:
                skipped.append({**entry, "reason": t(f"plan.skipped.{entry['code']}")})
    unassigned.sort(key=lambda u: (u["street"], u["merchant_id"]))
    stats = {k: sum(int(p.stats.get(k, 0)) for p in plans.values()) for k in STAT_KEYS}
    stats["unassigned"] = len(unassigned)
    stats["skipped_checks"] = len(skipped)
    return {
        "date": day.isoformat(),
        "routes": out_routes,
        "unassigned": unassigned,
        "skipped": skipped,
        "stats": stats,
        "streets": [
            {
                "street": streets[p.street_id].code,
                "name": streets[p.street_id].name,
                "version": p.version,
                "status": p.status,
                "published_at": p.published_at.isoformat() if p.published_at else None,
            }
            for p in sorted(plans.values(), key=lambda p: streets[p.street_id].code)
        ],
    }


def tasks_for(session: Session, day: date, user_id: uuid.UUID) -> dict[str, Any] | None:
    """The signed-in inspector's route in the newest published version, or None."""
    plans = published_plans(session, day, published=True)
    route = session.exec(
        select(Route)
        .join(RouteOfficer, col(RouteOfficer.route_id) == Route.id)
        .where(RouteOfficer.user_id == user_id)
        .where(_in(Route.plan_id, [p.id for p in plans.values()]))
    ).first()
    if route is None:
        return None
    plan = next(p for p in plans.values() if p.id == route.plan_id)
    document = plan_document(session, day, plans={plan.street_id: plan})
    mine = next(r for r in document["routes"] if r["id"] == str(route.id))
    return {"date": day.isoformat(), "version": plan.version, "route": mine}


def map_data(document: dict[str, Any], street: Any) -> dict[str, Any]:
    """What the map draws: the office, each route's stops in order, the unassigned."""
    return {
        "office": [street.office_lat, street.office_lng] if street else None,
        "routes": [
            {
                "number": r["number"],
                "name": r["team"],
                "stops": [
                    [v["lat"], v["lng"], v["name"], v["eta"], v["order"]] for v in r["visits"]
                ],
            }
            for r in document["routes"]
        ],
        "unassigned": [
            [u["lat"], u["lng"], u["name"]] for u in document["unassigned"] if "lat" in u
        ],
    }
