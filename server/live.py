"""In-memory replicas of the hottest reads, kept fresh by PostgreSQL (LISTEN/NOTIFY).

Three requests dwarf all others: the session check of every signed-in request, the phones'
morning download of their day packets, and a passer-by's scan of a merchant's code. On
PostgreSQL each of them would otherwise cost a round trip. Database triggers (the `day_packets`
migration) notify the channel `onevisit_changes` with `kind:key` whenever a session, an officer,
a plan, a kept packet or anything a public page shows changes, whichever process or statement
writes it; every app process listens and drops (and, where cheap, re-reads) what changed.

A replica answers only while this process listens (after a reconnect every replica starts
empty) and not within `LOCAL_GRACE` seconds of a commit made by this very process, so that a
client reads its own writes even before the notification is back. A miss, or any doubt, goes to
the database, which stays the authority.

SQLite has no notifications, and its reads are in-process anyway; only scanned pages are kept,
and all of them are dropped as soon as `PRAGMA data_version` says any connection committed.
"""

import asyncio
import gzip
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from server.auth.principal import Principal
from server.auth.service import LIVE_SESSIONS, principal_from_row
from server.core.clock import local_today, utcnow
from server.inspections.packets import DAY_ROUTES
from server.rawsql import RawReader, as_uuid

__all__ = ["CHANNEL", "LOCAL_GRACE", "MISSING", "LiveFeed", "Replica"]

log = logging.getLogger(__name__)

CHANNEL = "onevisit_changes"
LOCAL_GRACE = 0.5  # seconds after this process commits during which replicas are not asked
RECONNECT_SECONDS = 1.0
MISSING: Any = object()

_SESSION = LIVE_SESSIONS + " AND s.token_hash = {p}"
_PACKETS = """
SELECT route_id, etag, body FROM day_packet
WHERE day >= {p} AND body IS NOT NULL AND built_gen = gen
"""
_PACKET = _PACKETS + " AND route_id = {p}"


class Replica:
    """Entries that change notifications drop. A value read from the database is kept only if
    its key was not dropped (and the replica not cleared) since `mark()` was taken before the
    read, so a read that raced a change never outlives it."""

    def __init__(self, size: int = 100_000) -> None:
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self._epoch = 0  # bumped by clear() and drop_where(): every read in flight is void
        self._seq = 0  # bumped by each drop()
        self._dropped: dict[Any, int] = {}  # key -> seq of its latest drop

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Any) -> Any:
        return self._data.get(key, MISSING)

    def mark(self) -> tuple[int, int]:
        return self._epoch, self._seq

    def put(self, key: Any, value: Any, mark: tuple[int, int]) -> None:
        epoch, seq = mark
        if epoch != self._epoch or self._dropped.get(key, -1) >= seq:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self._size:
            self._data.popitem(last=False)

    def drop(self, key: Any) -> None:
        if len(self._dropped) >= self._size:
            self.clear()
        self._dropped[key] = self._seq
        self._seq += 1
        self._data.pop(key, None)

    def drop_where(self, test: Callable[[Any, Any], bool]) -> None:
        self._epoch += 1
        for key in [k for k, v in self._data.items() if test(k, v)]:
            del self._data[key]

    def clear(self) -> None:
        self._epoch += 1
        self._dropped.clear()
        self._data.clear()


@dataclass(frozen=True)
class PageEntry:
    merchant_id: uuid.UUID
    body: bytes
    gzipped: bytes  # for the weak networks scans come over
    until: float  # monotonic: results published at a set time show by then


class LiveFeed:
    """This process's listener and its replicas (sessions, day routes and packets, pages)."""

    def __init__(self, database_url: str, reader: RawReader, *, page_seconds: float) -> None:
        self.enabled = not database_url.startswith("sqlite")
        self._data_version: int | None = None
        self._url = make_url(database_url).set(drivername="postgresql")
        self._reader = reader
        self.page_seconds = page_seconds
        self.sessions = Replica()
        self.routes = Replica()  # (user id, day) -> route id, or None for no route that day
        self.routes_loaded: set[date] = set()
        self.packets = Replica()  # route id -> (etag, gzipped body)
        self.pages = Replica(size=20_000)  # code token -> PageEntry
        self._listening = False
        self._quiet_until = 0.0
        self._task: asyncio.Task | None = None
        self._jobs: set[asyncio.Task] = set()
        self._handlers: dict[str, Callable[[str], None]] = {
            "session": self._on_session,
            "user": lambda _: self.sessions.clear(),
            "plan": self._on_plan,
            "packet": self._on_packet,
            "merchant": self._on_merchant,
        }

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self.enabled:
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        # Only this loop's tasks: a test client may have run the app's start-up in another loop.
        mine = [t for t in (self._task, *self._jobs) if t is not None and t.get_loop() is loop]
        for task in mine:
            task.cancel()
        await asyncio.gather(*mine, return_exceptions=True)
        self._listening = False

    @property
    def usable(self) -> bool:
        if not self.enabled:
            return self._sqlite_unchanged()
        return self._listening and time.monotonic() >= self._quiet_until

    def _sqlite_unchanged(self) -> bool:
        version = self._reader.data_version()
        if version != self._data_version:
            self._clear()
            self._data_version = version
        return True

    def wrote(self) -> None:
        """This process committed a change: read the database until the echo is surely back."""
        self._quiet_until = time.monotonic() + LOCAL_GRACE

    async def _listen(self) -> None:
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url.render_as_string(hide_password=False), autocommit=True
                )
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._clear()
                    self._listening = True
                    self._spawn(self._preload())
                    async for note in conn.notifies():
                        kind, _, key = note.payload.partition(":")
                        handler = self._handlers.get(kind)
                        if handler is not None:
                            handler(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: the replicas stop answering
                log.warning("change feed lost (%s); reading the database until it is back", exc)
            self._listening = False
            self._clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    def _clear(self) -> None:
        for replica in (self.sessions, self.routes, self.packets, self.pages):
            replica.clear()
        self.routes_loaded.clear()

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._jobs.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._jobs.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("replica refresh failed: %s", task.exception())

    async def _preload(self) -> None:
        """Every live session, today's and tomorrow's routes and their kept packets."""
        marks = self.sessions.mark(), self.packets.mark()
        now = utcnow()
        for row in await self._reader.rows(LIVE_SESSIONS, now):
            self.sessions.put(row[10], (principal_from_row(row), row[9]), marks[0])
        today = local_today()
        for row in await self._reader.rows(_PACKETS, today - timedelta(days=1)):
            self.packets.put(as_uuid(row[0]), (row[1], bytes(row[2])), marks[1])
        for day in (today, today + timedelta(days=1)):
            await self._load_routes(day)

    # -- notifications --------------------------------------------------------------------

    def _on_session(self, token_hash: str) -> None:
        self.sessions.drop(token_hash)
        self._spawn(self._load_session(token_hash))

    async def _load_session(self, token_hash: str) -> None:
        mark = self.sessions.mark()
        row = await self._reader.row(_SESSION, utcnow(), token_hash)
        if row is not None:
            self.sessions.put(token_hash, (principal_from_row(row), row[9]), mark)

    def _on_plan(self, day: str) -> None:
        self.routes.clear()
        self.routes_loaded.clear()
        self._spawn(self._load_routes(date.fromisoformat(day)))

    async def _load_routes(self, day: date) -> None:
        mark = self.routes.mark()
        rows = await self._reader.rows(DAY_ROUTES, day)
        if mark != self.routes.mark():
            return
        for user_id, route_id in rows:
            self.routes.put((as_uuid(user_id), day), as_uuid(route_id), mark)
        self.routes_loaded.add(day)

    def _on_packet(self, route_id: str) -> None:
        route = uuid.UUID(route_id)
        self.packets.drop(route)
        self._spawn(self._load_packet(route))

    async def _load_packet(self, route_id: uuid.UUID) -> None:
        mark = self.packets.mark()
        row = await self._reader.row(_PACKET, local_today() - timedelta(days=1), route_id)
        if row is not None:
            self.packets.put(route_id, (row[1], bytes(row[2])), mark)

    def _on_merchant(self, merchant_id: str) -> None:
        if merchant_id == "*":
            self.pages.clear()
            return
        changed = uuid.UUID(merchant_id)
        self.pages.drop_where(lambda _, entry: entry.merchant_id == changed)

    # -- reads ----------------------------------------------------------------------------

    def principal(self, token_hash: str, now: datetime) -> Principal | None:
        """The live session's principal from the replica, or None (ask the database)."""
        if not self.usable:
            return None
        found = self.sessions.get(token_hash)
        if found is MISSING or found[1] <= now:
            return None
        return found[0]

    def route(self, user_id: uuid.UUID, day: date) -> Any:
        """The user's route id that day, None for no route, MISSING when not known here."""
        if not self.usable:
            return MISSING
        found = self.routes.get((user_id, day))
        if found is MISSING and day in self.routes_loaded:
            return None
        return found

    def packet(self, route_id: uuid.UUID) -> tuple[str, bytes] | None:
        if not self.usable:
            return None
        found = self.packets.get(route_id)
        return None if found is MISSING else found

    def page(self, token: str) -> PageEntry | None:
        if not self.usable:
            return None
        found = self.pages.get(token)
        if found is MISSING or found.until < time.monotonic():
            return None
        return found

    def keep_page(
        self, token: str, merchant_id: uuid.UUID, body: bytes, mark: tuple[int, int]
    ) -> None:
        if self.usable and self.page_seconds > 0:
            until = time.monotonic() + self.page_seconds
            self.pages.put(token, PageEntry(merchant_id, body, gzip.compress(body, 6), until), mark)
