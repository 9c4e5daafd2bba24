"""The change feed: PostgreSQL's LISTEN/NOTIFY, heard by every app process, for its caches.

Database triggers notify the channel `onevisit_changes` with `kind:key` whenever a row that a
cache keeps changes, whichever process or statement writes it (server/migrations/). The feed
knows no domain: each cache registers with it (`follow`) for the kinds of note it keeps, and is
told of each change to drop (and, where cheap, read again) what the note names, told to forget
everything when the listener has to connect again, and asked to load what it keeps ahead.

A cache answers only while the feed is `usable`: it listens, every cache has loaded since it
last connected, and its heartbeat comes back (server.core.heartbeat: a listener can go deaf with
no error); otherwise the connection is replaced, the caches start empty and load again, with a
growing wait until that succeeds. A miss, or any doubt, goes to the database, the authority.

This process's own commits are followed more closely than anyone else's: the keys a commit
touched are held, in every cache, until the commit's echo is back (server.core.local_writes).
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable
from contextlib import aclosing
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import make_url

from server.core import heartbeat
from server.core.db import pg_connect_args
from server.core.local_writes import ALL, LOCAL_WRITES, Holds, Note
from server.core.sql import RawReader

__all__ = ["CHANNEL", "MAX_AGE_SECONDS", "ChangeFeed", "Follower"]

log = logging.getLogger(__name__)

CHANNEL = "onevisit_changes"
RECONNECT_SECONDS = 1.0
RELOAD_WAIT = (0.2, 10.0)  # first and longest wait before loading again after a failure
MAX_AGE_SECONDS = 60.0  # default age at which a kept entry is read again
# The trigger function that lists a transaction's notes for its own process (local_writes).
_NOTES_FUNCTION = "SELECT to_regprocedure('live_note(text)') IS NOT NULL"


class Follower(Protocol):
    """A cache kept current by the feed."""

    kinds: tuple[str, ...]  # the kinds of note it follows

    def changed(self, kind: str, key: str, *, reload: bool) -> None:
        """Drop what the note names (`*`: everything of that kind); with `reload`, read it again."""
        ...

    def clear(self) -> None:
        """Forget everything (the listener may have missed notes)."""
        ...

    async def load(self) -> None:
        """Read what is kept ahead (after each connect)."""
        ...

    def sizes(self) -> dict[str, int]:
        """How many entries it keeps, by name (for /healthz)."""
        ...


class ChangeFeed:
    """This process's listener, the caches that follow it and the holds of its own commits."""

    def __init__(self, database_url: str, reader: RawReader, *, max_age: float = MAX_AGE_SECONDS):
        self.enabled = not database_url.startswith("sqlite")
        self.max_age = max_age
        self.holds = Holds()
        self._url = make_url(database_url).set(drivername="postgresql")
        self._connect_args = pg_connect_args(database_url, "listener") if self.enabled else {}
        self._reader = reader
        self._me = uuid.uuid4().hex[:16]
        self._heartbeat = heartbeat.Heartbeat(reader, CHANNEL, self._me, self.spawn)
        self._followers: dict[str, Follower] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listening = False
        self._loaded = False
        self._task: asyncio.Task | None = None
        self._reload_task: asyncio.Task | None = None
        self._jobs: set[asyncio.Task] = set()
        self._state = "starting"
        self._state_since = time.monotonic()
        self._error: str | None = None

    def follow(self, follower: Follower) -> None:
        for kind in follower.kinds:
            self._followers[kind] = follower

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self.enabled:
            self._loop = asyncio.get_running_loop()
            # What each commit of this process touches is held until its echo is back.
            LOCAL_WRITES.join(self, CHANNEL)
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        LOCAL_WRITES.leave(self)
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
        """Whether the caches may answer: listening, loaded and not deaf."""
        return self._listening and self._loaded and self._heartbeat.deaf(time.monotonic()) is None

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def active(self) -> bool:
        """Whether it can still hold what this process commits (its event loop runs)."""
        return self._loop is not None and not self._loop.is_closed()

    def held(self, kind: str, key: str) -> bool:
        """Whether a commit of this process touched `kind:key` and its echo is not back yet."""
        return self.holds.held(kind, key)

    def spawn(self, job: Awaitable[None]) -> None:
        """Run a refresh in the background; its failure is only logged."""
        task = asyncio.ensure_future(job)
        self._jobs.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._jobs.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("cache refresh failed: %s", task.exception())

    def status(self) -> dict[str, Any]:
        """What /healthz and /readyz say of the feed: `listening` when the caches answer."""
        if not self.enabled:
            return {"state": "off", "detail": "SQLite: no change feed, nothing kept but pages"}
        state, now = self._state, time.monotonic()
        deaf = self._heartbeat.deaf(now) if state == "listening" else None
        if deaf is not None:
            state = "deaf"
        kept: dict[str, int] = {}
        for follower in {id(f): f for f in self._followers.values()}.values():
            kept.update(follower.sizes())
        body: dict[str, Any] = {
            "state": state,
            "for_seconds": round(now - self._state_since, 1),
            "heartbeat_ms": self._heartbeat.ms,
            "kept": kept,
            "holding": len(self.holds),
        }
        if deaf or self._error:
            body["error"] = deaf or self._error
        return body

    def _set_state(self, state: str, error: str | None = None) -> None:
        self._state = state
        self._state_since = time.monotonic()
        self._error = error

    # -- the listener ---------------------------------------------------------------------

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
                await heartbeat.answered(conn, conn.execute(f"LISTEN {CHANNEL}"), heartbeat.TIMEOUT)
                self._clear()
                self._heartbeat.reset()
                self._listening = True
                self._set_state("loading")
                self._reload_task = asyncio.create_task(self._reload())
                await self._receive(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: the caches stop answering
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
        """Hand each note on; every heartbeat.EVERY seconds check and send a heartbeat."""
        self._heartbeat.send()
        while True:
            due = time.monotonic() + heartbeat.EVERY
            async with aclosing(conn.notifies(timeout=heartbeat.EVERY)) as notes:
                async for note in notes:
                    self._note(note.payload)
                    if time.monotonic() >= due:
                        break
            deaf = self._heartbeat.deaf(time.monotonic())
            if deaf is not None:
                raise heartbeat.FeedLost(deaf)
            for commit in self.holds.overdue():  # a commit that failed sends no echo
                self._release(commit)
            self._heartbeat.send()

    def _note(self, payload: str) -> None:
        kind, _, key = payload.partition(":")
        if kind == "ping":
            self._heartbeat.heard(key)
        elif kind == "echo":
            writer, _, commit = key.partition(":")
            if writer == LOCAL_WRITES.id and commit.isdigit():
                self._release(int(commit))
        elif (follower := self._followers.get(kind)) is not None:
            # A key this process is still holding is read again once its echo is back.
            follower.changed(kind, key, reload=not self.holds.held(kind, key))

    def _clear(self) -> None:
        for follower in self._followers.values():
            follower.clear()

    async def _reload(self) -> None:
        """Load what the caches keep, retrying with a growing wait until it succeeds; they
        answer only once it has."""
        wait, longest = RELOAD_WAIT
        while True:
            try:
                await self._load()
            except Exception as exc:
                log.warning("loading the caches failed (%s); again in %.1f s", exc, wait)
                self._error = f"reload failed: {type(exc).__name__}: {exc}"[:300]
                await asyncio.sleep(wait)
                wait = min(wait * 2, longest)
                continue
            self._loaded = True
            self._set_state("listening")
            return

    async def _load(self) -> None:
        [(migrated,)] = await self._reader.rows(_NOTES_FUNCTION)
        if not migrated:  # without it this process's own writes could not be held
            raise RuntimeError("the database lacks live_note(): run `onevisit db upgrade`")
        for follower in {id(f): f for f in self._followers.values()}.values():
            await follower.load()

    # -- this process's commits (server.core.local_writes) ---------------------------------

    def hold(self, commit: int, notes: list[Note]) -> None:
        """A commit of this process is about to make these changes: drop them everywhere now,
        and keep them out of every cache until its echo is back. From another thread than the
        caches' (an engine of the process used outside the event loop) the drop is queued on
        the loop before the commit goes ahead, so it comes before any request that follows."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            here = asyncio.get_running_loop() is loop
        except RuntimeError:
            here = False
        if here:
            self._hold_now(commit, notes)
        else:
            loop.call_soon_threadsafe(self._hold_now, commit, notes)

    def _hold_now(self, commit: int, notes: list[Note]) -> None:
        self.holds.add(commit, notes)
        for kind, key in self._each_kind(notes):
            self._followers[kind].changed(kind, key, reload=False)

    def _release(self, commit: int) -> None:
        for kind, key in self._each_kind(self.holds.release(commit)):
            self._followers[kind].changed(kind, key, reload=True)

    def _each_kind(self, notes: list[Note]) -> list[Note]:
        """The notes that name a followed kind, `ALL` as each followed kind's `*`."""
        if ALL in notes:
            return [(kind, "*") for kind in self._followers]
        return [(kind, key) for kind, key in notes if kind in self._followers]
