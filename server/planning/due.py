"""The day's due list: one small query per source of a department check.

Each source returns `DueCheck`s: a merchant, why it is due, and which department's check it is
(None: every department whose items apply to the merchant, as a full check).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.cases.lead_models import Lead
from server.cases.leads import outstanding
from server.catalog.models import CheckItem, Matter
from server.colour.models import ReratingRequest
from server.complaints.models import Complaint
from server.complaints.service import AWAITING_VISIT, visit_deadline
from server.core.clock import start_of_day
from server.core.workdays import CALENDAR
from server.merchants.models import Merchant
from server.policy.rules import Policy, add_months, recheck_window
from server.rectifications.models import RectificationOrder
from server.rectifications.service import items_owed

__all__ = [
    "REASON_ORDER",
    "SOURCES",
    "DueCheck",
    "colour_due",
    "complaint_visits",
    "referral_visits",
    "reinspections_owed",
    "rerating_requests",
]

# The order a visit's reasons are listed in (how visits are ranked is server.planning.priority).
REASON_ORDER = (
    "complaint",
    "referral",
    "reinspection",
    "rerating",
    "due:red",
    "random",
    "due:yellow",
    "due:green",
)


@dataclass(frozen=True)
class DueCheck:
    """One department's reason to visit a merchant on the day."""

    merchant_id: uuid.UUID
    reason: str
    department_id: uuid.UUID | None = None
    source_id: str | None = None
    overdue_days: int = 0  # days past the check's own deadline on the planned day
    items: tuple[uuid.UUID, ...] = ()  # only these of the department's items (a follow-up's)


Source = Callable[[Session, date, Sequence[uuid.UUID], Policy], list[DueCheck]]


def _in_streets(street_ids: Sequence[uuid.UUID]) -> Any:
    return col(Merchant.street_id).in_(list(street_ids))


def _end_of(day: date) -> datetime:
    """Midnight after `day` in the district, in UTC (how timestamps are stored)."""
    return start_of_day(day + timedelta(days=1))


def _departments_of(session: Session, items: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Check item → the department whose matter it belongs to, for the items named."""
    if not items:
        return {}
    return dict(
        session.exec(
            select(CheckItem.id, Matter.department_id)
            .join(Matter, col(Matter.id) == CheckItem.matter_id)
            .where(col(CheckItem.id).in_(items))
        ).all()
    )


def _late(day: date, deadline: date) -> int:
    """Days `day` is past `deadline` (0 on or before it)."""
    return max(0, (day - deadline).days)


def colour_due(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Merchants whose colour's interval has run out: a full check of every department. A due
    date on the days off that follow `day` (a weekend, a holiday) is met on `day`, the last
    working day before it, not late on the first one after."""
    rows = session.exec(
        select(Merchant.id, Merchant.colour, Merchant.next_due)
        .where(col(Merchant.active).is_(True), _in_streets(street_ids))
        .where(col(Merchant.next_due).is_not(None))
        .where(col(Merchant.next_due) <= CALENDAR.days_off_after(day))
    )
    return [
        DueCheck(merchant_id, f"due:{colour}", overdue_days=_late(day, due))
        for merchant_id, colour, due in rows
    ]


def complaint_visits(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Complaints received by the day and not yet settled: a full check, exempt from caps."""
    rows = session.exec(
        select(Complaint.id, Complaint.merchant_id, Complaint.created_at)
        .join(Merchant, col(Merchant.id) == Complaint.merchant_id)
        .where(col(Complaint.status).in_(AWAITING_VISIT), _in_streets(street_ids))
        .where(col(Complaint.created_at) < _end_of(day))
    )
    return [
        DueCheck(merchant_id, "complaint", None, str(cid), _late(day, visit_deadline(at, policy)))
        for cid, merchant_id, at in rows
    ]


def reinspections_owed(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Re-checks (复查) of open orders once their window has opened (server.policy.rules
    `recheck_window`), for the departments of the items each order still waits to see put
    right (`items_owed`: every department when the order names neither item nor visit); late
    once the window has closed. An item seen fine since is not brought back, so a re-check that
    one department cannot make does not send the others back every day."""
    orders = session.exec(
        select(RectificationOrder)
        .join(Merchant, col(Merchant.id) == RectificationOrder.merchant_id)
        .where(col(RectificationOrder.status).in_(("open", "overdue")), _in_streets(street_ids))
        .where(RectificationOrder.deadline <= day)  # a window opens on the deadline at the soonest
    ).all()
    owed = items_owed(session, [o for o in orders if recheck_window(o.deadline, policy)[0] <= day])
    items = {i for v in owed.values() if v for i in v}
    department_of = _departments_of(session, items)
    checks = []
    for order in orders:
        if order.id not in owed or owed[order.id] == set():
            continue
        late = _late(day, recheck_window(order.deadline, policy)[1])  # past the window
        its = owed[order.id]
        departments = sorted({department_of[i] for i in its}) if its is not None else [None]
        for department_id in departments:
            checks.append(
                DueCheck(order.merchant_id, "reinspection", department_id, str(order.id), late)
            )
    return checks


def rerating_requests(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Merchant-requested re-rating visits still pending: a full check, exempt from caps."""
    rows = session.exec(
        select(ReratingRequest.id, ReratingRequest.merchant_id, ReratingRequest.requested_on)
        .join(Merchant, col(Merchant.id) == ReratingRequest.merchant_id)
        .where(ReratingRequest.status == "pending", _in_streets(street_ids))
        .where(ReratingRequest.requested_on <= day)
    )
    months = policy.rerating_within_months
    return [
        DueCheck(merchant_id, "rerating", None, str(rid), _late(day, add_months(on, months)))
        for rid, merchant_id, on in rows
    ]


def referral_visits(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Leads (线索) accepted by the day: a check of only their items no inspection has checked
    since, per department of those items, exempt from caps; late after the lead's visit
    deadline."""
    leads = list(
        session.exec(
            select(Lead)
            .join(Merchant, col(Merchant.id) == Lead.merchant_id)
            .where(Lead.status == "accepted", col(Lead.answered_on) <= day)
            .where(col(Merchant.active).is_(True), _in_streets(street_ids))
        )
    )
    left = outstanding(session, leads, until=day - timedelta(days=1))
    wanted = {i for items, _ in left.values() for i in items}
    department = _departments_of(session, wanted)
    checks = []
    for lead in leads:
        by_department: dict[uuid.UUID, list[uuid.UUID]] = {}
        for item in left.get(lead.id, ([], []))[0]:
            by_department.setdefault(department[item], []).append(item)
        late = _late(day, lead.visit_by) if lead.visit_by else 0
        for department_id, items in sorted(by_department.items()):
            checks.append(
                DueCheck(
                    lead.merchant_id, "referral", department_id, str(lead.id), late, tuple(items)
                )
            )
    return checks


# The 双随机 draw is the fifth source; it lives in planning.draws because it records itself.
SOURCES: tuple[Source, ...] = (
    colour_due,
    complaint_visits,
    reinspections_owed,
    rerating_requests,
    referral_visits,
)
