"""Taking in a recorder's clips: hash, store, read the start time, and link each clip to its
visit (server/evidence/recorders/matching.py says which); the rest wait in the review queue."""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

import anyio

from server.audit.service import Actor, record
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.inputs import neutralised
from server.core.settings import Settings
from server.evidence.recorders.cliptime import Mp4Scanner, time_from_name
from server.evidence.recorders.matching import place_clip
from server.evidence.recorders.models import Recorder, RecorderClip
from server.evidence.service import (
    NewEvidence,
    create_evidence,
    find_evidence,
    link_evidence,
)
from server.evidence.sniff import ALLOWED_TYPES, SNIFF_BYTES, sniff
from server.storage import Storage, StorageError, StoredObject

__all__ = ["ClipResult", "ingest_clip", "recorder_owner"]

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


@dataclass(frozen=True)
class _Stored:
    """A clip's original in storage, with what its bytes told on the way."""

    key: str
    kind: str
    obj: StoredObject
    meta_start: datetime | None
    duration: float | None

    def as_evidence(
        self, owner: str, filename: str, start: datetime | None, device: str, actor: Actor
    ) -> NewEvidence:
        return NewEvidence(
            owner=owner,
            sha256=self.obj.sha256 or "",
            size=self.obj.size,
            content_type=self.obj.content_type,
            kind=self.kind,
            filename=filename,
            storage_key=self.key,
            source="recorder",
            uploaded_by=actor.id,
            captured_at=start,
            device=device,
        )


async def _store_clip(
    storage: Storage, chunks: Iterable[bytes], expected_sha256: str | None
) -> _Stored | str:
    """Store the clip's bytes under a new key, reading its type and movie header as they pass;
    why it cannot be taken, if not (nothing is left in storage then)."""
    tap = await anyio.to_thread.run_sync(_Tap, chunks)
    found = sniff(tap.head)
    kind = _kind(found or "")
    if kind is None:
        return t("clip.reason.type", found=found or "?")
    key = f"evidence/{kind}/{uuid.uuid4()}"
    stored = await anyio.to_thread.run_sync(
        lambda: storage.put(key, iter(tap), content_type=found or "application/octet-stream")
    )
    if stored.size == 0 or (expected_sha256 and stored.sha256 != expected_sha256):
        await anyio.to_thread.run_sync(storage.delete, key)
        return t("clip.reason.changed")
    meta_start, duration = tap.scanner.result()
    return _Stored(key, kind, stored, meta_start, duration)


async def _file(
    session: AsyncSession, clip: RecorderClip, recorder: Recorder, filename: str, actor: Actor
) -> None:
    """Keep the clip's placing, link it to its visit if it has one, and audit it."""
    session.add(clip)
    if clip.inspection_id is not None:
        await link_evidence(
            session,
            clip.evidence_id,
            subject="inspection",
            subject_id=clip.inspection_id,
            inspection_id=clip.inspection_id,
            actor=actor,
        )
    record(
        session,
        action="recorder.clip",
        entity="evidence",
        entity_id=clip.evidence_id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"device_id": recorder.device_id, "state": clip.state, "filename": filename},
    )


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
    stored = await _store_clip(storage, chunks, expected_sha256)
    if isinstance(stored, str):
        return ClipResult(filename, "rejected", stored)
    named = time_from_name(filename, settings.local_timezone)
    start = named or stored.meta_start
    new = stored.as_evidence(owner, filename, start, recorder.device_id, actor)
    evidence, created = await create_evidence(session, new, actor)
    if not created:
        with suppress(StorageError):  # stored twice at once: the other copy is the evidence
            await anyio.to_thread.run_sync(storage.delete, stored.key)
        return ClipResult(filename, "duplicate", t("clip.duplicate"), evidence.id)
    placed = await place_clip(session, recorder, start, stored.duration, settings.local_timezone)
    clip = RecorderClip(
        evidence_id=evidence.id,
        recorder_id=recorder.id,
        officer_id=placed.officer_id,
        started_at=start,
        duration_s=stored.duration,
        time_source="filename" if named else ("metadata" if start else "none"),
        state="linked" if placed.inspection_id else "unmatched",
        reason="" if placed.inspection_id else placed.reason,
        inspection_id=placed.inspection_id,
    )
    await _file(session, clip, recorder, filename, actor)
    return ClipResult(filename, clip.state, clip.reason, evidence.id, clip.inspection_id, start)
