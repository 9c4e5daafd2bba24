"""Two checks for monitoring and the image's HEALTHCHECK.

`GET /healthz` (liveness): does the app reach its database and its object store? It also says
when the nightly recompute last ran, so monitoring notices a scheduler that stopped (that alone
does not make the app unhealthy: it serves on). And it says what this process's change feed is
doing (server.core.changefeed, PostgreSQL only): `listening` while its in-memory caches answer;
otherwise (connecting, loading, reconnecting, or deaf when its heartbeat stopped coming back)
every read goes to the database: correct but slower, so `status` says `degraded` and the answer
stays 200. A liveness probe that failed would restart every process at once each time the
database blinks.

`GET /readyz` (readiness): can this installation serve its users? The database answers and is
migrated to the newest schema, the object store answers, and the pages, the phone app's shell
and the front-end libraries are on disk (server.web). Otherwise 503, each failing check saying
what is wrong. It shows the change feed too, which does not decide readiness.
"""

from datetime import date, timedelta
from functools import cache
from typing import Any

import anyio
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.clock import local_today
from server.migrate import alembic_config
from server.web import TEMPLATES, missing_files

__all__ = ["healthz", "nightly_status", "readyz"]


@get("/healthz", tags=["ops"], summary="Liveness of the database and the object store")
async def healthz(state: State) -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    nightly: dict[str, Any] = {}
    try:
        async with state.db_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            nightly = await _nightly(conn)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = _error(exc)
    checks["storage"] = await _storage(state)
    healthy = all(v == "ok" for v in checks.values())
    feed = _feed(state)
    status = "ok" if feed["state"] in FEED_OK else "degraded"
    body: dict[str, Any] = {"status": status if healthy else "unavailable", **checks}
    body["change_feed"] = feed
    if nightly:
        body["nightly"] = nightly
    return Response(body, status_code=200 if healthy else 503)


@get(
    "/readyz",
    tags=["ops"],
    summary="Readiness: migrated database, object store, pages and phone app installed",
)
async def readyz(state: State) -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    current: tuple[str, ...] | None = None
    try:
        async with state.db_engine.connect() as conn:
            current = await conn.run_sync(_current_revisions)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = _error(exc)
    checks["migrations"] = _migrations(current)
    checks["storage"] = await _storage(state)
    missing = missing_files(TEMPLATES, state.settings.pwa_dir)
    checks["files"] = "ok" if not missing else f"missing: {', '.join(missing)}"[:2000]
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", **checks}
    body["change_feed"] = _feed(state)
    return Response(body, status_code=200 if ready else 503)


FEED_OK = ("listening", "off")  # off: SQLite, which has no feed and needs none


def _feed(state: State) -> dict[str, Any]:
    feed = getattr(state, "feed", None)
    return feed.status() if feed is not None else {"state": "starting"}


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}: {exc}"[:300]


async def _storage(state: State) -> str:
    try:
        with anyio.fail_after(10):
            await anyio.to_thread.run_sync(state.storage.ping, abandon_on_cancel=True)
    except Exception as exc:
        return _error(exc)
    return "ok"


def _current_revisions(conn: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(conn).get_current_heads())


@cache
def _newest_revisions() -> tuple[str, ...]:
    """The heads of the migrations shipped with this code (the URL is not used)."""
    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _migrations(current: tuple[str, ...] | None) -> str:
    if current is None:
        return "unknown: the database does not answer"
    try:
        newest = _newest_revisions()
    except Exception as exc:  # the migrations are not installed
        return _error(exc)
    if set(current) == set(newest):
        return "ok"
    if not current:
        return "not migrated: run `onevisit db upgrade`"
    return f"at {', '.join(current)}, newest is {', '.join(newest)}: run `onevisit db upgrade`"


async def _nightly(conn: AsyncConnection) -> dict[str, Any]:
    """The last district day the nightly recompute finished, and whether a night was missed."""
    try:
        last, first = (
            await conn.execute(
                text(
                    "SELECT MAX(CASE WHEN finished_at IS NOT NULL THEN day END), MIN(day) "
                    "FROM nightly_run"
                )
            )
        ).one()
    except DBAPIError:  # not migrated yet
        return {}
    return nightly_status(_day(last), _day(first), local_today())


def nightly_status(last: date | None, first: date | None, today: date) -> dict[str, Any]:
    """`late` when the newest finished night, or with none finished yet the first night any
    scheduler took on, is older than yesterday. A fresh install, where no scheduler has taken a
    night yet, has missed nothing."""
    since = last or first
    return {
        "last_day": last.isoformat() if last else None,
        "late": since is not None and since < today - timedelta(days=1),
    }


def _day(value: date | str | None) -> date | None:
    """SQLite hands a date back as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value
