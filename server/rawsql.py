"""Hot reads straight on the database driver: no ORM session, no transaction, one round trip.

The busiest requests (a passer-by's scan, the session check of every signed-in request, the
phones' morning download) read through this. On SQLite a read-only connection of the process
answers in microseconds without a thread hop; on PostgreSQL a small psycopg pool in autocommit
runs the statements as prepared statements. SQL is written with `{p}` for each parameter.
"""

import sqlite3
import uuid
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

__all__ = ["RawReader", "as_uuid", "sqlite_instant"]


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
                kwargs={"autocommit": True},
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
        if not self.sqlite:
            return value
        if isinstance(value, datetime):  # stored as naive UTC text, as SQLAlchemy writes it
            return sqlite_instant(value)
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, date):
            return value.isoformat()
        return value

    async def rows(self, template: str, *params: Any) -> list[tuple]:
        """All rows of `template` run with `params`."""
        sql = self.statement(template)
        values = tuple(v if isinstance(v, str) else self.param(v) for v in params)
        if self.sqlite:
            return self._sqlite().execute(sql, values).fetchall()
        assert self._pool is not None
        async with self._pool.connection() as conn:
            cursor = await conn.execute(sql, values, prepare=True)
            return await cursor.fetchall()

    async def row(self, template: str, *params: Any) -> tuple | None:
        found = await self.rows(template, *params)
        return found[0] if found else None


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
