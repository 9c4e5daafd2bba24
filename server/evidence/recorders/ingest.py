"""Taking in a recorder's clips: hash, store, read the start time, and link each clip to the
visit whose officer carried that recorder that day and whose time window overlaps; the rest
wait in the review queue."""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import anyio
from sqlmodel import col, select

from server.audit.service import Actor, record
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.inputs import neutralised
from server.core.settings import Settings
from server.evidence.recorders.cliptime import Mp4Scanner, time_from_name
from server.evidence.recorders.models import Recorder, RecorderClip
from server.evidence.recorders.registry import carrier
from server.evidence.service import (
    NewEvidence,
    create_evidence,
    find_evidence,
    link_evidence,
)
from server.evidence.sniff import ALLOWED_TYPES, SNIFF_BYTES, sniff
from server.inspections.models import Inspection, InspectionOfficer
from server.storage import Storage, StorageError

__all__ = ["ClipResult", "ingest_clip", "recorder_owner"]

GRACE = timedelta(minutes=10)  # clocks drift; a clip started just before arriving still counts
CLIP_KINDS = ("video", "audio", "photo")


@dataclass(frozen=True)
class ClipResult:
    """What happened to one file."""

    filename: str
    status: str  # linked, unmatched, duplicate, rejected
    reason: str = ""
    evidence_id: uuid.UUID | None = None
    inspection_id: uuid.UUID | None = None
    started_at: datetime | None = None


def recorder_owner(device_id: str) -> str:
    """Clips are owned by their recorder: the same clip docked twice is one evidence."""
    return f"recorder:{device_id}"


class _Tap:
    """Passes chunks through to storage while noting the head and the movie header."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self.scanner = Mp4Scanner()
        self.head = b""
        while len(self.head) < SNIFF_BYTES:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.head += chunk
        self._first = self.head

    def __iter__(self) -> Iterator[bytes]:
        if self._first:
            self.scanner.feed(self._first)
            yield self._first
        for chunk in self._chunks:
            self.scanner.feed(chunk)
            yield chunk


def _kind(content_type: str) -> str | None:
    for kind in CLIP_KINDS:
        if content_type in ALLOWED_TYPES[kind]:
            return kind
    return None


async def _match(
    session: AsyncSession, officer_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[uuid.UUID | None, str]:
    """The one visit of that officer whose window overlaps the clip, or why there is none."""
    stmt = (
        select(Inspection)
        .join(InspectionOfficer, col(InspectionOfficer.inspection_id) == Inspection.id)
        .where(
            InspectionOfficer.user_id == officer_id,
            col(Inspection.started_at).is_not(None),
            col(Inspection.started_at) <= end + GRACE,
            col(Inspection.finished_at) >= start - GRACE,
        )
    )
    overlaps = []
    for visit in await session.exec(stmt):
        v_start, v_end = _utc(visit.started_at), _utc(visit.finished_at or visit.started_at)
        overlap = (min(end, v_end) - max(start, v_start)).total_seconds()
        overlaps.append((overlap, visit.id))
    if not overlaps:
        return None, t("clip.reason.no_visit")
    overlaps.sort(reverse=True)
    if len(overlaps) > 1 and overlaps[0][0] == overlaps[1][0]:
        return None, t("clip.reason.ambiguous")
    return overlaps[0][1], ""


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def ingest_clip(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    *,
    recorder: Recorder,
    filename: str,
    chunks: Iterable[bytes],
    actor: Actor,
    expected_sha256: str | None = None,
) -> ClipResult:
    """Store one clip as evidence and place it: linked to its visit, or queued for review.
    `chunks` is read in a worker thread; `expected_sha256` (when the caller hashed the file
    first) guards against a file that changed while it was read. A name that would turn the
    text around it (U+202E …) is kept with those characters replaced."""
    filename = neutralised(filename)
    owner = recorder_owner(recorder.device_id)
    if expected_sha256 and await find_evidence(session, owner, expected_sha256):
        return ClipResult(filename, "duplicate", t("clip.duplicate"))
    tap = await anyio.to_thread.run_sync(_Tap, chunks)
    found = sniff(tap.head)
    kind = _kind(found or "")
    if kind is None:
        return ClipResult(filename, "rejected", t("clip.reason.type", found=found or "?"))
    key = f"evidence/{kind}/{uuid.uuid4()}"
    stored = await anyio.to_thread.run_sync(
        lambda: storage.put(key, iter(tap), content_type=found or "application/octet-stream")
    )
    if stored.size == 0 or (expected_sha256 and stored.sha256 != expected_sha256):
        await anyio.to_thread.run_sync(storage.delete, key)
        return ClipResult(filename, "rejected", t("clip.reason.changed"))
    meta_start, duration = tap.scanner.result()
    named = time_from_name(filename, settings.local_timezone)
    start = named or meta_start
    new = NewEvidence(
        owner=owner,
        sha256=stored.sha256 or "",
        size=stored.size,
        content_type=stored.content_type,
        kind=kind,
        filename=filename,
        storage_key=key,
        source="recorder",
        uploaded_by=actor.id,
        captured_at=start,
        device=recorder.device_id,
    )
    evidence, created = await create_evidence(session, new, actor)
    if not created:
        with suppress(StorageError):  # stored twice at once: the other copy is the evidence
            await anyio.to_thread.run_sync(storage.delete, key)
        return ClipResult(filename, "duplicate", t("clip.duplicate"), evidence.id)
    end = start + timedelta(seconds=duration or 0) if start else None
    officer = inspection_id = None
    reason = t("clip.reason.no_time")
    if start is not None and end is not None:
        day = start.astimezone(ZoneInfo(settings.local_timezone)).date()
        officer = await carrier(session, recorder.id, day)
        if officer is None:
            reason = t("clip.reason.no_assignment", day=day.isoformat())
        else:
            inspection_id, reason = await _match(session, officer, start, end)
    clip = RecorderClip(
        evidence_id=evidence.id,
        recorder_id=recorder.id,
        officer_id=officer,
        started_at=start,
        duration_s=duration,
        time_source="filename" if named else ("metadata" if start else "none"),
        state="linked" if inspection_id else "unmatched",
        reason="" if inspection_id else reason,
        inspection_id=inspection_id,
    )
    session.add(clip)
    if inspection_id is not None:
        await link_evidence(
            session,
            evidence.id,
            subject="inspection",
            subject_id=inspection_id,
            inspection_id=inspection_id,
            actor=actor,
        )
    record(
        session,
        action="recorder.clip",
        entity="evidence",
        entity_id=evidence.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"device_id": recorder.device_id, "state": clip.state, "filename": filename},
    )
    status = "linked" if inspection_id else "unmatched"
    return ClipResult(filename, status, clip.reason, evidence.id, inspection_id, start)
