"""Hot reads straight on the database driver: no ORM session, no transaction, one round trip.

The busiest requests (a passer-by's scan, the session check of every signed-in request, the
phones' morning download) read through this. On SQLite a read-only connection of the process
answers in microseconds without a thread hop; on PostgreSQL a small psycopg pool in autocommit
runs the statements as prepared statements. SQL is written with `{p}` for each parameter.

After PostgreSQL restarts or fails over, every pooled connection is dead. The pool checks each
connection before handing it out (without a round trip: an idle connection with something to
read has been closed by the server), and a read that still meets a dead connection checks the
whole pool and runs once more: reads change nothing, so running one twice is safe.
"""

import select
import sqlite3
import uuid
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from server.core.clock import as_utc
from server.core.db import pg_connect_args

__all__ = ["RawReader", "as_date", "as_instant", "as_uuid", "driver_rows", "sqlite_instant"]


class RawReader:
    """Reads on the app's database, outside any request transaction."""

    def __init__(self, database_url: str) -> None:
        self.sqlite = database_url.startswith("sqlite")
        self._pool: AsyncConnectionPool | None = None
        self._conn: sqlite3.Connection | None = None
        if self.sqlite:
            self._path = Path(make_url(database_url).database or "").resolve()
        else:
            # The URL is the one the app uses (options such as search_path included).
            url = make_url(database_url).set(drivername="postgresql")
            self._pool = AsyncConnectionPool(
                url.render_as_string(hide_password=False),
                min_size=2,
                max_size=8,
                kwargs={"autocommit": True, **pg_connect_args(database_url, "reader")},
                check=_idle_and_open,
                open=False,
            )

    async def open(self) -> None:
        if self._pool is not None:
            await self._pool.open()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._pool is not None:
            await self._pool.close()

    def statement(self, template: str) -> str:
        """`template` with this database's placeholder for each `{p}`."""
        return _statement(template, "?" if self.sqlite else "%s")

    def _sqlite(self) -> sqlite3.Connection:
        if self._conn is None:
            # Read-only and autocommit: each query sees the newest committed data (WAL).
            conn = sqlite3.connect(
                f"{self._path.as_uri()}?mode=ro",
                uri=True,
                check_same_thread=False,
                isolation_level=None,
            )
            conn.execute("PRAGMA busy_timeout=2000")
            # Reads land all over the big tables: keep their pages in memory, read by mmap.
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA mmap_size=268435456")
            self._conn = conn
        return self._conn

    def data_version(self) -> int:
        """SQLite: a number that changes whenever another connection has committed."""
        return self._sqlite().execute("PRAGMA data_version").fetchone()[0]

    def param(self, value: Any) -> Any:
        """A Python value as this database stores it (SQLite keeps text and hex ids)."""
        return _param(value, self.sqlite)

    async def rows(self, template: str, *params: Any) -> list[tuple]:
        """All rows of `template` run with `params`."""
        sql = self.statement(template)
        values = tuple(v if isinstance(v, str) else self.param(v) for v in params)
        if self.sqlite:
            return self._sqlite().execute(sql, values).fetchall()
        assert self._pool is not None
        try:
            return await self._pg_rows(sql, values)
        except _ConnectionLost:
            await self._pool.check()  # drop every connection that no longer answers
            return await self._pg_rows(sql, values)

    async def _pg_rows(self, sql: str, values: tuple) -> list[tuple]:
        assert self._pool is not None
        async with self._pool.connection() as conn:
            try:
                cursor = await conn.execute(sql, values, prepare=True)
                return await cursor.fetchall()
            except psycopg.OperationalError as exc:
                if conn.closed or conn.broken:  # the pool discards it on return
                    raise _ConnectionLost from exc
                raise

    async def row(self, template: str, *params: Any) -> tuple | None:
        found = await self.rows(template, *params)
        return found[0] if found else None


class _ConnectionLost(Exception):
    """The connection died under a read (the server restarted, failed over or ended it)."""


async def _idle_and_open(conn: psycopg.AsyncConnection) -> None:
    """The pool's check before handing a connection out. An idle connection has nothing to say
    (none of them listens), so anything to read is the server's goodbye: the error it sends as
    it ends the session, or the end of the stream. No round trip on the hot path."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        await conn.close()  # so that the pool discards it rather than offering it again
        raise psycopg.OperationalError("the server closed the connection")


def driver_rows(conn: Connection, template: str, *params: Any) -> list[tuple]:
    """`template` run on a SQLAlchemy connection (an ORM session's, inside its transaction),
    with the same `{p}` placeholders and parameters as RawReader: one query for both."""
    sqlite = conn.dialect.name == "sqlite"
    sql = _statement(template, "?" if sqlite else "%s")
    values = tuple(v if isinstance(v, str) else _param(v, sqlite) for v in params)
    return [tuple(row) for row in conn.exec_driver_sql(sql, values)]


def _param(value: Any, sqlite: bool) -> Any:
    if not sqlite:
        return value
    if isinstance(value, datetime):  # stored as naive UTC text, as SQLAlchemy writes it
        return sqlite_instant(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, date):
        return value.isoformat()
    return value


@lru_cache(maxsize=256)
def _statement(template: str, placeholder: str) -> str:
    return template.replace("{p}", placeholder)


@lru_cache(maxsize=4)
def sqlite_instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def as_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """An id as read: a UUID on PostgreSQL, 32 hex characters on SQLite."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def as_instant(value: datetime | str) -> datetime:
    """A moment as read, aware in UTC: aware on PostgreSQL, naive UTC text on SQLite."""
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def as_date(value: date | str | None) -> date | None:
    """A day as read: a date on PostgreSQL, ISO text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
