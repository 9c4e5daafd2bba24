"""The facts about an inspection that the who-may rules (server/auth/access.py) decide on."""

import uuid

from sqlmodel import Session, col, select

from server.auth.access import InspectionFacts
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant

__all__ = ["inspection_facts"]


def inspection_facts(session: Session, inspection_id: uuid.UUID) -> InspectionFacts | None:
    """Its merchant's street and its officers; None if there is no such inspection."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        return None
    merchant = session.get(Merchant, inspection.merchant_id)
    officers = session.exec(
        select(InspectionOfficer.user_id).where(
            col(InspectionOfficer.inspection_id) == inspection_id
        )
    )
    return InspectionFacts(
        merchant_street=merchant.street_id if merchant is not None else None,
        officers=frozenset(officers),
    )
