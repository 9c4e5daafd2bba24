"""The papers a visit leaves at the shop, as printed: the on-site record (现场检查笔录) and the
rectification notice (责令整改通知书). Each carries the QR of its act's action code, the
merchant's owner link (added by the route, which knows the server's key) and the notice of the
merchant's rights; the record names the officers planned for the visit and says which of them
attended, and only those who attended sign it."""

import uuid
from typing import Any

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem
from server.core.errors import DomainError
from server.core.i18n import t
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.inspections.record_models import InspectionRecord
from server.merchants.models import Merchant
from server.org.models import User
from server.rectifications.queries import orders_of_inspection

__all__ = ["RIGHTS", "printable_notice", "printable_record"]

# The rights every paper tells the merchant of, in order (their words and periods are in
# server/core/i18n.py, under papers.rights.*).
RIGHTS = ("statement", "review", "litigation")


def _rights() -> dict[str, Any]:
    return {"title": t("papers.rights.title"), "lines": [t(f"papers.rights.{r}") for r in RIGHTS]}


def _attending(session: Session, inspection_id: uuid.UUID) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(InspectionOfficer, col(InspectionOfficer.user_id) == User.id)
            .where(InspectionOfficer.inspection_id == inspection_id)
            .order_by(User.username)
        )
    )


def _planned_absent(session: Session, body: dict[str, Any], present: set[uuid.UUID]) -> list[User]:
    """The officers the record names as planned who did not attend."""
    ids = []
    for raw in body.get("officers") or []:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    absent = [i for i in dict.fromkeys(ids) if i not in present]
    if not absent:
        return []
    return list(session.exec(select(User).where(col(User.id).in_(absent)).order_by(User.username)))


def _officer_rows(session: Session, inspection_id: uuid.UUID, body: dict) -> list[dict]:
    """Who attended, each with their signature, then who was planned and did not come."""
    signatures = (body.get("signatures") or {}).get("officers") or {}
    attended = _attending(session, inspection_id)
    absent = _planned_absent(session, body, {u.id for u in attended})
    return [
        {
            "name": u.name,
            "cert": u.cert_no or "",
            "attended": came,
            "sign": signatures.get(str(u.id)) if came else None,
        }
        for came, users in ((True, attended), (False, absent))
        for u in users
    ]


def printable_record(
    session: Session, inspection_id: uuid.UUID, base_url: str
) -> dict[str, Any] | None:
    """The 现场检查笔录 as printed: merchant, officers (planned, and who attended), findings,
    orders, signatures, the code and the rights notice."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        return None
    stored = session.get(InspectionRecord, inspection_id)
    body = stored.body if stored else {}
    findings = session.exec(
        select(CheckItem, Finding)
        .join(Finding, col(Finding.check_item_id) == CheckItem.id)
        .where(Finding.inspection_id == inspection_id)
        .order_by(CheckItem.code)
    )
    signatures = body.get("signatures") or {}
    return {
        "inspection": inspection,
        "merchant": session.get(Merchant, inspection.merchant_id),
        "officers": _officer_rows(session, inspection_id, body),
        "findings": [{"item": item, "finding": f} for item, f in findings],
        "orders": orders_of_inspection(session, inspection_id),
        "merchant_sign": signatures.get("merchant"),
        "refusal": signatures.get("refusal"),
        "record": stored,
        "rights": _rights(),
        "verify_url": f"{base_url.rstrip('/')}/v/{inspection.action_code}",
    }


def printable_notice(
    session: Session, inspection_id: uuid.UUID, base_url: str
) -> dict[str, Any] | None:
    """The 责令整改通知书 of a visit: each order it issued (what to put right, by when, on which
    item) with its own action code; None for no such visit, a 404 saying so when the visit
    issued no order."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        return None
    orders = orders_of_inspection(session, inspection_id)
    if not orders:
        raise DomainError(t("notice.none"), 404)
    items = {
        i.id: i
        for i in session.exec(
            select(CheckItem).where(col(CheckItem.id).in_([o.check_item_id for o in orders]))
        )
    }
    base = base_url.rstrip("/")
    return {
        "inspection": inspection,
        "merchant": session.get(Merchant, inspection.merchant_id),
        "officers": [row for row in _officer_rows(session, inspection_id, {}) if row["attended"]],
        "notices": [
            {
                "order": o,
                "item": items.get(o.check_item_id) if o.check_item_id else None,
                "verify_url": f"{base}/v/{o.action_code}" if o.action_code else None,
            }
            for o in orders
        ],
        "rights": _rights(),
        "verify_url": f"{base}/v/{inspection.action_code}",
    }
