"""The review queue: recorder clips that matched no visit, for supervisors to place."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select

from server.audit.service import Actor, record
from server.auth.access import clip_street, street_scope
from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.core.principal import Principal
from server.evidence.models import Evidence
from server.evidence.recorders.models import Recorder, RecorderClip
from server.evidence.service import link_evidence
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import User

__all__ = ["Candidate", "QueueItem", "assign_clip", "dismiss_clip", "review_queue"]


@dataclass(frozen=True)
class Candidate:
    inspection_id: uuid.UUID
    label: str


@dataclass(frozen=True)
class QueueItem:
    evidence_id: uuid.UUID
    filename: str
    device_id: str
    officer: str
    started: str
    duration: str
    size_mb: str
    reason: str
    candidates: list[Candidate]


async def _candidates(
    session: AsyncSession,
    principal: Principal,
    start: datetime | None,
    zone: ZoneInfo,
    visits_by_day: dict[date, list[tuple[Inspection, Merchant]]],
) -> list[Candidate]:
    """Visits of that day (in the supervisor's street), nearest in time first.

    `visits_by_day` caches each day's visits, so a queue of clips queries each day once."""
    if start is None:
        return []
    day = start.astimezone(zone).date()
    if day not in visits_by_day:
        stmt = (
            select(Inspection, Merchant)
            .join(Merchant, col(Merchant.id) == Inspection.merchant_id)
            .where(Inspection.visit_date == day)
        )
        if (street := street_scope(principal)) is not None:
            stmt = stmt.where(Merchant.street_id == street)
        visits_by_day[day] = list(await session.exec(stmt))
    found = []
    for visit, merchant in visits_by_day[day]:
        began = visit.started_at or start
        label = f"{began.astimezone(zone):%H:%M} {merchant.name}（{visit.action_code}）"
        found.append((abs((began - start).total_seconds()), Candidate(visit.id, label)))
    return [c for _, c in sorted(found, key=lambda x: x[0])[:20]]


def _in_reach(principal: Principal) -> Any:
    """The clips the reviewer reaches (server/auth/access.py, clip_street), as a WHERE clause over
    RecorderClip joined with its Recorder and (outer) its officer's User."""
    street = clip_street(principal)
    if street is None:
        return True
    return or_(col(User.street_id) == street, col(Recorder.street_id) == street)


async def review_queue(
    session: AsyncSession, principal: Principal, zone_name: str
) -> list[QueueItem]:
    """Unmatched clips this supervisor may place, oldest first."""
    zone = ZoneInfo(zone_name)
    stmt = (
        select(RecorderClip, Evidence, Recorder, User)
        .join(Evidence, col(Evidence.id) == RecorderClip.evidence_id)
        .join(Recorder, col(Recorder.id) == RecorderClip.recorder_id)
        .join(User, col(User.id) == RecorderClip.officer_id, isouter=True)
        .where(RecorderClip.state == "unmatched", col(Evidence.deleted_at).is_(None))
        .where(_in_reach(principal))
        .order_by(col(RecorderClip.started_at), col(RecorderClip.created_at))
        .limit(200)
    )
    items = []
    visits_by_day: dict[date, list[tuple[Inspection, Merchant]]] = {}
    for clip, evidence, recorder, officer in await session.exec(stmt):
        started = clip.started_at
        items.append(
            QueueItem(
                evidence_id=evidence.id,
                filename=evidence.filename,
                device_id=recorder.device_id,
                officer=officer.name if officer else "—",
                started=f"{started.astimezone(zone):%Y-%m-%d %H:%M:%S}" if started else "—",
                duration=str(timedelta(seconds=round(clip.duration_s))) if clip.duration_s else "—",
                size_mb=f"{evidence.size / 2**20:.1f}",
                reason=clip.reason,
                candidates=await _candidates(session, principal, started, zone, visits_by_day),
            )
        )
    return items


async def _clip_in_reach(
    session: AsyncSession, principal: Principal, evidence_id: uuid.UUID
) -> RecorderClip | None:
    stmt = (
        select(RecorderClip)
        .join(Recorder, col(Recorder.id) == RecorderClip.recorder_id)
        .join(User, col(User.id) == RecorderClip.officer_id, isouter=True)
        .where(RecorderClip.evidence_id == evidence_id, RecorderClip.state == "unmatched")
        .where(_in_reach(principal))
    )
    return (await session.exec(stmt)).first()


async def assign_clip(
    session: AsyncSession,
    principal: Principal,
    evidence_id: uuid.UUID,
    inspection_id: uuid.UUID,
    ip: str | None,
) -> bool:
    """Place a queued clip with a visit; False if the clip or the visit is not theirs to use."""
    clip = await _clip_in_reach(session, principal, evidence_id)
    visit = await session.get(Inspection, inspection_id)
    if clip is None or visit is None:
        return False
    merchant = await session.get(Merchant, visit.merchant_id)
    street = street_scope(principal)
    if street is not None and (merchant is None or merchant.street_id != street):
        return False
    actor = Actor(principal.username, principal.id, ip)
    await link_evidence(
        session,
        evidence_id,
        subject="inspection",
        subject_id=inspection_id,
        inspection_id=inspection_id,
        actor=actor,
    )
    clip.state, clip.inspection_id = "assigned", inspection_id
    clip.reviewed_by, clip.reviewed_at = principal.id, utcnow()
    session.add(clip)
    return True


async def dismiss_clip(
    session: AsyncSession, principal: Principal, evidence_id: uuid.UUID, ip: str | None
) -> bool:
    """Take a clip off the queue as belonging to no visit (it is kept for its retention)."""
    clip = await _clip_in_reach(session, principal, evidence_id)
    if clip is None:
        return False
    clip.state, clip.reviewed_by, clip.reviewed_at = "dismissed", principal.id, utcnow()
    session.add(clip)
    record(
        session,
        action="recorder.clip_dismissed",
        entity="evidence",
        entity_id=evidence_id,
        actor=principal.username,
        actor_id=principal.id,
        ip=ip,
    )
    return True
