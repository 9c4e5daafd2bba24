"""The day's due list: one small query per source of a department check.

Each source returns `DueCheck`s: a merchant, why it is due, and which department's check it is
(None: every department whose items apply to the merchant, as a full check).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem, Matter
from server.colour.models import ReratingRequest
from server.complaints.models import Complaint
from server.inspections.models import Finding
from server.merchants.models import Merchant
from server.policy.rules import Policy
from server.rectifications.models import RectificationOrder

__all__ = [
    "REASON_ORDER",
    "SOURCES",
    "DueCheck",
    "colour_due",
    "complaint_visits",
    "priority_of",
    "reinspections_owed",
    "rerating_requests",
]

# Most pressing first: the order reasons are listed in, and how the solver ranks visits it
# cannot all fit (VROOM priorities run 0–100, higher first).
REASON_ORDER = (
    "complaint",
    "reinspection",
    "rerating",
    "due:red",
    "random",
    "due:yellow",
    "due:green",
)
_PRIORITY = dict(zip(REASON_ORDER, (100, 90, 80, 70, 60, 50, 30), strict=True))
# Checks the frequency caps never hold back (docs/domain.md, "Rules the product enforces"):
# complaint, referral, re-inspection and merchant-requested re-rating checks.
DISTRICT_TZ = ZoneInfo("Asia/Shanghai")
EXEMPT_REASONS = frozenset({"complaint", "referral", "reinspection", "rerating"})


@dataclass(frozen=True)
class DueCheck:
    """One department's reason to visit a merchant on the day."""

    merchant_id: uuid.UUID
    reason: str
    department_id: uuid.UUID | None = None
    source_id: str | None = None

    @property
    def exempt(self) -> bool:
        return self.reason in EXEMPT_REASONS


def priority_of(reasons: Sequence[str]) -> int:
    return max((_PRIORITY.get(r, 0) for r in reasons), default=0)


Source = Callable[[Session, date, Sequence[uuid.UUID], Policy], list[DueCheck]]


def _in_streets(street_ids: Sequence[uuid.UUID]) -> Any:
    return col(Merchant.street_id).in_(list(street_ids))


def _end_of(day: date) -> datetime:
    """Midnight after `day` in the district, in UTC (how timestamps are stored)."""
    return datetime.combine(day + timedelta(days=1), time(), DISTRICT_TZ).astimezone(UTC)


def colour_due(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Merchants whose colour's interval has run out: a full check of every department."""
    rows = session.exec(
        select(Merchant.id, Merchant.colour)
        .where(col(Merchant.active).is_(True), _in_streets(street_ids))
        .where(col(Merchant.next_due).is_not(None), col(Merchant.next_due) <= day)
    )
    return [DueCheck(merchant_id, f"due:{colour}") for merchant_id, colour in rows]


def complaint_visits(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Complaints received by the day and not yet settled: a full check, exempt from caps."""
    rows = session.exec(
        select(Complaint.id, Complaint.merchant_id)
        .join(Merchant, col(Merchant.id) == Complaint.merchant_id)
        .where(col(Complaint.status).in_(("received", "planned")), _in_streets(street_ids))
        .where(col(Complaint.created_at) < _end_of(day))
    )
    return [DueCheck(merchant_id, "complaint", None, str(cid)) for cid, merchant_id in rows]


def reinspections_owed(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Re-checks (复查) of open orders from `recheck_min_days` after the deadline, for the
    departments whose items failed (every department when the order names no inspection)."""
    orders = session.exec(
        select(
            RectificationOrder.id, RectificationOrder.merchant_id, RectificationOrder.inspection_id
        )
        .join(Merchant, col(Merchant.id) == RectificationOrder.merchant_id)
        .where(col(RectificationOrder.status).in_(("open", "overdue")), _in_streets(street_ids))
        .where(RectificationOrder.deadline <= day - timedelta(days=policy.recheck_min_days))
    ).all()
    failed: dict[uuid.UUID, set[uuid.UUID]] = {}
    inspections = [i for _, _, i in orders if i is not None]
    for inspection_id, department_id in session.exec(
        select(Finding.inspection_id, Matter.department_id)
        .join(CheckItem, col(CheckItem.id) == Finding.check_item_id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
        .where(col(Finding.inspection_id).in_(inspections or [uuid.uuid4()]))
        .where(Finding.outcome == "fail")
    ):
        failed.setdefault(inspection_id, set()).add(department_id)
    checks = []
    for order_id, merchant_id, inspection_id in orders:
        departments = sorted(failed.get(inspection_id, set())) if inspection_id else []
        for department_id in departments or [None]:
            checks.append(DueCheck(merchant_id, "reinspection", department_id, str(order_id)))
    return checks


def rerating_requests(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """Merchant-requested re-rating visits still pending: a full check, exempt from caps."""
    rows = session.exec(
        select(ReratingRequest.id, ReratingRequest.merchant_id)
        .join(Merchant, col(Merchant.id) == ReratingRequest.merchant_id)
        .where(ReratingRequest.status == "pending", _in_streets(street_ids))
        .where(ReratingRequest.requested_on <= day)
    )
    return [DueCheck(merchant_id, "rerating", None, str(rid)) for rid, merchant_id in rows]


# The 双随机 draw is the fifth source; it lives in planning.draws because it records itself.
SOURCES: tuple[Source, ...] = (
    colour_due,
    complaint_visits,
    reinspections_owed,
    rerating_requests,
)
