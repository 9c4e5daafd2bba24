"""`GET /healthz`: does the app reach its database and its object store? It also says when the
nightly recompute last ran, so monitoring notices a scheduler that stopped (that alone does not
make the app unhealthy: it serves on)."""

from datetime import date, timedelta
from typing import Any

import anyio
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.codes.clock import local_today

__all__ = ["healthz", "nightly_status"]


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
        checks["database"] = f"error: {type(exc).__name__}: {exc}"[:300]
    try:
        with anyio.fail_after(10):
            await anyio.to_thread.run_sync(state.storage.ping, abandon_on_cancel=True)
        checks["storage"] = "ok"
    except Exception as exc:
        checks["storage"] = f"error: {type(exc).__name__}: {exc}"[:300]
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    if nightly:
        body["nightly"] = nightly
    return Response(body, status_code=200 if healthy else 503)


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
