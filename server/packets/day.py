"""The day packet (`GET /api/v1/me/day`): the inspector's route with all a phone needs offline."""

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.catalog.models import CheckItem, Matter
from server.inspections.models import Finding, Inspection
from server.inspections.record_models import InspectionRecord
from server.leniency.eligibility import assess
from server.leniency.views import standing_view
from server.org.models import Department
from server.packets.newest import officer_route_in
from server.packets.route_read import route_document
from server.planning.models import JointVisit, VisitItem
from server.policy.rules import DEFAULT_POLICY, Policy
from server.rectifications.models import OPEN_STATUSES, RectificationOrder

__all__ = ["HISTORY", "day_packet", "empty_packet", "route_packet"]

HISTORY = 3  # earlier inspections shown per merchant


def _in(column: Any, ids: list[uuid.UUID]) -> Any:
    return col(column).in_(ids or [uuid.uuid4()])


def _checklists(session: Session, route_id: uuid.UUID) -> tuple[dict, dict]:
    """Per visit key: [{department, name, items}]; and every item once, with its legal basis."""
    rows = session.exec(
        select(JointVisit.key, Department.code, Department.name, CheckItem, Matter.legal_basis)
        .join(VisitItem, col(VisitItem.joint_visit_id) == JointVisit.id)
        .join(CheckItem, col(CheckItem.id) == VisitItem.check_item_id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
        .join(Department, col(Department.id) == VisitItem.department_id)
        .where(JointVisit.route_id == route_id)
        .order_by(Department.code, CheckItem.code)
    )
    groups: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    items: dict[str, dict[str, Any]] = {}
    for key, dept_code, dept_name, item, basis in rows:
        group = groups[str(key)].setdefault(
            dept_code, {"department": dept_code, "name": dept_name, "items": []}
        )
        group["items"].append(item.code)
        items[item.code] = {
            "title": item.title,
            "guidance": item.guidance,
            "key": item.is_key,
            "no_penalty": item.no_penalty_eligible,
            "basis": basis,
        }
    return {k: list(v.values()) for k, v in groups.items()}, items


def _history(session: Session, merchant_ids: list[uuid.UUID], day: date) -> dict:
    """Each merchant's last HISTORY inspections, cut in the database rather than in Python."""
    rank = (
        func.row_number()
        .over(
            partition_by=Inspection.merchant_id,
            order_by=(col(Inspection.visit_date).desc(), col(Inspection.id)),
        )
        .label("rank")
    )
    recent = (
        select(col(Inspection.id), rank)
        .where(_in(Inspection.merchant_id, merchant_ids), Inspection.visit_date < day)
        .subquery()
    )
    rows = session.exec(
        select(Inspection)
        .join(recent, recent.c.id == Inspection.id)
        .where(recent.c.rank <= HISTORY)
        .order_by(col(Inspection.visit_date).desc(), col(Inspection.id))
    )
    history: dict[uuid.UUID, list[Inspection]] = defaultdict(list)
    for row in rows:
        history[row.merchant_id].append(row)
    return history


def _failed(session: Session, inspection_ids: list[uuid.UUID]) -> dict:
    rows = session.exec(
        select(Finding.inspection_id, CheckItem.code, CheckItem.title, Finding)
        .join(CheckItem, col(CheckItem.id) == Finding.check_item_id)
        .where(_in(Finding.inspection_id, inspection_ids), Finding.outcome == "fail")
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for inspection_id, code, title, finding in rows:
        found[inspection_id].append(
            {
                "item": code,
                "title": title,
                "note": finding.note,
                "corrected_on_site": finding.corrected_on_site,
            }
        )
    return found


def _orders(session: Session, merchant_ids: list[uuid.UUID]) -> dict:
    rows = session.exec(
        select(RectificationOrder)
        .where(_in(RectificationOrder.merchant_id, merchant_ids))
        .where(col(RectificationOrder.status).in_(OPEN_STATUSES))
        .order_by(RectificationOrder.deadline)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for o in rows:
        found[o.merchant_id].append(
            {
                "requirement": o.requirement,
                "deadline": o.deadline.isoformat(),
                "status": o.status,
                "key": o.key_item,
                "action_code": o.action_code,
            }
        )
    return found


def empty_packet(day: date) -> dict[str, Any]:
    """The packet of a day without a published route for the user."""
    return {"date": day.isoformat(), "version": None, "route": None, "items": {}}


def day_packet(
    session: Session, day: date, user_id: uuid.UUID, policy: Policy = DEFAULT_POLICY
) -> dict[str, Any]:
    """The signed-in inspector's day: route, merchants, checklists, history and what is open."""
    route_id = officer_route_in(session, day, user_id)
    return empty_packet(day) if route_id is None else route_packet(session, route_id, policy)


def _leniency(
    session: Session, merchant_ids: list[uuid.UUID], codes: list[str], day: date, policy: Policy
) -> dict[uuid.UUID, dict[str, Any]]:
    """Per merchant, each item of the route some flexible-enforcement entry covers that day:
    whether the merchant may be let off it, for the phone to show before the officer decides."""
    if not codes or not merchant_ids:
        return {}
    ids = dict(
        session.exec(select(CheckItem.id, CheckItem.code).where(_in(CheckItem.code, codes))).all()
    )
    found: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    for (merchant_id, item_id), standing in assess(session, merchant_ids, ids, day, policy).items():
        found[merchant_id][ids[item_id]] = standing_view(standing, policy)
    return found


def route_packet(
    session: Session, route_id: uuid.UUID, policy: Policy = DEFAULT_POLICY
) -> dict[str, Any]:
    """A published route's packet, the same for each of its officers."""
    found = route_document(session, route_id)
    day = date.fromisoformat(found["date"])
    route = found["route"]
    visits = route["visits"]
    merchant_ids = [uuid.UUID(v["merchant"]["id"]) for v in visits]
    checklists, items = _checklists(session, uuid.UUID(route["id"]))
    history = _history(session, merchant_ids, day)
    last_ids = [rows[0].id for rows in history.values() if rows]
    failed = _failed(session, last_ids)
    orders = _orders(session, merchant_ids)
    leniency = _leniency(session, merchant_ids, list(items), day, policy)
    done = set(
        session.exec(
            select(InspectionRecord.visit_key).where(
                _in(InspectionRecord.visit_key, [uuid.UUID(v["id"]) for v in visits])
            )
        )
    )
    for visit in visits:
        mid = uuid.UUID(visit["merchant"]["id"])
        past = history.get(mid, [])
        visit["history"] = [
            {
                "date": i.visit_date.isoformat(),
                "result": i.result,
                "score": i.score,
                "action_code": i.action_code,
            }
            for i in past
        ]
        visit["previous_findings"] = failed.get(past[0].id, []) if past else []
        visit["open_orders"] = orders.get(mid, [])
        visit["checklist"] = checklists.get(visit["id"], [])
        codes = {code for group in visit["checklist"] for code in group["items"]}
        visit["leniency"] = {
            code: view for code, view in leniency.get(mid, {}).items() if code in codes
        }
        visit["submitted"] = uuid.UUID(visit["id"]) in done
    return {**found, "items": items}
