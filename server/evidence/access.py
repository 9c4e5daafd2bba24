"""Who may see a piece of evidence. Everyone else is told it does not exist (404)."""

import uuid

from sqlalchemy import exists
from sqlmodel import col, select

from server.auth.principal import Principal
from server.db import AsyncSession
from server.evidence.models import Evidence, EvidenceLink
from server.evidence.recorder_models import Recorder, RecorderClip
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User

__all__ = ["can_view", "visible_evidence"]


async def _officer_of_linked_visit(
    session: AsyncSession, principal: Principal, ev_id: uuid.UUID
) -> bool:
    stmt = select(
        exists().where(
            col(EvidenceLink.evidence_id) == ev_id,
            col(InspectionOfficer.inspection_id) == EvidenceLink.inspection_id,
            col(InspectionOfficer.user_id) == principal.id,
        )
    )
    return bool((await session.exec(stmt)).one())


async def _streets(session: AsyncSession, evidence: Evidence) -> set[uuid.UUID | None]:
    """The streets the evidence belongs to: its visits' merchants, else its people and device."""
    visits = await session.exec(
        select(Merchant.street_id)
        .join(Inspection, col(Inspection.merchant_id) == Merchant.id)
        .join(EvidenceLink, col(EvidenceLink.inspection_id) == Inspection.id)
        .where(EvidenceLink.evidence_id == evidence.id)
    )
    streets: set[uuid.UUID | None] = set(visits)
    if streets:
        return streets
    clip = await session.get(RecorderClip, evidence.id)
    people = [evidence.uploaded_by, clip.officer_id if clip else None]
    for user_id in filter(None, people):
        user = await session.get(User, user_id)
        streets.add(user.street_id if user else None)
    if clip is not None:
        recorder = await session.get(Recorder, clip.recorder_id)
        streets.add(recorder.street_id if recorder else None)
    return streets


async def can_view(session: AsyncSession, principal: Principal, evidence: Evidence) -> bool:
    """Uploader, officers of a visit that uses it (or who wore the recorder), the street's
    supervisors (district supervisors see every street), administrators."""
    if principal.role == "admin" or evidence.uploaded_by == principal.id:
        return True
    clip = await session.get(RecorderClip, evidence.id)
    if clip is not None and clip.officer_id == principal.id:
        return True
    if await _officer_of_linked_visit(session, principal, evidence.id):
        return True
    if principal.role == "supervisor":
        return principal.street_id is None or principal.street_id in await _streets(
            session, evidence
        )
    return False


async def visible_evidence(
    session: AsyncSession, principal: Principal, evidence_id: uuid.UUID
) -> Evidence | None:
    """The evidence if the principal may see it, else None (whether or not it exists)."""
    evidence = await session.get(Evidence, evidence_id)
    if evidence is None or not await can_view(session, principal, evidence):
        return None
    return evidence
