"""A per-process budget for upload buffers and upload slots, shared fairly among the users.

Every PATCH holds a buffer of up to one part (8 MiB) while its body arrives, however slowly it
arrives. Without limits one inspector opening 32 uploads and trickling a few bytes into each held
the whole budget, and every other officer's PATCH waited. So:

- a user may have only so many PATCHes running at once in a process (UPLOAD_SLOTS_PER_USER);
  one more is refused at once with 429, Retry-After and the reason;
- while others wait for the budget, nobody may take more than an equal share of it: freed bytes
  go to those holding less;
- a PATCH waits for its share at most so long (REQUEST_READ_TIMEOUT_SECONDS), then is told to
  come back (503 with Retry-After) rather than hanging; the body's own read timeout lives with
  the tus endpoint.
"""

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from server.evidence.tus.errors import UploadRefused

__all__ = ["SLOT_RETRY_SECONDS", "SpoolBudget"]

SLOT_RETRY_SECONDS = 5  # a phone's own earlier PATCH usually ends within seconds
Owner = uuid.UUID


class SpoolBudget:
    """Bytes that upload buffers may hold at once, and PATCHes per user; a request waits for its
    share (the phone's TCP window then slows it) rather than the process growing without bound."""

    def __init__(self, capacity: int, slots_per_owner: int = 4, wait_seconds: float = 30) -> None:
        self.capacity, self.used = capacity, 0
        self.slots_per_owner, self.wait_seconds = slots_per_owner, wait_seconds
        self.running: Counter[Owner] = Counter()  # PATCHes in progress per user
        self.held: Counter[Owner] = Counter()  # bytes reserved per user
        self.waiting: Counter[Owner] = Counter()  # reservations waiting per user
        self._changed = anyio.Condition()

    @asynccontextmanager
    async def slot(self, owner: Owner) -> AsyncIterator[None]:
        """One of the user's PATCH slots for the length of a request; 429 when all are taken."""
        if self.running[owner] >= self.slots_per_owner:
            raise UploadRefused(
                429,
                "upload.too_many_at_once",
                retry_after=SLOT_RETRY_SECONDS,
                limit=self.slots_per_owner,
            )
        self.running[owner] += 1
        try:
            yield
        finally:
            self.running[owner] -= 1
            if not self.running[owner]:
                del self.running[owner]

    def share(self) -> int:
        """An equal share among the users holding or waiting for the budget."""
        return self.capacity // max(1, len(self.held.keys() | self.waiting.keys()))

    def _may_take(self, owner: Owner, size: int) -> bool:
        if self.used + size > self.capacity:
            return False
        others_wait = any(waiter != owner for waiter in self.waiting)
        # A user's first buffer always may; more than a share only while nobody else waits.
        return not (others_wait and self.held[owner] and self.held[owner] + size > self.share())

    @asynccontextmanager
    async def reserve(self, size: int, owner: Owner) -> AsyncIterator[None]:
        """Hold `size` bytes of the budget (a request larger than the whole budget gets it all);
        503 with Retry-After if the share does not come within `wait_seconds`."""
        size = min(size, self.capacity)
        async with self._changed:
            if not self._may_take(owner, size):
                self.waiting[owner] += 1
                try:
                    with anyio.fail_after(self.wait_seconds):
                        while not self._may_take(owner, size):
                            await self._changed.wait()
                except TimeoutError:
                    raise UploadRefused(
                        503, "upload.spool_busy", retry_after=SLOT_RETRY_SECONDS
                    ) from None
                finally:
                    self.waiting[owner] -= 1
                    if not self.waiting[owner]:
                        del self.waiting[owner]
                    self._changed.notify_all()  # one waiter fewer: shares grow
            self.used += size
            self.held[owner] += size
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                async with self._changed:
                    self.used -= size
                    self.held[owner] -= size
                    if not self.held[owner]:
                        del self.held[owner]
                    self._changed.notify_all()
