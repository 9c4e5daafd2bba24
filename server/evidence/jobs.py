"""Scheduled evidence work, run by `onevisit evidence purge` from cron: each item in a transaction
of its own, so one failure does not undo the rest and a re-run picks up where it stopped. (The
upload housekeeping, `expire-uploads`, is in server/evidence/tus/discard.py.)"""

from contextlib import suppress
from datetime import date

from sqlalchemy.ext.asyncio import async_sessionmaker

from server.core.db import AsyncSession
from server.core.settings import Settings
from server.evidence.retention import PurgeCandidate, due_for_deletion, tombstone
from server.storage import Storage, StorageError

__all__ = ["purge_expired"]


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
