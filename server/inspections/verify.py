"""What the public action-code page shows of an act (the printed papers: papers.py)."""

import uuid
from typing import Any

from sqlmodel import Session, col, select

from server.auth.access import masked_cert
from server.cases.verify import CASE_CODE_PREFIXES, codes_of_inspection, verify_case_code
from server.core.i18n import t
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User
from server.rectifications.queries import order_by_code, orders_of_inspection

__all__ = ["verify_code"]


def _officers(session: Session, inspection_id: uuid.UUID) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(InspectionOfficer, col(InspectionOfficer.user_id) == User.id)
            .where(InspectionOfficer.inspection_id == inspection_id)
            .order_by(User.username)
        )
    )


def _inspection_links(session: Session, inspection: Inspection) -> list[dict[str, str]]:
    """一码关联: the codes of an inspection's orders, and of its cases and their decisions."""
    orders = [
        {"kind": t("verify.kind.order"), "code": o.action_code}
        for o in orders_of_inspection(session, inspection.id)
        if o.action_code
    ]
    return orders + codes_of_inspection(session, inspection.id)


def verify_code(session: Session, code: str) -> dict[str, Any] | None:
    """The act behind an action code: an inspection or a rectification order here; a case,
    a decision or a transfer answered by the cases domain for its own prefixes."""
    if code.startswith(CASE_CODE_PREFIXES):
        return verify_case_code(session, code)
    inspection = session.exec(select(Inspection).where(Inspection.action_code == code)).first()
    if inspection is not None:
        merchant = session.get(Merchant, inspection.merchant_id)
        return {
            "links": _inspection_links(session, inspection),
            "code": code,
            "kind": t("verify.kind.inspection"),
            "merchant": merchant.name if merchant else "",
            "day": inspection.visit_date.isoformat(),
            "state": t(f"inspection.result.{inspection.result}"),
            "officers": [
                {"name": u.name, "cert": masked_cert(u.cert_no)}
                for u in _officers(session, inspection.id)
            ],
        }
    order = order_by_code(session, code)
    if order is None:
        return None
    merchant = session.get(Merchant, order.merchant_id)
    source = session.get(Inspection, order.inspection_id) if order.inspection_id else None
    return {
        "links": [{"kind": t("verify.kind.inspection"), "code": source.action_code}]
        if source
        else [],
        "code": code,
        "kind": t("verify.kind.order"),
        "merchant": merchant.name if merchant else "",
        "day": order.issued_on.isoformat(),
        "state": t(f"verify.order.{order.status}"),
        "deadline": order.deadline.isoformat(),
        "officers": [],
    }
