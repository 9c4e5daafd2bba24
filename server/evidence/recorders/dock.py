"""The dock PC's upload: a multipart form of recorder clips, streamed to storage as it arrives
(never held whole in memory or on the app's disk), each clip through the same ingest."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from zoneinfo import ZoneInfo

import anyio
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from server.audit.service import Actor
from server.core.clock import as_utc
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.inputs import shown
from server.core.settings import Settings
from server.evidence.filenames import safe_filename
from server.evidence.recorders.ingest import ClipResult, ingest_clip
from server.evidence.recorders.models import Recorder
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

    async def value(self) -> bytes:
        """A form field's value, cut at _FIELD_LIMIT bytes (the rest is read and dropped)."""
        value = b""
        while (chunk := await self.next_data()) is not None:
            value += chunk[: _FIELD_LIMIT - len(value)]
        return value


async def _recorder(session: AsyncSession, value: bytes) -> Recorder | None:
    """The recorder the form's `device` field names, if it is registered."""
    device = value.decode("utf-8", "replace").strip()
    # A device id no text column can hold is no recorder's.
    return None if "\x00" in device else await find_recorder(session, device)


def _own_name(filename: str) -> str:
    """The file's own name without the folders the browser may send, or "" if it is no name
    to keep."""
    return safe_filename(filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]) or ""


def _refused(filename: str, known_recorder: bool) -> ClipResult:
    """A file not taken: its recorder is not known, or its name is no name to keep."""
    if known_recorder:
        why = t("upload.filename_invalid", value=shown(filename))
    else:
        why = t("recorder.unknown")
    return ClipResult(shown(filename or "?", 255), "rejected", why)


def _in_local_time(result: ClipResult, zone: ZoneInfo) -> ClipResult:
    """The result with its start in the district's time, as the dock page shows it."""
    started = result.started_at
    if started is None:
        return result
    return replace(result, started_at=as_utc(started).astimezone(zone))


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
            value = await segment.value()
            if event.name == "device":
                recorder = await _recorder(session, value)
            continue
        name = _own_name(event.filename)
        if recorder is None or not name:
            await segment.drain()
            yield _refused(event.filename, recorder is not None)
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
        yield _in_local_time(result, zone)
