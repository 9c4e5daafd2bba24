"""`GET /healthz`: does the app reach its database and its object store?"""

from typing import Any

import anyio
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

__all__ = ["healthz"]


@get("/healthz", tags=["ops"], summary="Liveness of the database and the object store")
async def healthz(state: State) -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    try:
        async with state.db_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
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
    return Response(body, status_code=200 if healthy else 503)
