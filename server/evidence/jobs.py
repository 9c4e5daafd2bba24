"""Scheduled evidence work, run by `onevisit evidence …` from cron: each item in a transaction
of its own, so one failure does not undo the rest and a re-run picks up where it stopped."""

from contextlib import suppress
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select

from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.core.settings import Settings
from server.evidence.retention import PurgeCandidate, due_for_deletion, tombstone
from server.evidence.tus.models import Upload
from server.storage import Storage, StorageError

__all__ = ["purge_expired", "sweep_orphan_multiparts"]


async def purge_expired(
    sessions: async_sessionmaker[AsyncSession],
    storage: Storage,
    settings: Settings,
    today: date,
    *,
    dry_run: bool = False,
) -> list[PurgeCandidate]:
    """Delete evidence past retention that nothing relies on and no hold protects. The record
    is tombstoned (and audited) before the bytes go, so a crash leaves no record without a
    reason; the derived copies go with the original."""
    async with sessions() as session:
        candidates = await due_for_deletion(session, settings, today)
    if dry_run:
        return candidates
    deleted = []
    for candidate in candidates:
        async with sessions() as session, session.begin():
            done = await tombstone(session, candidate, settings, today)
        if done:
            with suppress(StorageError):
                storage.delete(candidate.storage_key)
            deleted.append(candidate)
    return deleted


async def sweep_orphan_multiparts(
    sessions: async_sessionmaker[AsyncSession], storage: Storage, older_than: timedelta
) -> int:
    """Abort multipart uploads under `evidence/` that no receiving upload owns (a process died
    between starting one and recording it)."""
    cutoff = utcnow() - older_than
    async with sessions() as session:
        live = set(
            await session.exec(
                select(Upload.multipart_id).where(
                    Upload.state == "receiving", col(Upload.multipart_id).is_not(None)
                )
            )
        )
    count = 0
    for pending in storage.pending_multiparts("evidence/"):
        started = pending.initiated
        if pending.upload_id in live or (started is not None and started > cutoff):
            continue
        with suppress(StorageError):
            storage.abort_multipart(pending.key, pending.upload_id)
            count += 1
    return count
