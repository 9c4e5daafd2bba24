"""The facts about a piece of evidence that the who-may rules (server/auth/access.py) decide on."""

import uuid

from sqlmodel import col, select

from server.auth.access import EvidenceFacts
from server.core.db import AsyncSession
from server.evidence.models import Evidence, EvidenceLink
from server.evidence.recorders.models import Recorder, RecorderClip
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User

__all__ = ["evidence_facts"]


async def _people_streets(
    session: AsyncSession, evidence: Evidence, clip: RecorderClip | None
) -> set[uuid.UUID | None]:
    """For evidence no visit uses: the streets of its uploader, its wearer and its recorder."""
    streets: set[uuid.UUID | None] = set()
    for user_id in filter(None, (evidence.uploaded_by, clip.officer_id if clip else None)):
        user = await session.get(User, user_id)
        streets.add(user.street_id if user else None)
    if clip is not None:
        recorder = await session.get(Recorder, clip.recorder_id)
        streets.add(recorder.street_id if recorder else None)
    return streets


async def evidence_facts(session: AsyncSession, evidence: Evidence) -> EvidenceFacts:
    """Who uploaded and who wore it, the officers of the visits using it, and its streets."""
    clip = await session.get(RecorderClip, evidence.id)
    visits = list(
        await session.exec(
            select(InspectionOfficer.user_id, Merchant.street_id)
            .join(Inspection, col(Inspection.id) == InspectionOfficer.inspection_id)
            .join(Merchant, col(Merchant.id) == Inspection.merchant_id)
            .join(EvidenceLink, col(EvidenceLink.inspection_id) == Inspection.id)
            .where(EvidenceLink.evidence_id == evidence.id)
        )
    )
    streets = {street for _, street in visits} or await _people_streets(session, evidence, clip)
    return EvidenceFacts(
        uploaded_by=evidence.uploaded_by,
        wearer=clip.officer_id if clip is not None else None,
        visit_officers=frozenset(officer for officer, _ in visits),
        streets=streets,
    )
