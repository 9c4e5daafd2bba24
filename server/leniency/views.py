"""An item's standing as the phone and the merchants' endpoint show it: the entry, whether
the merchant meets its first-violation condition, and one line saying so before the officer
decides."""

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem
from server.core.errors import DomainError
from server.core.i18n import t
from server.leniency.eligibility import ItemLeniency, assess
from server.policy.rules import Policy

__all__ = ["hint", "merchant_leniency", "standing_view"]


def hint(standing: ItemLeniency, policy: Policy) -> str:
    e = standing.entry
    kind = t(f"leniency.kind.{e.kind}")
    if not standing.eligible:
        text = t(
            "leniency.hint.repeat",
            date=standing.last_violation.isoformat() if standing.last_violation else "",
            code=standing.last_inspection or "",
            list=e.list_name,
            no=e.no,
        )
        return text
    if e.first_violation:
        text = t(
            "leniency.hint.first",
            years=policy.no_penalty_lookback_years,
            list=e.list_name,
            no=e.no,
            kind=kind,
        )
    else:
        text = t("leniency.hint.covered", list=e.list_name, no=e.no, kind=kind)
    if e.correction != "none":
        text += "，" + t(
            "leniency.hint.correction", correction=t(f"leniency.correction.{e.correction}")
        )
    if e.minor_harm:
        text += t("leniency.hint.minor")
    return text


def standing_view(standing: ItemLeniency, policy: Policy) -> dict[str, Any]:
    e = standing.entry
    return {
        "kind": e.kind,
        "eligible": standing.eligible,
        "first_violation": standing.first_violation,
        "last_violation": standing.last_violation.isoformat() if standing.last_violation else None,
        "last_inspection": standing.last_inspection,
        "list": e.list_code,
        "list_name": e.list_name,
        "document": e.document,
        "document_no": e.document_no,
        "entry": e.no,
        "conduct": e.conduct,
        "requires_first_violation": e.first_violation,
        "correction": e.correction,
        "minor_harm": e.minor_harm,
        "hint": hint(standing, policy),
    }


def merchant_leniency(
    session: Session, merchant_id: uuid.UUID, codes: list[str], day: date, policy: Policy
) -> dict[str, Any]:
    """The merchant's standing for each item on `day` (history before it)."""
    items = {
        i.code: i for i in session.exec(select(CheckItem).where(col(CheckItem.code).in_(codes)))
    }
    unknown = [c for c in codes if c not in items]
    if unknown:
        raise DomainError(t("leniency.error.unknown_item", code=unknown[0]), 422, field="items")
    found = assess(session, [merchant_id], [i.id for i in items.values()], day, policy)
    rows = []
    for code in codes:
        standing = found.get((merchant_id, items[code].id))
        view = standing_view(standing, policy) if standing else None
        rows.append(
            {
                "code": code,
                "title": items[code].title,
                "covered": view is not None,
                "leniency": view,
            }
        )
    return {
        "merchant_id": str(merchant_id),
        "date": day.isoformat(),
        "lookback_years": policy.no_penalty_lookback_years,
        "items": rows,
    }
