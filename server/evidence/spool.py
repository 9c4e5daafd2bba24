"""A per-process budget for upload buffers, so many uploads at once cannot exhaust memory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

__all__ = ["SpoolBudget"]


class SpoolBudget:
    """Bytes that upload buffers may hold at once; a request waits for its share (the phone's
    TCP window then slows it) rather than the process growing without bound."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.used = capacity, 0
        self._freed = anyio.Condition()

    @asynccontextmanager
    async def reserve(self, size: int) -> AsyncIterator[None]:
        """Hold `size` bytes of the budget (a request larger than the whole budget gets it all)."""
        size = min(size, self.capacity)
        async with self._freed:
            while self.used + size > self.capacity:
                await self._freed.wait()
            self.used += size
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                async with self._freed:
                    self.used -= size
                    self._freed.notify_all()
