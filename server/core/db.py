"""Engines and sessions: one transaction per request, the request commits once.

Every PostgreSQL connection the product opens (the app's engine, the hot-read pool, the change
feed's listener, the command line) goes through `pg_connect_args`: it names itself in
`pg_stat_activity` (`application_name`: the program, what the connection is for, host:pid) and
notices a dead peer within seconds rather than hours (TCP keepalives and a user timeout), and
every pool checks a connection before handing it out.
"""

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import create_engine
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = [
    "AsyncSession",
    "DbSession",
    "async_url",
    "is_sqlite",
    "make_async_engine",
    "make_sync_engine",
    "pg_connect_args",
    "provide_db_session",
    "sync_url",
]


# What a route handler declares to receive the request's session.
DbSession = NamedDependency[AsyncSession]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _normalise(url: str, *, asynchronous: bool) -> str:
    """Map the user-facing DATABASE_URL onto the driver the app uses."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        driver = "aiosqlite" if asynchronous else "pysqlite"
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    elif backend in ("postgresql", "postgres"):
        backend, driver = "postgresql", "psycopg"
    else:
        raise ValueError(
            f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {backend!r})"
        )
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    return _normalise(url, asynchronous=False)


def async_url(url: str) -> str:
    return _normalise(url, asynchronous=True)


# A peer that stops answering is given up after ~25 s idle (keepalives) or after 20 s with data
# unacknowledged (user timeout); a connection attempt after 5 s.
_TCP = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
    "connect_timeout": 5,
}


def pg_connect_args(url: str, role: str) -> dict[str, Any]:
    """Connection parameters for a PostgreSQL connection used for `role` ("web", "reader",
    "listener", "cli"): the URL's own `application_name` (default "onevisit") followed by the
    role and host:pid, so that an operator (or a test) can tell whose connection is whose."""
    base = make_url(url).query.get("application_name") or "onevisit"
    if not isinstance(base, str):
        base = base[0]
    name = f"{base} {role} {socket.gethostname()}:{os.getpid()}"
    return {**_TCP, "application_name": name[:63]}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and patience under write locks."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sync_engine(url: str, **kwargs: Any) -> Engine:
    """A synchronous engine, for the CLI, migrations and bulk work."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", pg_connect_args(url, "cli"))
    engine = create_engine(sync_url(url), **kwargs)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The web app's engine."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("connect_args", pg_connect_args(url, "web"))
    engine = create_async_engine(async_url(url), **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """The request's session: committed once when the handler succeeds, else rolled back."""
    async with state.db_sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
