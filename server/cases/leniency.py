"""柔性执法 in a case: a 不予处罚 or 减轻处罚 decision stands on the list in force on the day it
is proposed and decided. Each of the case's items must be covered by an entry of that kind
whose conditions the case meets: the merchant's first violation within the policy's look-back
(when the entry asks it) and the correction it asks (on site, or by the order's deadline).
The entry that applied is recorded per item (`decision_leniency`)."""

import uuid
from datetime import date

from sqlmodel import Session, col, select

from server.cases.models import CaseItem, EnforcementCase
from server.cases.service import CaseRefused
from server.catalog.models import CheckItem
from server.core.i18n import t
from server.inspections.models import Finding, Inspection
from server.leniency.eligibility import ItemLeniency, standings
from server.leniency.models import LENIENCY_KINDS
from server.policy.rules import Policy
from server.rectifications.models import RectificationOrder

__all__ = ["applied_entries", "describe"]


def _corrected(session: Session, case: EnforcementCase, item_id: uuid.UUID) -> set[str]:
    """How the case's inspection saw the item put right: `on_site`, `deadline` (an order for it
    verified by its deadline), both or neither."""
    if case.inspection_id is None:
        return set()
    ways = set()
    finding = session.get(Finding, (case.inspection_id, item_id))
    if finding is not None and finding.corrected_on_site:
        ways |= {"on_site", "deadline"}
    orders = session.exec(
        select(RectificationOrder).where(
            RectificationOrder.inspection_id == case.inspection_id,
            RectificationOrder.check_item_id == item_id,
            RectificationOrder.status == "verified",
        )
    )
    if any(o.verified_on is not None and o.verified_on <= o.deadline for o in orders):
        ways.add("deadline")
    return ways | {"none"}


def describe(entry: ItemLeniency) -> dict:
    """What a proposal and the case's history say of the entry that applied."""
    e = entry.entry
    return {
        "list": e.list_code,
        "document_no": e.document_no,
        "no": e.no,
        "kind": e.kind,
        "first_violation": entry.first_violation,
    }


def _refusal(item: CheckItem, option: ItemLeniency, ways: set[str], policy: Policy) -> CaseRefused:
    e = option.entry
    names = {"code": item.code, "title": item.title, "list": e.list_code, "no": e.no}
    if not option.eligible:
        return CaseRefused(
            t(
                "leniency.error.not_first",
                years=policy.no_penalty_lookback_years,
                date=option.last_violation.isoformat() if option.last_violation else "",
                inspection=option.last_inspection or "",
                **names,
            ),
            422,
            field="kind",
            item=item.code,
        )
    correction = t(f"leniency.correction.{e.correction}")
    return CaseRefused(
        t("leniency.error.not_corrected", correction=correction, **names),
        422,
        field="kind",
        item=item.code,
    )


def applied_entries(
    session: Session, case: EnforcementCase, kind: str, day: date, policy: Policy
) -> dict[uuid.UUID, ItemLeniency]:
    """Per item of the case, the entry of the `kind` list in force on `day` that the case
    meets; nothing for a penalty. Refused (422 naming the item) when none covers an item or the
    case meets none of those that do."""
    if kind not in LENIENCY_KINDS:
        return {}
    items = list(
        session.exec(
            select(CheckItem)
            .join(CaseItem, col(CaseItem.check_item_id) == CheckItem.id)
            .where(CaseItem.case_id == case.id)
            .order_by(col(CheckItem.code))
        )
    )
    inspection = session.get(Inspection, case.inspection_id) if case.inspection_id else None
    found = standings(
        session,
        [case.merchant_id],
        [i.id for i in items],
        day,
        policy,
        kind,
        inspection.visit_date if inspection else day,
    )
    applied = {}
    for item in items:
        options = found.get((case.merchant_id, item.id), [])
        if not options:
            raise CaseRefused(
                t(
                    "leniency.error.not_covered",
                    code=item.code,
                    title=item.title,
                    day=day.isoformat(),
                    kind=t(f"leniency.kind.{kind}"),
                ),
                422,
                field="kind",
                item=item.code,
            )
        ways = _corrected(session, case, item.id)
        chosen = next((o for o in options if o.eligible and o.entry.correction in ways), None)
        if chosen is None:
            raise _refusal(item, options[0], ways, policy)
        applied[item.id] = chosen
    return applied
