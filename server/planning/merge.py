"""Merge every department's checks due for a merchant into one joint visit (综合查一次).

A visit carries only the items of the merchant's scenarios, each once, for the departments
whose checks are due. The checks the policy caps (random ones, by default) respect the
frequency caps: an agency's visits a year, and no repeat of items a higher level inspected in
the last months. A department check also due for a reason the caps do not restrict (a colour's
interval, a complaint, a re-check) is never held back.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from server.planning.due import REASON_ORDER, DueCheck
from server.planning.gather import Catalogue, ItemInfo, MerchantInfo
from server.planning.history import History
from server.planning.priority import band_of, capped, priority
from server.policy.rules import Policy

__all__ = ["Merged", "SkippedCheck", "VisitDraft", "merge", "ordered_reasons"]


def ordered_reasons(reasons: Iterable[str]) -> list[str]:
    """Each reason once, most pressing first."""
    rank = {r: n for n, r in enumerate(REASON_ORDER)}
    return sorted(set(reasons), key=lambda r: (rank.get(r, len(rank)), r))


@dataclass
class VisitDraft:
    """A joint visit before it has a team: what it checks, for whom, and why."""

    merchant: MerchantInfo
    items: list[ItemInfo]
    checks: list[dict[str, object]]  # [{"department": code, "reasons": [...]}]
    reasons: list[str]
    needs: list[uuid.UUID]  # departments whose officer must be on the team (items not empowered)
    priority: int
    band: int = 0  # the rank of its most pressing check's class (0: the policy's first)

    @property
    def department_ids(self) -> list[uuid.UUID]:
        return list(dict.fromkeys(i.department_id for i in self.items))


@dataclass(frozen=True)
class SkippedCheck:
    """A department check the caps held back, or a merchant nothing could be checked at."""

    merchant_id: uuid.UUID
    street_id: uuid.UUID
    department: str | None
    code: str  # cap_year, higher_level, no_items


@dataclass
class Merged:
    visits: list[VisitDraft] = field(default_factory=list)
    skipped: list[SkippedCheck] = field(default_factory=list)

    @property
    def department_checks(self) -> int:
        return sum(len(v.checks) for v in self.visits)


def merge(
    checks: Iterable[DueCheck],
    merchants: dict[uuid.UUID, MerchantInfo],
    catalogue: Catalogue,
    history: History,
    policy: Policy,
) -> Merged:
    """One visit per merchant with at least one department check left after the caps."""
    by_merchant: dict[uuid.UUID, list[DueCheck]] = defaultdict(list)
    for check in checks:
        by_merchant[check.merchant_id].append(check)
    merged = Merged()
    for merchant_id in sorted(by_merchant):
        merchant = merchants.get(merchant_id)
        if merchant is None:
            continue
        available = catalogue.items_by_department(merchant.scenario_ids)
        if not available:
            merged.skipped.append(SkippedCheck(merchant_id, merchant.street_id, None, "no_items"))
            continue
        due = _due_by_department(by_merchant[merchant_id], available)
        visit = _joint_visit(merchant, due, available, catalogue, history, policy, merged.skipped)
        if visit is not None:
            merged.visits.append(visit)
    return merged


def _due_by_department(
    checks: list[DueCheck], available: dict[uuid.UUID, list[ItemInfo]]
) -> dict[uuid.UUID, list[DueCheck]]:
    """The merchant's checks per department that has items there; a check of no department in
    particular (a complaint, a re-rating) is due for every such department."""
    due: dict[uuid.UUID, list[DueCheck]] = defaultdict(list)
    for check in checks:
        wanted = [check.department_id] if check.department_id else list(available)
        for department_id in wanted:
            if department_id in available:
                due[department_id].append(check)
    return due


def _joint_visit(
    merchant: MerchantInfo,
    due: dict[uuid.UUID, list[DueCheck]],
    available: dict[uuid.UUID, list[ItemInfo]],
    catalogue: Catalogue,
    history: History,
    policy: Policy,
    skipped: list[SkippedCheck],
) -> VisitDraft | None:
    """The merchant's one visit: each due department's items the caps leave (what they hold
    back is added to `skipped`), or None when they leave nothing."""
    departments = catalogue.departments
    items: list[ItemInfo] = []
    visit_checks: list[dict[str, object]] = []
    kept_checks: list[DueCheck] = []
    for department_id in sorted(due, key=lambda d: departments[d].code):
        found = due[department_id]
        code = departments[department_id].code
        kept = available[department_id]
        if all(c.items for c in found):  # follow-ups only: the items they left, not the rest
            owed = {i for c in found for i in c.items}
            kept = [i for i in kept if i.id in owed]
            if not kept:
                continue
        if all(capped(c, policy) for c in found):
            kept, held = _capped(merchant.id, department_id, kept, history, policy)
            if held:
                skipped.append(SkippedCheck(merchant.id, merchant.street_id, code, held))
                continue
        items.extend(kept)
        kept_checks += found
        visit_checks.append(
            {"department": code, "reasons": ordered_reasons(c.reason for c in found)}
        )
    if not items:
        return None
    reasons = ordered_reasons(r for c in visit_checks for r in c["reasons"])  # type: ignore
    needs = sorted(
        {i.department_id for i in items if not catalogue.empowered_to(i, merchant.street_id)},
        key=lambda d: departments[d].code,
    )
    value = priority(kept_checks, policy)
    return VisitDraft(merchant, items, visit_checks, reasons, needs, value, band_of(value, policy))


def _capped(
    merchant_id: uuid.UUID,
    department_id: uuid.UUID,
    items: list[ItemInfo],
    history: History,
    policy: Policy,
) -> tuple[list[ItemInfo], str | None]:
    """A proactive check's items after the frequency caps, or the cap that holds it back: the
    agency's visits this year (cap_year), or a higher level's recent check of them all."""
    if history.agency_visits[(merchant_id, department_id)] >= policy.agency_visits_per_year:
        return [], "cap_year"
    recent = history.higher_level_items.get(merchant_id, set())
    kept = [i for i in items if i.id not in recent]
    return kept, None if kept else "higher_level"
