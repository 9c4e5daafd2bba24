"""What the supervisor console shows beyond the plan: merchants, their history, complaints."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, inspect
from sqlmodel import Session, col, select

from server.complaints.service import awaiting_visit
from server.core.clock import local_today
from server.core.db import AsyncSession
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.merchants.service import merchant_query
from server.org.models import Street, User
from server.packets.newest import is_newest, newest_versions
from server.planning.models import JointVisit, Plan, Route
from server.policy.rules import COLOURS, Policy

__all__ = [
    "complaint_inbox",
    "merchant_detail",
    "merchant_page",
    "planned_visits",
]

PAGE = 50


def _has(session: Session, table: str) -> bool:
    """Whether a table another domain owns has landed in this database yet."""
    return inspect(session.connection()).has_table(table)


def merchant_page(
    session: Session, *, q: str, street: str, colour: str, business_type: str, page: int
) -> dict[str, Any]:
    """A filtered page of merchants and the filter choices."""
    stmt = merchant_query(
        q=q, colour=colour if colour in COLOURS else None, business_type=business_type or None
    )
    if street:
        stmt = stmt.where(Street.code == street)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Merchant.name), col(Merchant.id)).offset((page - 1) * PAGE).limit(PAGE)
    ).all()
    types = session.exec(
        select(Merchant.business_type).distinct().order_by(Merchant.business_type)
    ).all()
    return {
        "rows": [{"merchant": m, "street": s} for m, s in rows],
        "total": total,
        "pages": max(1, -(-total // PAGE)),
        "business_types": [b for b in types if b],
        "streets": session.exec(select(Street).order_by(Street.code)).all(),
    }


def merchant_detail(session: Session, merchant_id: uuid.UUID) -> dict[str, Any] | None:
    """A merchant with its inspections (newest first), colour events and planned visits."""
    found = session.exec(
        select(Merchant, Street)
        .join(Street, col(Street.id) == Merchant.street_id)
        .where(Merchant.id == merchant_id)
    ).first()
    if found is None:
        return None
    merchant, street = found
    inspections = session.exec(
        select(Inspection)
        .where(Inspection.merchant_id == merchant_id)
        .order_by(col(Inspection.visit_date).desc())
    ).all()
    names: dict[uuid.UUID, list[str]] = {}
    for inspection_id, name in session.exec(
        select(InspectionOfficer.inspection_id, User.name)
        .join(User, col(User.id) == InspectionOfficer.user_id)
        .where(
            col(InspectionOfficer.inspection_id).in_([i.id for i in inspections] or [uuid.uuid4()])
        )
    ):
        names.setdefault(inspection_id, []).append(name)
    events = None
    if _has(session, "colour_event"):
        from server.colour.models import ColourEvent

        events = session.exec(
            select(ColourEvent)
            .where(ColourEvent.merchant_id == merchant_id)
            .order_by(col(ColourEvent.at).desc())
        ).all()
    return {
        "merchant": merchant,
        "street": street,
        "inspections": [{"row": i, "officers": names.get(i.id, [])} for i in inspections],
        "events": events,
        "planned": planned_visits(session, [merchant_id], local_today()).get(merchant_id, []),
    }


def planned_visits(
    session: Session, merchant_ids: list[uuid.UUID], since: date
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Visits in the newest plan version of each street-day from `since` on."""
    newest = newest_versions(published=False, since=since)
    rows = session.exec(
        select(JointVisit, Plan, Route)
        .join(Plan, col(Plan.id) == JointVisit.plan_id)
        .join(newest, is_newest(newest))
        .join(Route, col(Route.id) == JointVisit.route_id, isouter=True)
        .where(col(JointVisit.merchant_id).in_(merchant_ids or [uuid.uuid4()]))
        .order_by(Plan.day)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for visit, plan, route in rows:
        found.setdefault(visit.merchant_id, []).append(
            {
                "day": plan.day,
                "team": route.name if route else None,
                "eta": visit.eta_minute,
                "status": plan.status,
                "reason": visit.unassigned_reason,
            }
        )
    return found


async def complaint_inbox(
    db: AsyncSession, policy: Policy, today: date, *, street_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """New complaints (about the one street's merchants, when given), each with its visit
    deadline and where it stands in the plans."""
    if not await db.run_sync(lambda s: _has(s, "complaint")):
        return {"ready": False, "rows": []}
    awaiting = await awaiting_visit(db, policy, street_id=street_id)
    merchants = [a.merchant.id for a in awaiting]
    planned = await db.run_sync(lambda s: planned_visits(s, merchants, today))
    return {
        "ready": True,
        "rows": [
            {
                "complaint": a.complaint,
                "merchant": a.merchant,
                "street": a.street,
                "deadline": a.deadline,
                "visits": planned.get(a.merchant.id, []),
            }
            for a in awaiting
        ],
    }
