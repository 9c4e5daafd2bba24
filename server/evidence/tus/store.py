"""Upload progress, committed as it happens in short transactions of its own.

A PATCH may stream for minutes; holding the request's transaction that long would block other
writers (SQLite has one) and a crash would lose what was already stored. So this module, and
only this one, commits outside the request transaction. Every write of progress is conditional
on the offset it started from (server/evidence/tus/offsets.py): of two requests racing on one
upload, the second to commit loses.
"""

import asyncio
import random
import uuid
import weakref
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select

from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.evidence.tus.models import Upload, UploadFragment, UploadPart
from server.evidence.tus.offsets import unchanged_since

__all__ = [
    "Progress",
    "UploadState",
    "allocate_part",
    "attach_multipart",
    "checkpoint",
    "in_transaction",
    "load",
    "mark",
]

Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")


@dataclass
class UploadState:
    """An upload as last committed: the row, its stored parts and pending fragments."""

    upload: Upload
    parts: list[UploadPart]
    fragments: list[UploadFragment]


@dataclass
class Progress:
    """What one checkpoint commits."""

    offset: int
    hash_state: bytes | None
    hash_lost: bool
    expires_at: datetime
    content_type: str | None = None
    parts: list[UploadPart] = field(default_factory=list)
    fragment: UploadFragment | None = None
    drop_fragments: bool = False


_sqlite_writers: "weakref.WeakKeyDictionary[object, asyncio.Lock]" = weakref.WeakKeyDictionary()
_LOCKED_RETRIES = 6


def _writer_lock(sessions: Sessions) -> asyncio.Lock | None:
    """On SQLite, one writer at a time inside this process: a transaction that waits for the
    event loop between statements must not hold the file lock while others time out on it."""
    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return None
    lock = _sqlite_writers.get(bind)
    if lock is None:
        lock = _sqlite_writers[bind] = asyncio.Lock()
    return lock


async def in_transaction(
    sessions: Sessions, work: Callable[[AsyncSession], Awaitable[T]], *, write: bool = True
) -> T:
    """Run `work` in a transaction of its own and commit it; retried whole if SQLite was busy
    (every unit of work here is conditional, so running it again is safe)."""
    lock = _writer_lock(sessions) if write else None
    for attempt in range(_LOCKED_RETRIES):
        try:
            async with lock or nullcontext(), sessions() as session, session.begin():
                return await work(session)
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or attempt == _LOCKED_RETRIES - 1:
                raise
            await asyncio.sleep(0.05 * 2**attempt * (1 + random.random()))
    raise AssertionError("unreachable")


async def load(sessions: Sessions, upload_id: uuid.UUID) -> UploadState | None:
    """The upload as committed now, or None."""

    async def read(session: AsyncSession) -> UploadState | None:
        upload = await session.get(Upload, upload_id)
        if upload is None:
            return None
        parts = await session.exec(
            select(UploadPart).where(UploadPart.upload_id == upload_id).order_by(UploadPart.number)
        )
        fragments = await session.exec(
            select(UploadFragment)
            .where(UploadFragment.upload_id == upload_id)
            .order_by(UploadFragment.fragment_offset)
        )
        return UploadState(upload, list(parts), list(fragments))

    return await in_transaction(sessions, read, write=False)


async def allocate_part(sessions: Sessions, upload_id: uuid.UUID) -> int:
    """A part number never handed out before for this upload (so no part is ever replaced)."""

    async def bump(session: AsyncSession) -> int:
        stmt = (
            update(Upload)
            .where(col(Upload.id) == upload_id)
            .values(next_part=Upload.next_part + 1)
            .returning(Upload.next_part)
        )
        return int((await session.exec(stmt)).scalar_one()) - 1  # type: ignore[call-overload]

    number = await in_transaction(sessions, bump)
    if number > 10000:
        raise OverflowError("upload ran out of part numbers")
    return number


async def attach_multipart(
    sessions: Sessions, upload_id: uuid.UUID, multipart_id: str, content_type: str
) -> str:
    """Record the upload's multipart id; if another request got there first, return theirs."""

    async def attach(session: AsyncSession) -> str:
        stmt = (
            update(Upload)
            .where(col(Upload.id) == upload_id, col(Upload.multipart_id).is_(None))
            .values(multipart_id=multipart_id, content_type=content_type, updated_at=utcnow())
        )
        if (await session.exec(stmt)).rowcount == 1:  # type: ignore[call-overload]
            return multipart_id
        upload = await session.get(Upload, upload_id)
        return upload.multipart_id if upload and upload.multipart_id else multipart_id

    return await in_transaction(sessions, attach)


async def checkpoint(
    sessions: Sessions, upload_id: uuid.UUID, expected_offset: int, progress: Progress
) -> bool:
    """Commit progress if the upload is still receiving at `expected_offset` (the condition is
    offsets.unchanged_since)."""

    async def commit(session: AsyncSession) -> bool:
        values: dict[str, object] = {
            "upload_offset": progress.offset,
            "hash_state": progress.hash_state,
            "hash_lost": progress.hash_lost,
            "expires_at": progress.expires_at,
            "updated_at": utcnow(),
        }
        if progress.content_type:
            values["content_type"] = progress.content_type
        stmt = update(Upload).where(unchanged_since(upload_id, expected_offset)).values(**values)
        if (await session.exec(stmt)).rowcount != 1:  # type: ignore[call-overload]
            return False
        if progress.drop_fragments:
            await session.exec(
                delete(UploadFragment).where(col(UploadFragment.upload_id) == upload_id)
            )
        session.add_all(progress.parts)
        if progress.fragment is not None:
            session.add(progress.fragment)
        return True

    return await in_transaction(sessions, commit)


async def mark(
    session: AsyncSession,
    upload_id: uuid.UUID,
    state: str,
    *,
    from_states: tuple[str, ...] = ("receiving",),
    **values: object,
) -> bool:
    """Move the upload to `state` if it is in one of `from_states`; whether it moved. An upload
    that stops receiving has no fragments left to track (the caller frees their objects)."""
    stmt = (
        update(Upload)
        .where(col(Upload.id) == upload_id, col(Upload.state).in_(from_states))
        .values(state=state, updated_at=utcnow(), **values)
    )
    moved = (await session.exec(stmt)).rowcount == 1  # type: ignore[call-overload]
    if moved and state != "receiving":
        await session.exec(delete(UploadFragment).where(col(UploadFragment.upload_id) == upload_id))
    return moved
