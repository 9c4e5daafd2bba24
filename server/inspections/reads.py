"""What the phone is told about a stored inspection record."""

import uuid
from typing import Any

from sqlmodel import Session

from server.inspections.models import Inspection
from server.inspections.record_models import InspectionRecord
from server.merchants.models import Merchant
from server.policy.rules import Policy, recheck_window
from server.rectifications.models import RectificationOrder
from server.rectifications.queries import orders_of_inspection

__all__ = ["inspection_read"]


def inspection_read(session: Session, inspection_id: uuid.UUID, policy: Policy) -> dict[str, Any]:
    """What the phone is told about a stored record."""
    inspection = session.get(Inspection, inspection_id)
    assert inspection is not None
    stored = session.get(InspectionRecord, inspection_id)
    merchant = session.get(Merchant, inspection.merchant_id)
    assert merchant is not None
    session.refresh(merchant)  # the colour engine writes through the connection
    return {
        "id": str(inspection.id),
        "action_code": inspection.action_code,
        "result": inspection.result,
        "score": inspection.score,
        "key_failed": inspection.key_failed,
        "visit_date": inspection.visit_date.isoformat(),
        "merchant": {"id": str(merchant.id), "name": merchant.name, "colour": merchant.colour},
        "next_due": merchant.next_due.isoformat() if merchant.next_due else None,
        "flags": list(stored.flags) if stored else [],
        "received_at": stored.received_at.isoformat() if stored else None,
        "orders": [_order_read(o, policy) for o in orders_of_inspection(session, inspection_id)],
    }


def _order_read(order: RectificationOrder, policy: Policy) -> dict[str, Any]:
    recheck_from, recheck_by = recheck_window(order.deadline, policy)
    return {
        "id": str(order.id),
        "action_code": order.action_code,
        "requirement": order.requirement,
        "deadline": order.deadline.isoformat(),
        "recheck_from": recheck_from.isoformat(),
        "recheck_by": recheck_by.isoformat(),
    }
