"""Evidence records: creating them once per file and owner, linking them, describing them."""

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.audit.service import Actor, record
from server.core.db import AsyncSession
from server.core.settings import Settings
from server.evidence.models import Evidence, EvidenceLink, LegalHold
from server.evidence.retention import retain_until
from server.evidence.schemas import EvidenceLinkRead, EvidenceRead, HoldRead
from server.inspections.models import Inspection, InspectionOfficer

__all__ = [
    "NewEvidence",
    "claim_visit",
    "create_evidence",
    "evidence_read",
    "link_evidence",
    "user_owner",
]


@dataclass(frozen=True)
class NewEvidence:
    """A verified original, already stored under `storage_key`."""

    owner: str
    sha256: str
    size: int
    content_type: str
    kind: str
    filename: str
    storage_key: str
    source: str = "phone"
    uploaded_by: uuid.UUID | None = None
    captured_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    device: str | None = None


def user_owner(user_id: uuid.UUID) -> str:
    """The owner key of a person's uploads (the same file twice from them is one evidence)."""
    return f"user:{user_id}"


async def find_evidence(session: AsyncSession, owner: str, sha256: str) -> Evidence | None:
    """The kept evidence of this owner with this hash, if any."""
    stmt = select(Evidence).where(
        Evidence.owner == owner, Evidence.sha256 == sha256, col(Evidence.deleted_at).is_(None)
    )
    return (await session.exec(stmt)).first()


async def create_evidence(
    session: AsyncSession, new: NewEvidence, actor: Actor
) -> tuple[Evidence, bool]:
    """The evidence for this file and owner, and whether it was created now (else it existed)."""
    existing = await find_evidence(session, new.owner, new.sha256)
    if existing is not None:
        return existing, False
    evidence = Evidence(**asdict(new))
    try:
        async with session.begin_nested():
            session.add(evidence)
    except IntegrityError:  # the same file from the same owner landed a moment ago
        existing = await find_evidence(session, new.owner, new.sha256)
        if existing is None:
            raise
        return existing, False
    record(
        session,
        action="evidence.create",
        entity="evidence",
        entity_id=evidence.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={
            "sha256": new.sha256,
            "size": new.size,
            "kind": new.kind,
            "content_type": new.content_type,
            "storage_key": new.storage_key,
            "source": new.source,
        },
    )
    return evidence, True


async def link_evidence(
    session: AsyncSession,
    evidence_id: uuid.UUID,
    *,
    subject: str,
    subject_id: object,
    inspection_id: uuid.UUID | None,
    actor: Actor,
) -> EvidenceLink:
    """Record that `subject` relies on the evidence (idempotent)."""
    stmt = select(EvidenceLink).where(
        EvidenceLink.evidence_id == evidence_id,
        EvidenceLink.subject == subject,
        EvidenceLink.subject_id == str(subject_id),
    )
    link = (await session.exec(stmt)).first()
    if link is not None:
        return link
    link = EvidenceLink(
        evidence_id=evidence_id,
        subject=subject,
        subject_id=str(subject_id),
        inspection_id=inspection_id,
        created_by=actor.id,
    )
    session.add(link)
    record(
        session,
        action="evidence.link",
        entity="evidence",
        entity_id=evidence_id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"subject": subject, "subject_id": str(subject_id)},
    )
    return link


async def claim_visit(
    session: AsyncSession, evidence_id: uuid.UUID, inspection_id: uuid.UUID, actor: Actor
) -> bool:
    """Link evidence to the visit the phone named, if the uploader was one of its officers."""
    officer = await session.get(InspectionOfficer, (inspection_id, actor.id))
    if officer is None or await session.get(Inspection, inspection_id) is None:
        return False
    await link_evidence(
        session,
        evidence_id,
        subject="inspection",
        subject_id=inspection_id,
        inspection_id=inspection_id,
        actor=actor,
    )
    return True


async def evidence_read(
    session: AsyncSession, evidence: Evidence, settings: Settings
) -> EvidenceRead:
    """The evidence as the API shows it, with its links, holds and retention date."""
    links = list(
        await session.exec(select(EvidenceLink).where(EvidenceLink.evidence_id == evidence.id))
    )
    holds = list(
        await session.exec(
            select(LegalHold)
            .where(LegalHold.evidence_id == evidence.id)
            .order_by(col(LegalHold.placed_at))
        )
    )
    held = any(h.released_at is None for h in holds)
    return EvidenceRead(
        id=evidence.id,
        sha256=evidence.sha256,
        size=evidence.size,
        content_type=evidence.content_type,
        kind=evidence.kind,
        filename=evidence.filename,
        source=evidence.source,
        captured_at=evidence.captured_at,
        lat=evidence.lat,
        lng=evidence.lng,
        accuracy_m=evidence.accuracy_m,
        device=evidence.device,
        created_at=evidence.created_at,
        uploaded_by=evidence.uploaded_by,
        legal_hold=held,
        retain_until=None if links or held else retain_until(evidence, settings),
        deleted_at=evidence.deleted_at,
        links=[EvidenceLinkRead(x.subject, x.subject_id, x.inspection_id) for x in links],
        holds=[HoldRead(h.id, h.reason, h.placed_at, h.released_at) for h in holds],
    )
