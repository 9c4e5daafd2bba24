"""The phone app's service worker, stamped with a hash of the app shell it precaches, so a new
release replaces the cached shell (IndexedDB, where records wait, is never touched)."""

import hashlib
import re
from functools import cache
from pathlib import Path

from litestar import Response, get

__all__ = ["service_worker"]

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
STAMP = re.compile(r'const SHELL = "[^"]*";')


@cache
def _worker() -> str:
    digest = hashlib.sha256()
    for path in sorted(PWA.rglob("*")):
        if path.is_file() and path.name != ".installed":
            digest.update(path.relative_to(PWA).as_posix().encode())
            digest.update(path.read_bytes())
    source = (PWA / "sw.js").read_text(encoding="utf-8")
    return STAMP.sub(f'const SHELL = "{digest.hexdigest()[:16]}";', source)


@get("/app/sw.js", include_in_schema=False, sync_to_thread=False)
def service_worker() -> Response[str]:
    """Never cached by the browser's HTTP cache: the worker checks for updates on each load."""
    return Response(
        _worker(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app/"},
    )
