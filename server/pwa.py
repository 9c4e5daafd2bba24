"""The phone app's service worker, given the list of files it precaches with each file's hash.

The list is made from what is on disk when the app starts: every file of the app shell (`pwa/`,
found by server/web, or PWA_DIR), and every vendored library the shell names (plus the
files those libraries load on their own). A release changes the hashes of the files it
changes, so the browser sees a new worker and fetches only those files; IndexedDB, where records
wait, is never touched.
"""

import hashlib
import json
import re
from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import State

from server.web import PWA

__all__ = ["precache_manifest", "service_worker"]

VENDOR_URL = "/static/vendor/"
PLACEHOLDER = "self.__WB_MANIFEST"
# Files a vendored library loads by itself, which the shell never names.
COMPANIONS = {"qr-scanner.umd.min.js": ("qr-scanner-worker.min.js",)}
NOT_PRECACHED = {"sw.js", ".gitkeep", ".installed"}
VENDOR_NAME = re.compile(re.escape(VENDOR_URL) + r"([\w.-]+\.(?:js|css))")


def _revision(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _shell_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.name not in NOT_PRECACHED
        and "vendor" not in path.relative_to(root).parts
    )


def precache_manifest(root: Path = PWA) -> list[dict[str, str]]:
    """Every URL the app needs offline, with a revision that changes when the file does."""
    entries: dict[str, str] = {}
    named: set[str] = set()
    for path in _shell_files(root):
        relative = path.relative_to(root).as_posix()
        url = "/app/" if relative == "index.html" else f"/app/{relative}"
        entries[url] = _revision(path)
        if path.suffix in {".html", ".js", ".css"}:
            named.update(VENDOR_NAME.findall(path.read_text(encoding="utf-8")))
    for name in sorted(named):
        for file in (name, *COMPANIONS.get(name, ())):
            entries[f"{VENDOR_URL}{file}"] = _revision(root / "vendor" / file)
    return [{"url": url, "revision": revision} for url, revision in entries.items()]


@cache
def _worker(root: Path) -> str:
    source = (root / "sw.js").read_text(encoding="utf-8")
    return source.replace(PLACEHOLDER, json.dumps(precache_manifest(root), separators=(",", ":")))


@get("/app/sw.js", include_in_schema=False, sync_to_thread=False)
def service_worker(state: State) -> Response[str]:
    """Never cached by the browser's HTTP cache: the worker checks for updates on each load."""
    return Response(
        _worker(state.settings.pwa_dir),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app/"},
    )
