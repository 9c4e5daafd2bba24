"""Which list entries cover an item on a day, and whether a merchant meets an entry's
first-violation condition: no failed finding of the entry's items (the item itself among them)
at an earlier inspection within the policy's look-back (`no_penalty_lookback_years`).

The day packet asks this before the officer decides on site; the case service asks it again on
the decision day; the merchants' endpoint answers it for one merchant. One rule for all three.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from server.inspections.models import Finding, Inspection
from server.leniency.models import LeniencyEntry, LeniencyEntryItem, LeniencyList
from server.policy.rules import Policy, add_months

__all__ = [
    "Covering",
    "ItemLeniency",
    "assess",
    "entries_in_force",
    "lookback_start",
    "standings",
]


@dataclass(frozen=True)
class Covering:
    """An entry in force, with what its list says of it."""

    entry_id: uuid.UUID
    kind: str
    list_code: str
    list_name: str
    document: str
    document_no: str
    effective_from: date
    no: str
    conduct: str
    first_violation: bool
    correction: str
    minor_harm: bool
    items: frozenset[uuid.UUID]


@dataclass(frozen=True)
class ItemLeniency:
    """An item's standing for one merchant: the entry that applies (or, when none does, the
    one that came closest) and whether its first-violation condition is met."""

    item_id: uuid.UUID
    entry: Covering
    first_violation: bool  # no earlier failed finding of the entry's items in the look-back
    last_violation: date | None
    last_inspection: str | None  # the action code of that earlier inspection

    @property
    def eligible(self) -> bool:
        return self.first_violation or not self.entry.first_violation


def lookback_start(day: date, policy: Policy) -> date:
    return add_months(day, -12 * policy.no_penalty_lookback_years)


def entries_in_force(
    session: Session, day: date, item_ids: Iterable[uuid.UUID], kind: str | None = None
) -> dict[uuid.UUID, list[Covering]]:
    """Per item, the entries of the list versions in force on `day` that cover it: 不予处罚
    before 减轻处罚, the newer version first."""
    wanted = list(set(item_ids))
    if not wanted:
        return {}
    query = (
        select(LeniencyEntry, LeniencyList, LeniencyEntryItem.check_item_id)
        .join(LeniencyList, col(LeniencyList.id) == LeniencyEntry.list_id)
        .join(LeniencyEntryItem, col(LeniencyEntryItem.entry_id) == LeniencyEntry.id)
        .where(col(LeniencyEntryItem.check_item_id).in_(wanted))
        .where(LeniencyList.effective_from <= day)
        .where(or_(col(LeniencyList.effective_to).is_(None), col(LeniencyList.effective_to) >= day))
    )
    if kind is not None:
        query = query.where(LeniencyList.kind == kind)
    rows = session.exec(query).all()
    members: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for entry_id, item_id in session.exec(
        select(LeniencyEntryItem.entry_id, LeniencyEntryItem.check_item_id).where(
            col(LeniencyEntryItem.entry_id).in_({e.id for e, _, _ in rows} or {uuid.uuid4()})
        )
    ):
        members[entry_id].add(item_id)
    found: dict[uuid.UUID, list[Covering]] = defaultdict(list)
    for entry, listed, item_id in rows:
        found[item_id].append(
            Covering(
                entry.id,
                listed.kind,
                listed.code,
                listed.name,
                listed.document,
                listed.document_no,
                listed.effective_from,
                entry.no,
                entry.conduct,
                entry.first_violation,
                entry.correction,
                entry.minor_harm,
                frozenset(members[entry.id]),
            )
        )
    order = {"no_penalty": 0, "mitigated": 1}
    for entries in found.values():
        entries.sort(
            key=lambda c: (order[c.kind], -c.effective_from.toordinal(), c.list_code, c.no)
        )
    return dict(found)


def _violations(
    session: Session,
    merchant_ids: list[uuid.UUID],
    item_ids: list[uuid.UUID],
    since: date,
    before: date,
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[date, str]]:
    """(merchant, item) → the last day and inspection that found the item failed there, from
    `since` to the day before `before`."""
    if not merchant_ids or not item_ids:
        return {}
    rows = session.exec(
        select(
            Inspection.merchant_id,
            Finding.check_item_id,
            func.max(Inspection.visit_date),
            func.max(Inspection.action_code),
        )
        .join(Finding, col(Finding.inspection_id) == Inspection.id)
        .where(col(Inspection.merchant_id).in_(merchant_ids))
        .where(col(Finding.check_item_id).in_(item_ids), Finding.outcome == "fail")
        .where(Inspection.visit_date >= since, Inspection.visit_date < before)
        .group_by(Inspection.merchant_id, Finding.check_item_id)
    )
    return {(m, i): (day, code) for m, i, day, code in rows}


def standings(
    session: Session,
    merchant_ids: Iterable[uuid.UUID],
    item_ids: Iterable[uuid.UUID],
    day: date,
    policy: Policy,
    kind: str | None = None,
    violation_on: date | None = None,
) -> dict[tuple[uuid.UUID, uuid.UUID], list[ItemLeniency]]:
    """(merchant, item) → its standing under each entry in force on `day` that covers the item,
    in the entries' order. History is read from inspections before `violation_on` (the day of
    the violation at hand; `day` when none is), back over the policy's look-back."""
    before = violation_on or day
    covering = entries_in_force(session, day, item_ids, kind)
    merchants = list(set(merchant_ids))
    related = sorted({i for entries in covering.values() for e in entries for i in e.items})
    past = _violations(session, merchants, related, lookback_start(before, policy), before)
    found: dict[tuple[uuid.UUID, uuid.UUID], list[ItemLeniency]] = {}
    for merchant_id in merchants:
        for item_id, entries in covering.items():
            options = []
            for entry in entries:
                hits = [past[(merchant_id, i)] for i in entry.items if (merchant_id, i) in past]
                last = max(hits) if hits else None
                options.append(
                    ItemLeniency(
                        item_id,
                        entry,
                        last is None,
                        last[0] if last else None,
                        last[1] if last else None,
                    )
                )
            found[(merchant_id, item_id)] = options
    return found


def assess(
    session: Session,
    merchant_ids: Iterable[uuid.UUID],
    item_ids: Iterable[uuid.UUID],
    day: date,
    policy: Policy,
    kind: str | None = None,
) -> dict[tuple[uuid.UUID, uuid.UUID], ItemLeniency]:
    """(merchant, item) → its standing on `day`, for the items some entry in force covers: the
    first entry the merchant meets, else the first entry (not eligible, with the earlier
    violation that bars it)."""
    return {
        key: next((o for o in options if o.eligible), options[0])
        for key, options in standings(session, merchant_ids, item_ids, day, policy, kind).items()
    }
