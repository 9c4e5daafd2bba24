"""The dock PC's upload: a multipart form of recorder clips, streamed to storage as it arrives
(never held whole in memory or on the app's disk), each clip through the same ingest."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from zoneinfo import ZoneInfo

import anyio
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from server.audit.service import Actor
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.inputs import shown
from server.core.settings import Settings
from server.evidence.filenames import safe_filename
from server.evidence.recorders.ingest import ClipResult, ingest_clip
from server.evidence.recorders.registry import find_recorder
from server.storage import Storage

__all__ = ["BadForm", "dock_clips"]

_FIELD_LIMIT = 1024


class BadForm(Exception):
    """The request is not a multipart form this page sent."""


async def _events(content_type: str, body: AsyncIterator[bytes]) -> AsyncIterator[object]:
    _, options = parse_options_header(content_type)
    if not options.get("boundary"):
        raise BadForm
    try:
        with PushMultipartParser(options["boundary"], max_segment_count=1000) as parser:
            async for chunk in body:
                for event in parser.parse(chunk):
                    yield event
                if parser.closed:
                    break
            for event in parser.parse(b""):
                yield event
    except MultipartError as exc:
        raise BadForm from exc


class _Segment:
    """A file's bytes, pulled from the async form stream by the storage worker thread."""

    def __init__(self, events: AsyncIterator[object]) -> None:
        self.events, self.done = events, False

    async def next_data(self) -> bytes | None:
        if self.done:
            return None
        event = await anext(self.events, None)
        if event is None or not isinstance(event, bytes | bytearray):
            self.done = True
            return None
        return bytes(event)

    def chunks(self) -> Iterator[bytes]:
        while (chunk := anyio.from_thread.run(self.next_data)) is not None:
            yield chunk

    async def drain(self) -> None:
        while await self.next_data() is not None:
            pass


async def dock_clips(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    actor: Actor,
    content_type: str,
    body: AsyncIterator[bytes],
) -> AsyncIterator[ClipResult]:
    """Ingest each file of the form as it streams in; yields a result per file (the caller
    commits after each, so a long dock keeps what it has done)."""
    events = _events(content_type, body)
    recorder = None
    zone = ZoneInfo(settings.local_timezone)
    async for event in events:
        if not isinstance(event, MultipartSegment):
            continue
        segment = _Segment(events)
        if event.filename is None:
            value = b""
            while (chunk := await segment.next_data()) is not None:
                value += chunk[: _FIELD_LIMIT - len(value)]
            if event.name == "device":
                device = value.decode("utf-8", "replace").strip()
                # A device id no text column can hold is no recorder's.
                recorder = None if "\x00" in device else await find_recorder(session, device)
            continue
        name = safe_filename(event.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]) or ""
        if recorder is None or not name:
            await segment.drain()
            why = (
                t("recorder.unknown")
                if recorder is None
                else t("upload.filename_invalid", value=shown(event.filename))
            )
            yield ClipResult(shown(event.filename or "?", 255), "rejected", why)
            continue
        result = await ingest_clip(
            session,
            storage,
            settings,
            recorder=recorder,
            filename=name,
            chunks=segment.chunks(),
            actor=actor,
        )
        await segment.drain()
        if result.started_at is not None:
            started = (
                result.started_at.astimezone(zone)
                if result.started_at.tzinfo
                else result.started_at.replace(tzinfo=UTC).astimezone(zone)
            )
            result = ClipResult(
                result.filename,
                result.status,
                result.reason,
                result.evidence_id,
                result.inspection_id,
                started,
            )
        yield result
