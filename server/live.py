"""In-memory replicas of the hottest reads, kept fresh by PostgreSQL (LISTEN/NOTIFY).

Three requests dwarf all others: the session check of every signed-in request, the phones'
morning download of their day packets, and a passer-by's scan of a merchant's code. On
PostgreSQL each of them would otherwise cost a round trip. Database triggers (the `day_packets`
migration) notify the channel `onevisit_changes` with `kind:key` whenever a session, an officer,
a plan, a kept packet or anything a public page shows changes, whichever process or statement
writes it; every app process listens and drops (and, where cheap, re-reads) what changed.

A replica answers only while this process listens, has reloaded what it keeps since it last
connected, and hears its own heartbeat; and not within `LOCAL_GRACE` seconds of a commit made by
this very process, so that a client reads its own writes even before the notification is back.
A miss, or any doubt, goes to the database, which stays the authority.

A listening connection can go deaf without an error: a NAT or a pooler drops the route and the
socket stays open (half-open). So every `HEARTBEAT_SECONDS` the process notifies itself through
the database (from its read pool, as any other writer would), and a heartbeat that has not come
back within `HEARTBEAT_TIMEOUT` seconds turns the replicas off at once and the connection is
replaced. After a reconnect the replicas start empty and are reloaded, again and again with a
growing wait until the reload succeeds. Writes that skip the row triggers are announced as
`kind:*` by statement triggers (TRUNCATE), and whatever no trigger announces at all (a restore
with triggers disabled) is bounded by the maximum age of every kept entry (`LIVE_MAX_AGE_SECONDS`):
an older entry is read again from the database.

SQLite has no notifications, and its reads are in-process anyway; only scanned pages are kept,
and all of them are dropped as soon as `PRAGMA data_version` says any connection committed.
"""

import asyncio
import gzip
import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from server.auth.service import LIVE_SESSIONS, principal_from_row
from server.core.clock import local_today, utcnow
from server.core.db import pg_connect_args
from server.core.principal import Principal
from server.core.sql import RawReader, as_uuid
from server.packets.store import DAY_ROUTES

__all__ = ["CHANNEL", "LOCAL_GRACE", "MISSING", "LiveFeed", "Replica"]

log = logging.getLogger(__name__)

CHANNEL = "onevisit_changes"
LOCAL_GRACE = 0.5  # seconds after this process commits during which replicas are not asked
RECONNECT_SECONDS = 1.0
HEARTBEAT_SECONDS = 1.0  # a heartbeat is sent this often...
HEARTBEAT_TIMEOUT = 4.0  # ...and must be back this soon, or the listener is deaf
RELOAD_WAIT = (0.2, 10.0)  # first and longest wait before reloading again after a failure
MAX_AGE_SECONDS = 60.0  # default age at which a kept entry is read again
MISSING: Any = object()

_SESSION = LIVE_SESSIONS + " AND s.token_hash = {p}"
_USER_SESSIONS = LIVE_SESSIONS + " AND u.id = {p}"
_PING = "SELECT pg_notify({p}, {p})"
_PACKETS = """
SELECT route_id, etag, body FROM day_packet
WHERE day >= {p} AND body IS NOT NULL AND built_gen = gen
"""
_PACKET = _PACKETS + " AND route_id = {p}"


class Replica:
    """Entries that change notifications drop. A value read from the database is kept only if
    its key was not dropped (and the replica not cleared) since `mark()` was taken before the
    read, so a read that raced a change never outlives it. With `max_age`, an entry kept longer
    than that many seconds is forgotten when next asked for, and `on_expire(key)` is told (to
    read it again)."""

    def __init__(
        self,
        size: int = 100_000,
        *,
        max_age: float | None = None,
        on_expire: Callable[[Any], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._data: OrderedDict[Any, tuple[Any, float]] = OrderedDict()  # key -> (value, kept at)
        self._size = size
        self._max_age = max_age
        self._on_expire = on_expire
        self._clock = clock
        self._epoch = 0  # bumped by clear() and drop_where(): every read in flight is void
        self._seq = 0  # bumped by each drop()
        self._dropped: dict[Any, int] = {}  # key -> seq of its latest drop

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Any) -> Any:
        found = self._data.get(key)
        if found is None:
            return MISSING
        value, kept_at = found
        if self._max_age is not None and self._clock() - kept_at > self._max_age:
            del self._data[key]
            if self._on_expire is not None:
                self._on_expire(key)
            return MISSING
        return value

    def keys(self) -> list[Any]:
        return list(self._data)

    def mark(self) -> tuple[int, int]:
        return self._epoch, self._seq

    def put(self, key: Any, value: Any, mark: tuple[int, int]) -> None:
        epoch, seq = mark
        if epoch != self._epoch or self._dropped.get(key, -1) >= seq:
            return
        self._data[key] = (value, self._clock())
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
        for key in [k for k, (v, _) in self._data.items() if test(k, v)]:
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


class FeedLost(Exception):
    """The listener stopped hearing the database (its heartbeat did not come back)."""


async def _answered(conn: psycopg.AsyncConnection, request: Awaitable[Any], seconds: float) -> Any:
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


class LiveFeed:
    """This process's listener and its replicas (sessions, day routes and packets, pages)."""

    def __init__(
        self,
        database_url: str,
        reader: RawReader,
        *,
        page_seconds: float,
        max_age: float = MAX_AGE_SECONDS,
    ) -> None:
        self.enabled = not database_url.startswith("sqlite")
        self._data_version: int | None = None
        self._url = make_url(database_url).set(drivername="postgresql")
        self._connect_args = pg_connect_args(database_url, "listener") if self.enabled else {}
        self._reader = reader
        self.page_seconds = page_seconds
        self.max_age = max_age
        self.sessions = Replica(max_age=max_age, on_expire=self._session_expired)
        # (user id, day) -> route id, or None for no route that day
        self.routes = Replica(max_age=max_age, on_expire=lambda key: self._reload_day(key[1]))
        self.routes_loaded: dict[date, float] = {}  # day -> when its routes were read (monotonic)
        self.packets = Replica(max_age=max_age, on_expire=self._packet_expired)  # route id -> ...
        self.pages = Replica(size=20_000)  # code token -> PageEntry (each with its own `until`)
        self._listening = False
        self._loaded = False
        self._quiet_until = 0.0
        self._task: asyncio.Task | None = None
        self._reload_task: asyncio.Task | None = None
        self._jobs: set[asyncio.Task] = set()
        self._days_loading: set[date] = set()
        self._state = "starting"
        self._state_since = time.monotonic()
        self._error: str | None = None
        # The heartbeat: notes "ping:<this feed>:<n>" sent through the read pool.
        self._me = uuid.uuid4().hex[:16]
        self._ping_seq = 0
        self._pinging = False
        self._pings: deque[tuple[int, float]] = deque()  # (n, sent at) not yet back
        self._pinged_back = 0  # the newest n that came back
        self._ping_failing_since: float | None = None
        self._heartbeat_ms: float | None = None
        self._handlers: dict[str, Callable[[str], None]] = {
            "session": self._on_session,
            "user": self._on_user,
            "plan": self._on_plan,
            "packet": self._on_packet,
            "merchant": self._on_merchant,
            "ping": self._on_ping,
        }

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self.enabled:
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        # Only this loop's tasks: a test client may have run the app's start-up in another loop.
        tasks = (self._task, self._reload_task, *self._jobs)
        mine = [t for t in tasks if t is not None and t.get_loop() is loop]
        for task in mine:
            task.cancel()
        await asyncio.gather(*mine, return_exceptions=True)
        self._listening = False

    @property
    def usable(self) -> bool:
        if not self.enabled:
            return self._sqlite_unchanged()
        if not (self._listening and self._loaded):
            return False
        now = time.monotonic()
        return now >= self._quiet_until and self._deaf(now) is None

    def _sqlite_unchanged(self) -> bool:
        version = self._reader.data_version()
        if version != self._data_version:
            self._clear()
            self._data_version = version
        return True

    def wrote(self) -> None:
        """This process committed a change: read the database until the echo is surely back."""
        self._quiet_until = time.monotonic() + LOCAL_GRACE

    def status(self) -> dict[str, Any]:
        """What /healthz and /readyz say of the feed: `listening` when the replicas answer."""
        if not self.enabled:
            return {"state": "off", "detail": "SQLite: no change feed, nothing kept but pages"}
        state = self._state
        now = time.monotonic()
        deaf = self._deaf(now) if state == "listening" else None
        if deaf is not None:
            state = "deaf"
        body: dict[str, Any] = {
            "state": state,
            "for_seconds": round(now - self._state_since, 1),
            "heartbeat_ms": self._heartbeat_ms,
            "kept": {
                "sessions": len(self.sessions),
                "routes": len(self.routes),
                "packets": len(self.packets),
                "pages": len(self.pages),
            },
        }
        if deaf or self._error:
            body["error"] = deaf or self._error
        return body

    def _set_state(self, state: str, error: str | None = None) -> None:
        self._state = state
        self._state_since = time.monotonic()
        self._error = error

    async def _listen(self) -> None:
        while True:
            conn: psycopg.AsyncConnection | None = None
            try:
                self._set_state("connecting", self._error)
                conn = await psycopg.AsyncConnection.connect(
                    self._url.render_as_string(hide_password=False),
                    autocommit=True,
                    **self._connect_args,
                )
                await _answered(conn, conn.execute(f"LISTEN {CHANNEL}"), HEARTBEAT_TIMEOUT)
                self._clear()
                self._reset_heartbeat()
                self._listening = True
                self._set_state("loading")
                self._reload_task = asyncio.create_task(self._reload())
                await self._receive(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: the replicas stop answering
                log.warning("change feed lost (%s); reading the database until it is back", exc)
                self._set_state("reconnecting", f"{type(exc).__name__}: {exc}"[:300])
            finally:
                self._listening = False
                self._loaded = False
                if self._reload_task is not None:
                    self._reload_task.cancel()
                    self._reload_task = None
                self._clear()
                if conn is not None:
                    # Never a rollback or anything else that waits for an answer: a deaf
                    # connection would never give one.
                    await conn.close()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _receive(self, conn: psycopg.AsyncConnection) -> None:
        """Hand each note to its handler; every HEARTBEAT_SECONDS check and send a heartbeat."""
        self._ping()
        while True:
            due = time.monotonic() + HEARTBEAT_SECONDS
            async with aclosing(conn.notifies(timeout=HEARTBEAT_SECONDS)) as notes:
                async for note in notes:
                    kind, _, key = note.payload.partition(":")
                    handler = self._handlers.get(kind)
                    if handler is not None:
                        handler(key)
                    if time.monotonic() >= due:
                        break
            deaf = self._deaf(time.monotonic())
            if deaf is not None:
                raise FeedLost(deaf)
            self._ping()

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

    async def _reload(self) -> None:
        """Load what the replicas keep, retrying with a growing wait until it succeeds; the
        replicas answer only once it has."""
        wait, longest = RELOAD_WAIT
        while True:
            try:
                await self._preload()
            except Exception as exc:
                log.warning("reloading the replicas failed (%s); again in %.1f s", exc, wait)
                self._error = f"reload failed: {type(exc).__name__}: {exc}"[:300]
                await asyncio.sleep(wait)
                wait = min(wait * 2, longest)
                continue
            self._loaded = True
            self._set_state("listening")
            return

    async def _preload(self) -> None:
        """Every live session, today's and tomorrow's routes and their kept packets."""
        await self._load_sessions()
        await self._load_packets()
        today = local_today()
        for day in (today, today + timedelta(days=1)):
            await self._load_routes(day)

    # -- heartbeat ------------------------------------------------------------------------

    def _reset_heartbeat(self) -> None:
        self._pings.clear()
        self._pinged_back = self._ping_seq
        self._ping_failing_since = None

    def _ping(self) -> None:
        if not self._pinging:
            self._pinging = True
            self._spawn(self._send_ping())

    async def _send_ping(self) -> None:
        self._ping_seq += 1
        n, asked = self._ping_seq, time.monotonic()
        try:
            await self._reader.rows(_PING, CHANNEL, f"ping:{self._me}:{n}")
        except Exception as exc:
            if self._ping_failing_since is None:
                self._ping_failing_since = asked
            log.warning("the change feed's heartbeat could not be sent: %s", exc)
            return
        finally:
            self._pinging = False
        self._ping_failing_since = None
        if n > self._pinged_back:  # not already back (it may overtake this answer)
            self._pings.append((n, asked))

    def _on_ping(self, key: str) -> None:
        me, _, n = key.partition(":")
        if me != self._me or not n.isdigit():
            return  # another process's heartbeat
        back = int(n)
        self._pinged_back = max(self._pinged_back, back)
        now = time.monotonic()
        while self._pings and self._pings[0][0] <= back:
            sent, asked = self._pings.popleft()
            if sent == back:
                self._heartbeat_ms = round((now - asked) * 1000, 1)

    def _deaf(self, now: float) -> str | None:
        """Why the listener cannot be trusted to have heard every change, or None."""
        if self._pings and now - self._pings[0][1] > HEARTBEAT_TIMEOUT:
            return f"no heartbeat back for {now - self._pings[0][1]:.1f} s"
        failing = self._ping_failing_since
        if failing is not None and now - failing > HEARTBEAT_TIMEOUT:
            return "the heartbeat cannot be sent"
        return None

    # -- notifications --------------------------------------------------------------------

    def _on_session(self, token_hash: str) -> None:
        if token_hash == "*":  # sessions emptied by a statement (TRUNCATE)
            self.sessions.clear()
            self._spawn(self._load_sessions())
            return
        self.sessions.drop(token_hash)
        self._spawn(self._load_session(token_hash))

    def _session_expired(self, token_hash: str) -> None:
        if self._listening:
            self._spawn(self._load_session(token_hash))

    async def _load_session(self, token_hash: str) -> None:
        mark = self.sessions.mark()
        row = await self._reader.row(_SESSION, utcnow(), token_hash)
        if row is not None:
            self.sessions.put(token_hash, (principal_from_row(row), row[9]), mark)

    async def _load_sessions(self, user_id: uuid.UUID | None = None) -> None:
        """Every live session, or every live session of one user."""
        mark = self.sessions.mark()
        if user_id is None:
            rows = await self._reader.rows(LIVE_SESSIONS, utcnow())
        else:
            rows = await self._reader.rows(_USER_SESSIONS, utcnow(), user_id)
        for row in rows:
            self.sessions.put(row[10], (principal_from_row(row), row[9]), mark)

    def _on_user(self, user_id: str) -> None:
        if user_id == "*":
            self.sessions.clear()
            self._spawn(self._load_sessions())
            return
        user = uuid.UUID(user_id)
        self.sessions.drop_where(lambda _, found: found[0].id == user)
        self._spawn(self._load_sessions(user))

    def _on_plan(self, day: str) -> None:
        days = set(self.routes_loaded)
        if day != "*":
            days.add(date.fromisoformat(day))
        self.routes.clear()
        self.routes_loaded.clear()
        for each in sorted(days) or [local_today(), local_today() + timedelta(days=1)]:
            self._spawn(self._load_routes(each))

    def _reload_day(self, day: date) -> None:
        """A day's routes outlived the maximum age: forget them and read them again."""
        self.routes_loaded.pop(day, None)
        self.routes.drop_where(lambda key, _: key[1] == day)
        if self._listening and day not in self._days_loading:
            self._spawn(self._load_routes(day))

    async def _load_routes(self, day: date) -> None:
        mark = self.routes.mark()
        self._days_loading.add(day)
        try:
            rows = await self._reader.rows(DAY_ROUTES, day)
        finally:
            self._days_loading.discard(day)
        if mark != self.routes.mark():
            return
        for user_id, route_id in rows:
            self.routes.put((as_uuid(user_id), day), as_uuid(route_id), mark)
        self.routes_loaded[day] = time.monotonic()

    def _on_packet(self, route_id: str) -> None:
        if route_id == "*":
            self.packets.clear()
            self._spawn(self._load_packets())
            return
        route = uuid.UUID(route_id)
        self.packets.drop(route)
        self._spawn(self._load_packet(route))

    def _packet_expired(self, route_id: uuid.UUID) -> None:
        if self._listening:
            self._spawn(self._load_packet(route_id))

    async def _load_packet(self, route_id: uuid.UUID) -> None:
        mark = self.packets.mark()
        row = await self._reader.row(_PACKET, local_today() - timedelta(days=1), route_id)
        if row is not None:
            self.packets.put(route_id, (row[1], bytes(row[2])), mark)

    async def _load_packets(self) -> None:
        mark = self.packets.mark()
        for row in await self._reader.rows(_PACKETS, local_today() - timedelta(days=1)):
            self.packets.put(as_uuid(row[0]), (row[1], bytes(row[2])), mark)

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
        loaded = self.routes_loaded.get(day)
        if loaded is not None and time.monotonic() - loaded > self.max_age:
            self._reload_day(day)
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
