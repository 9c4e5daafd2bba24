"""Department checks a plan leaves for a later day, and when they are owed again.

A published version's follow-ups (server.planning.models.FollowUp) are due from the next day
on, with their original reasons and their age, until an inspection of the merchant checks one
of their items. Each day's newest published version counts: a draft promises nothing, neither
one the supervisor threw away nor one made after the day was published (until it is published
in turn).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.core.clock import local_today, start_of_day
from server.core.i18n import t
from server.inspections.models import Finding, Inspection
from server.org.models import Department, Street
from server.packets.newest import is_newest, newest_versions
from server.planning.due import DueCheck
from server.planning.gather import chunks
from server.planning.models import FollowUp, Plan
from server.planning.schemas import PlanFollowUp
from server.policy.rules import Policy

__all__ = [
    "LOOKBACK_DAYS",
    "FollowUpData",
    "follow_up_rows",
    "follow_ups_owed",
    "load_follow_ups",
    "plan_follow_ups",
]

LOOKBACK_DAYS = 366  # a follow-up older than a year is the colour's business again, not the plan's


@dataclass
class FollowUpData:
    merchant_id: uuid.UUID
    department_id: uuid.UUID
    code: str  # no_specialist: the team could not check them; carried: not fitted in
    reasons: list[str]
    items: list[uuid.UUID] = field(default_factory=list)


def follow_up_rows(plan_id: uuid.UUID, follow_ups: list[FollowUpData]) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid4(),
            "plan_id": plan_id,
            "merchant_id": f.merchant_id,
            "department_id": f.department_id,
            "code": f.code,
            "reasons": list(f.reasons),
            "items": [str(i) for i in f.items],
        }
        for f in follow_ups
    ]


def load_follow_ups(session: Session, plan_id: uuid.UUID) -> list[FollowUpData]:
    rows = session.exec(select(FollowUp).where(FollowUp.plan_id == plan_id))
    return [
        FollowUpData(
            r.merchant_id, r.department_id, r.code, list(r.reasons), [uuid.UUID(i) for i in r.items]
        )
        for r in sorted(rows, key=lambda r: (str(r.merchant_id), str(r.department_id)))
    ]


def follow_ups_owed(
    session: Session, day: date, street_ids: Sequence[uuid.UUID], policy: Policy
) -> list[DueCheck]:
    """The follow-ups of earlier days' published plans that no inspection has done yet: each a
    department check with its most pressing original reason, overdue since the plan's day."""
    newest = newest_versions(
        published=True,
        since=day - timedelta(days=LOOKBACK_DAYS),
        until=day - timedelta(days=1),
        street_ids=list(street_ids),
    )
    rows = session.exec(
        select(FollowUp, Plan.day)
        .join(Plan, col(Plan.id) == FollowUp.plan_id)
        .join(newest, is_newest(newest))
    ).all()
    done = _checked_since(session, [(f.merchant_id, since) for f, since in rows])
    owed = []
    for follow_up, since in rows:
        checked = done.get(follow_up.merchant_id, {})
        if any(checked.get(i, date.min) >= since for i in follow_up.items):
            continue
        reason = follow_up.reasons[0] if follow_up.reasons else "random"
        late = (day - since).days
        owed.append(
            DueCheck(
                follow_up.merchant_id,
                reason,
                follow_up.department_id,
                str(follow_up.id),
                late,
                tuple(uuid.UUID(i) for i in follow_up.items),
            )
        )
    return owed


def _checked_since(
    session: Session, wanted: list[tuple[uuid.UUID, date]]
) -> dict[uuid.UUID, dict[str, date]]:
    """Per merchant, the last day (district time) each item was checked, from the earliest day
    asked about on."""
    if not wanted:
        return {}
    since = start_of_day(min(d for _, d in wanted))
    found: dict[uuid.UUID, dict[str, date]] = {}
    for part in chunks(sorted({m for m, _ in wanted})):
        for merchant_id, item_id, finished in session.exec(
            select(Inspection.merchant_id, Finding.check_item_id, Inspection.finished_at)
            .join(Finding, col(Finding.inspection_id) == Inspection.id)
            .where(col(Inspection.merchant_id).in_(part))
            .where(col(Inspection.finished_at) >= since)
        ):
            local = local_today(finished)
            items = found.setdefault(merchant_id, {})
            key = str(item_id)
            items[key] = max(items.get(key, date.min), local)
    return found


def plan_follow_ups(
    session: Session, street_of_plan: dict[uuid.UUID, Street]
) -> list[PlanFollowUp]:
    """The follow-ups of the versions shown, as the plan document lists them."""
    departments = {d.id: d for d in session.exec(select(Department))}
    rows = session.exec(
        select(FollowUp).where(col(FollowUp.plan_id).in_(list(street_of_plan) or [uuid.uuid4()]))
    )
    found = [
        PlanFollowUp(
            merchant_id=f.merchant_id,
            street=street_of_plan[f.plan_id].code,
            department=departments[f.department_id].code,
            code=f.code,
            reason=t(f"plan.follow_up.{f.code}", department=departments[f.department_id].name),
            reasons=list(f.reasons),
            items=len(f.items),
        )
        for f in rows
    ]
    return sorted(found, key=lambda f: (f.street, str(f.merchant_id), f.department))
