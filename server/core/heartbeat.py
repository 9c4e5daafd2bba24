"""The change feed's heartbeat: a listener that stopped hearing is noticed within seconds.

A listening connection can go deaf without an error: a NAT or a pooler drops the route and the
socket stays open (half-open). So every EVERY seconds the process notifies itself
(`ping:<feed>:<n>`) through its read pool, as any other writer would; a heartbeat that has not
come back within TIMEOUT seconds, or that cannot be sent for that long, makes the listener deaf
(server.core.changefeed).
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from server.core.sql import RawReader

__all__ = ["EVERY", "TIMEOUT", "FeedLost", "Heartbeat", "answered"]

log = logging.getLogger(__name__)

EVERY = 1.0  # a heartbeat is sent this often (seconds)...
TIMEOUT = 4.0  # ...and must be back this soon, or the listener is deaf
_PING = "SELECT pg_notify({p}, {p})"


class FeedLost(Exception):
    """The listener stopped hearing the database (its heartbeat did not come back)."""


async def answered(conn: psycopg.AsyncConnection, request: Awaitable[Any], seconds: float) -> Any:
    """`request` on `conn`, or FeedLost when no answer comes within `seconds`: a deaf connection
    never answers. The connection is closed first, so that giving up waits for nothing more
    (cancelling a statement in flight would first ask the server to cancel it)."""
    task = asyncio.ensure_future(request)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        await conn.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise FeedLost(f"no answer within {seconds:.0f} s")
    return task.result()


class Heartbeat:
    """Pings sent and heard back; `deaf()` says why the listener cannot be trusted, if so."""

    def __init__(
        self,
        reader: RawReader,
        channel: str,
        me: str,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        self._reader = reader
        self._channel = channel
        self._me = me
        self._spawn = spawn
        self._seq = 0
        self._sending = False
        self._pending: deque[tuple[int, float]] = deque()  # (n, sent at) not yet back
        self._back = 0  # the newest n that came back
        self._failing_since: float | None = None
        self.ms: float | None = None  # the last round trip

    def reset(self) -> None:
        """A new listening connection: nothing it missed is waited for."""
        self._pending.clear()
        self._back = self._seq
        self._failing_since = None

    def send(self) -> None:
        if not self._sending:
            self._sending = True
            self._spawn(self._send())

    async def _send(self) -> None:
        self._seq += 1
        n, asked = self._seq, time.monotonic()
        try:
            await self._reader.rows(_PING, self._channel, f"ping:{self._me}:{n}")
        except Exception as exc:
            if self._failing_since is None:
                self._failing_since = asked
            log.warning("the change feed's heartbeat could not be sent: %s", exc)
            return
        finally:
            self._sending = False
        self._failing_since = None
        if n > self._back:  # not already back (it may overtake this answer)
            self._pending.append((n, asked))

    def heard(self, key: str) -> None:
        """A `ping` note: ours when it names this feed."""
        me, _, n = key.partition(":")
        if me != self._me or not n.isdigit():
            return  # another process's heartbeat
        back = int(n)
        self._back = max(self._back, back)
        now = time.monotonic()
        while self._pending and self._pending[0][0] <= back:
            sent, asked = self._pending.popleft()
            if sent == back:
                self.ms = round((now - asked) * 1000, 1)

    def deaf(self, now: float) -> str | None:
        """Why the listener cannot be trusted to have heard every change, or None."""
        if self._pending and now - self._pending[0][1] > TIMEOUT:
            return f"no heartbeat back for {now - self._pending[0][1]:.1f} s"
        failing = self._failing_since
        if failing is not None and now - failing > TIMEOUT:
            return "the heartbeat cannot be sent"
        return None
