"""What past inspections say about a day's plan: how often each agency already inspected a
merchant this year, what a higher level inspected lately, and who went last time."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.catalog.models import CheckItem, Matter
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.org.models import Team, User
from server.planning.gather import chunks
from server.policy.rules import Policy, add_months

__all__ = ["History", "load_history"]


@dataclass
class History:
    """What past inspections say about the frequency caps and the rotation of officers."""

    agency_visits: Counter[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=Counter)
    higher_level_items: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)
    last_officers: dict[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)


def load_history(
    session: Session, merchant_ids: Sequence[uuid.UUID], day: date, policy: Policy
) -> History:
    """Street-level inspections this calendar year per department, items a district-level
    inspection checked in the quiet months, and each merchant's last pair of officers."""
    history = History()
    year_start = day.replace(month=1, day=1)
    quiet_since = add_months(day, -policy.higher_level_quiet_months)
    district = _district_inspections()
    latest: dict[uuid.UUID, tuple[date, uuid.UUID]] = {}
    for part in chunks(sorted(set(merchant_ids))):
        _count_agency_visits(session, history, part, year_start, day, district)
        _note_higher_level_items(session, history, part, quiet_since, day, district)
        _note_latest(session, latest, part, day)
    history.last_officers = _officers_of(session, latest)
    return history


def _district_inspections() -> Any:
    """The inspections a district team (no street) took part in: district-level ones."""
    return (
        select(InspectionOfficer.inspection_id)
        .join(User, col(User.id) == InspectionOfficer.user_id)
        .join(Team, col(Team.id) == User.team_id)
        .where(col(Team.street_id).is_(None))
    )


def _count_agency_visits(
    session: Session,
    history: History,
    merchant_ids: list[uuid.UUID],
    since: date,
    day: date,
    district: Any,
) -> None:
    """Street-level inspections per merchant and department from `since` until the day."""
    counts = session.exec(
        select(
            Inspection.merchant_id,
            Matter.department_id,
            func.count(func.distinct(Inspection.id)),
        )
        .join(Finding, col(Finding.inspection_id) == Inspection.id)
        .join(CheckItem, col(CheckItem.id) == Finding.check_item_id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
        .where(col(Inspection.merchant_id).in_(merchant_ids))
        .where(Inspection.visit_date >= since, Inspection.visit_date < day)
        # The cap is per administrative level: a street plan counts street-level visits.
        .where(col(Inspection.id).not_in(district))
        .group_by(Inspection.merchant_id, Matter.department_id)
    )
    for merchant_id, department_id, count in counts:
        history.agency_visits[(merchant_id, department_id)] = count


def _note_higher_level_items(
    session: Session,
    history: History,
    merchant_ids: list[uuid.UUID],
    since: date,
    day: date,
    district: Any,
) -> None:
    """The items district-level inspections checked at each merchant since `since`."""
    recent = session.exec(
        select(Inspection.merchant_id, Finding.check_item_id)
        .join(Finding, col(Finding.inspection_id) == Inspection.id)
        .where(col(Inspection.merchant_id).in_(merchant_ids))
        .where(Inspection.visit_date >= since, Inspection.visit_date < day)
        .where(col(Inspection.id).in_(district))
    )
    for merchant_id, item_id in recent:
        history.higher_level_items.setdefault(merchant_id, set()).add(item_id)


def _note_latest(
    session: Session,
    latest: dict[uuid.UUID, tuple[date, uuid.UUID]],
    merchant_ids: list[uuid.UUID],
    day: date,
) -> None:
    """Each merchant's last inspection before the day (by date, then id)."""
    visits = session.exec(
        select(Inspection.merchant_id, Inspection.visit_date, Inspection.id)
        .where(col(Inspection.merchant_id).in_(merchant_ids))
        .where(Inspection.visit_date < day)
    )
    for merchant_id, visit_date, inspection_id in visits:
        if merchant_id not in latest or (visit_date, inspection_id) > latest[merchant_id]:
            latest[merchant_id] = (visit_date, inspection_id)


def _officers_of(
    session: Session, latest: dict[uuid.UUID, tuple[date, uuid.UUID]]
) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """The officers of each merchant's last inspection."""
    officers: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    last = {inspection_id: merchant_id for merchant_id, (_, inspection_id) in latest.items()}
    for part in chunks(list(last)):
        for inspection_id, user_id in session.exec(
            select(InspectionOfficer.inspection_id, InspectionOfficer.user_id).where(
                col(InspectionOfficer.inspection_id).in_(part)
            )
        ):
            officers[last[inspection_id]].add(user_id)
    return {m: frozenset(users) for m, users in officers.items()}
