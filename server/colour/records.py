"""Read one merchant's records from the database into the engine's input."""

import uuid
from datetime import date

from sqlalchemy import Connection, and_, case, func, select

from server.cases.models import EnforcementCase
from server.catalog.models import CheckItem
from server.colour.models import ColourOverride, ReratingRequest
from server.colour.values import Case, Complaint, Order, Override, Records, Rerating, Visit
from server.complaints.models import Complaint as ComplaintRow
from server.inspections.models import Finding, Inspection
from server.merchants.models import Merchant
from server.rectifications.models import RectificationOrder

__all__ = ["finding_tally", "load_records"]


def _count(condition) -> object:  # type: ignore[no-untyped-def]
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def finding_tally():  # type: ignore[no-untyped-def]
    """Per inspection: failed items, failed key items not put right, lenient failed items."""
    failed = Finding.outcome == "fail"
    return (
        select(
            Finding.inspection_id.label("inspection_id"),
            _count(and_(CheckItem.is_key, ~Finding.corrected_on_site)).label("key_open"),
            func.count().label("failed"),
            _count(and_(CheckItem.no_penalty_eligible, Finding.corrected_on_site)).label("lenient"),
        )
        .join(CheckItem, CheckItem.id == Finding.check_item_id)
        .where(failed)
        .group_by(Finding.inspection_id)
    )


def _visits(conn: Connection, merchant_id: uuid.UUID, today: date) -> list[Visit]:
    own = select(Inspection.id).where(Inspection.merchant_id == merchant_id)
    tally = finding_tally().where(Finding.inspection_id.in_(own)).subquery()
    stmt = (
        select(
            Inspection.id,
            Inspection.visit_date,
            Inspection.result,
            Inspection.score,
            Inspection.key_failed,
            func.coalesce(tally.c.key_open, 0),
            func.coalesce(tally.c.failed, 0),
            func.coalesce(tally.c.lenient, 0),
        )
        .outerjoin(tally, tally.c.inspection_id == Inspection.id)
        .where(
            Inspection.merchant_id == merchant_id,
            Inspection.result != "absent",
            Inspection.visit_date <= today,
        )
    )
    return [
        Visit(i, day, result, score, bool(key), int(k_open), int(failed), int(lenient))
        for i, day, result, score, key, k_open, failed, lenient in conn.execute(stmt)
    ]


def load_records(conn: Connection, merchant_id: uuid.UUID, today: date) -> Records:
    """Everything about `merchant_id` that bears on its colour on `today`."""
    orders = conn.execute(
        select(
            RectificationOrder.id,
            RectificationOrder.issued_on,
            RectificationOrder.deadline,
            RectificationOrder.verified_on,
        ).where(RectificationOrder.merchant_id == merchant_id)
    )
    cases = conn.execute(
        select(EnforcementCase.id, EnforcementCase.opened_on).where(
            EnforcementCase.merchant_id == merchant_id, EnforcementCase.status != "withdrawn"
        )
    )
    complaints = conn.execute(
        select(ComplaintRow.id, ComplaintRow.verified_on).where(
            ComplaintRow.merchant_id == merchant_id,
            ComplaintRow.status == "verified",
            ComplaintRow.verified_on.is_not(None),
        )
    )
    reratings = conn.execute(
        select(ReratingRequest.id, ReratingRequest.requested_on).where(
            ReratingRequest.merchant_id == merchant_id, ReratingRequest.status != "cancelled"
        )
    )
    overrides = conn.execute(
        select(
            ColourOverride.id,
            ColourOverride.colour,
            ColourOverride.reason,
            ColourOverride.starts_on,
            ColourOverride.ends_on,
        ).where(
            ColourOverride.merchant_id == merchant_id,
            ColourOverride.revoked_at.is_(None),
            ColourOverride.ends_on >= today,
        )
    )
    current_due = conn.execute(
        select(Merchant.next_due).where(Merchant.id == merchant_id)
    ).scalar_one_or_none()
    return Records(
        visits=_visits(conn, merchant_id, today),
        orders=[Order(*row) for row in orders],
        cases=[Case(*row) for row in cases],
        complaints=[Complaint(*row) for row in complaints],
        reratings=[Rerating(*row) for row in reratings],
        overrides=[Override(*row) for row in overrides],
        current_due=current_due,
    )
