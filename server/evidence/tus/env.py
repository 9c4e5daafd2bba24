"""What the tus code needs from the running app: its sessions, storage and settings, and the
process's one budget of upload buffers."""

from dataclasses import dataclass

import anyio
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import async_sessionmaker

from server.core.db import AsyncSession
from server.core.settings import Settings
from server.evidence.tus.spool import SpoolBudget
from server.storage import Storage

__all__ = ["UploadEnv", "upload_env"]


@dataclass(frozen=True)
class UploadEnv:
    """What receiving needs from the running app."""

    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    settings: Settings
    budget: SpoolBudget

    async def run(self, func, *args, **kwargs):
        """Call a blocking storage function in a worker thread."""
        return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))


def upload_env(state: State) -> UploadEnv:
    """The app's sessions, storage and settings, and its one spool budget (made on first use)."""
    budget = state.get("evidence_spool_budget")
    if budget is None:
        settings = state.settings
        budget = SpoolBudget(
            settings.upload_spool_mb * 2**20,
            slots_per_owner=settings.upload_slots_per_user,
            wait_seconds=settings.request_read_timeout_seconds,
        )
        state["evidence_spool_budget"] = budget
    return UploadEnv(state.db_sessionmaker, state.storage, state.settings, budget)
