"""Custody over time: retention by kind, legal holds, and the deletion of expired evidence.

Evidence referenced by a record (a visit, finding, rectification or case) is kept with it; a
legal hold blocks deletion; everything else is kept for its kind's retention months after it
came into custody, then deleted by `onevisit evidence purge` (never through the API). Deletion
leaves the record as a tombstone and writes the audit trail.
"""

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import exists, or_
from sqlmodel import col, select

from server.audit.service import record
from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.core.settings import Settings
from server.evidence.models import Evidence, EvidenceLink, LegalHold

__all__ = [
    "PurgeCandidate",
    "add_months",
    "due_for_deletion",
    "place_hold",
    "release_hold",
    "retain_until",
    "tombstone",
]


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def retain_until(evidence: Evidence, settings: Settings) -> date:
    """The last day unreferenced, unheld evidence of this kind is kept."""
    return add_months(evidence.created_at.date(), settings.retention_months[evidence.kind])


def _unreferenced_and_unheld():
    return (
        ~exists().where(col(EvidenceLink.evidence_id) == Evidence.id),
        ~exists().where(
            col(LegalHold.evidence_id) == Evidence.id, col(LegalHold.released_at).is_(None)
        ),
    )


@dataclass(frozen=True)
class PurgeCandidate:
    id: uuid.UUID
    kind: str
    storage_key: str
    created_at: datetime


async def due_for_deletion(
    session: AsyncSession, settings: Settings, today: date
) -> list[PurgeCandidate]:
    """Kept evidence past its retention date with no record relying on it and no hold."""
    past = [
        (col(Evidence.kind) == kind)
        & (col(Evidence.created_at) < datetime.combine(add_months(today, -months), time(), UTC))
        for kind, months in settings.retention_months.items()
    ]
    stmt = (
        select(Evidence)
        .where(col(Evidence.deleted_at).is_(None), or_(*past), *_unreferenced_and_unheld())
        .order_by(col(Evidence.created_at))
    )
    return [
        PurgeCandidate(e.id, e.kind, e.storage_key, e.created_at) for e in await session.exec(stmt)
    ]


async def tombstone(
    session: AsyncSession, candidate: PurgeCandidate, settings: Settings, today: date
) -> bool:
    """Mark one expired evidence deleted, re-checking under a row lock; whether it was."""
    stmt = (
        select(Evidence)
        .where(col(Evidence.id) == candidate.id, col(Evidence.deleted_at).is_(None))
        .with_for_update()
    )
    evidence = (await session.exec(stmt)).first()
    if evidence is None or retain_until(evidence, settings) >= today:
        return False
    still = select(Evidence.id).where(col(Evidence.id) == evidence.id, *_unreferenced_and_unheld())
    if (await session.exec(still)).first() is None:
        return False
    evidence.deleted_at = utcnow()
    session.add(evidence)
    record(
        session,
        action="evidence.delete_expired",
        entity="evidence",
        entity_id=evidence.id,
        detail={
            "sha256": evidence.sha256,
            "kind": evidence.kind,
            "storage_key": evidence.storage_key,
            "retained_until": retain_until(evidence, settings).isoformat(),
        },
    )
    return True


async def place_hold(
    session: AsyncSession,
    evidence_id: uuid.UUID,
    reason: str,
    actor_id: uuid.UUID | None,
    actor: str,
    ip: str | None,
) -> LegalHold:
    """Put the evidence on legal hold (locks its row so a running purge sees the hold)."""
    await session.exec(select(Evidence).where(col(Evidence.id) == evidence_id).with_for_update())
    hold = LegalHold(evidence_id=evidence_id, reason=reason.strip(), placed_by=actor_id)
    session.add(hold)
    await session.flush()
    record(
        session,
        action="evidence.hold",
        entity="evidence",
        entity_id=evidence_id,
        actor=actor,
        actor_id=actor_id,
        ip=ip,
        detail={"hold_id": str(hold.id), "reason": hold.reason},
    )
    return hold


async def release_hold(
    session: AsyncSession,
    evidence_id: uuid.UUID,
    hold_id: uuid.UUID,
    reason: str,
    actor_id: uuid.UUID | None,
    actor: str,
    ip: str | None,
) -> LegalHold | None:
    """Release an active hold; None if there is no such active hold on that evidence."""
    hold = await session.get(LegalHold, hold_id)
    if hold is None or hold.evidence_id != evidence_id or hold.released_at is not None:
        return None
    hold.released_at, hold.released_by, hold.release_reason = utcnow(), actor_id, reason.strip()
    session.add(hold)
    record(
        session,
        action="evidence.release",
        entity="evidence",
        entity_id=evidence_id,
        actor=actor,
        actor_id=actor_id,
        ip=ip,
        detail={"hold_id": str(hold_id), "reason": hold.release_reason},
    )
    return hold
