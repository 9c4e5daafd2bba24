"""Engines and sessions: one transaction per request, the request commits once."""

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
    engine = create_engine(sync_url(url), **kwargs)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The web app's engine."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
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
