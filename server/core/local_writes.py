"""This process's own commits: the keys each one touched are held until its echo is back.

The database triggers that announce a change on the change feed (`live_note`, see
server/migrations/live_notes.py) also list it, as `kind:key`, in the transaction's setting
`onevisit.touched`. Just before a transaction of this process that wrote something commits
(through any of its engines: the app's, or another one the process opened), `LocalWrites` reads
that list and, when anything is on it, notifies `echo:<process>:<n>` in the same transaction,
after every note of it. The keys on the list are then held (`Holds`): every cache drops them at
once and neither answers nor keeps them until the echo comes back through the listener (by then
every note of that commit has been handled, as notes of one transaction arrive in order) or
HOLD_SECONDS have passed (a commit that failed sends no echo). So a client reads its own writes
from the very next request, and every key the commit did not touch goes on answering from
memory.

A statement counts as a write unless it begins with SELECT: triggers fire only on INSERT,
UPDATE, DELETE and TRUNCATE, and the app runs no SELECT that writes through a function.
"""

import itertools
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from sqlalchemy import Engine, event

__all__ = [
    "ALL",
    "HOLD_SECONDS",
    "LOCAL_WRITES",
    "Holder",
    "Holds",
    "LocalWrites",
    "Note",
    "parse_touched",
]

HOLD_SECONDS = 4.0  # a hold whose echo has not come back by then is let go
ALL = ("*", "*")  # the trigger's list grew too long: the commit may have touched anything
Note = tuple[str, str]  # (kind, key), as the change feed names a change

_WROTE = "onevisit_wrote"
_TOUCHED = """
SELECT touched, pg_notify(%s, 'echo:' || %s)
FROM (SELECT current_setting('onevisit.touched', true) AS touched) AS this_transaction
WHERE touched <> ''
"""


def parse_touched(touched: str) -> list[Note]:
    """The notes a transaction's `onevisit.touched` lists ("*" alone: anything)."""
    if touched.strip() == "*":
        return [ALL]
    notes = []
    for item in touched.split():
        kind, _, key = item.partition(":")
        if kind and key:
            notes.append((kind, key))
    return notes


class Holds:
    """Keys touched by this process's commits whose echo is not back yet, by commit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._commits: dict[int, tuple[float, list[Note]]] = {}
        self._count: Counter[Note] = Counter()

    def __len__(self) -> int:
        return len(self._commits)

    def add(self, commit: int, notes: list[Note]) -> None:
        self._commits[commit] = (self._clock(), notes)
        self._count.update(notes)

    def held(self, kind: str, key: str) -> bool:
        count = self._count
        return bool(count) and ((kind, key) in count or (kind, "*") in count or ALL in count)

    def release(self, commit: int) -> list[Note]:
        """Let go of a commit's keys; returns those no other commit still holds."""
        found = self._commits.pop(commit, None)
        if found is None:
            return []
        _, notes = found
        free = []
        for note in notes:
            self._count[note] -= 1
            if self._count[note] <= 0:
                del self._count[note]
                free.append(note)
        return free

    def overdue(self) -> list[int]:
        """The commits held longer than HOLD_SECONDS."""
        now = self._clock()
        return [c for c, (since, _) in self._commits.items() if now - since > HOLD_SECONDS]


class Holder(Protocol):
    """What is told of each commit that touched anything (a change feed)."""

    @property
    def active(self) -> bool:
        """False once it can hold nothing more (its event loop is gone)."""
        ...

    def hold(self, commit: int, notes: list[Note]) -> None: ...


class LocalWrites:
    """This process's commits, through whichever engine (one per process: `LOCAL_WRITES`).

    The engines are watched from the first `join` on; a process with no feed (the command line)
    never pays for it. Each commit that wrote is told, before it commits, to every holder that
    joined, from the committing thread."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex[:16]  # names this process's echoes
        self._commits = itertools.count(1)
        self._holders: list[Holder] = []
        self._channel = ""
        self._watching = False

    def join(self, holder: Holder, channel: str) -> None:
        self._channel = channel
        if not self._watching:
            event.listen(Engine, "before_cursor_execute", _statement)
            event.listen(Engine, "begin", _forget)
            event.listen(Engine, "rollback", _forget)
            event.listen(Engine, "commit", self._committing)
            self._watching = True
        self._holders.append(holder)

    def leave(self, holder: Holder) -> None:
        if holder in self._holders:
            self._holders.remove(holder)

    def _committing(self, conn: Any) -> None:
        """Just before the commit, on its connection: read the touched keys and hold them."""
        if not conn.info.pop(_WROTE, False) or conn.dialect.name != "postgresql":
            return
        holders = self._active()
        # A transaction that already failed commits nothing (its COMMIT is a rollback).
        if not holders or _failed(conn.connection.driver_connection):
            return
        commit = next(self._commits)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(_TOUCHED, (self._channel, f"{self.id}:{commit}"))
            found = cursor.fetchall()
        finally:
            cursor.close()
        if found:
            [(touched, _)] = found
            notes = parse_touched(touched)
            for holder in holders:
                holder.hold(commit, notes)

    def _active(self) -> tuple[Holder, ...]:
        for gone in [h for h in self._holders if not h.active]:  # an app never stopped
            self.leave(gone)
        return tuple(self._holders)


def _failed(driver: Any) -> bool:
    status = getattr(getattr(driver, "info", None), "transaction_status", None)
    return status == psycopg.pq.TransactionStatus.INERROR


def _statement(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WROTE] = True


def _forget(conn: Any) -> None:
    conn.info.pop(_WROTE, None)


LOCAL_WRITES = LocalWrites()
