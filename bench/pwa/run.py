"""Benchmark the inspector app's first load: bytes on the wire, gzipped, without map tiles.

    python bench/pwa/run.py

Starts `onevisit serve` on a fresh SQLite database, opens /app/ in Debian's Chromium (Playwright,
a new profile: nothing cached) and waits until the service worker has precached the app shell.
Every response's transferred size (headers + encoded body, as Chromium counts it) is summed,
including the service worker's own precache fetches. Goal: ≤ 300 KB.
"""

import contextlib
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.scan_page.run import free_port, serve, stop  # noqa: E402

GOAL_KB = 300
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="onevisit-pwa-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'onevisit.db'}",
        "STORAGE_URL": f"file://{workdir / 'media'}",
        "ONEVISIT_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": "bench-secret",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    subprocess.run([sys.executable, "-m", "server", "db", "upgrade"], cwd=REPO, env=env, check=True)
    app = serve(
        [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        port,
        "/healthz",
    )
    rows: list[tuple[str, int, str]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844})

            def count(response) -> None:
                sizes = response.request.sizes()
                encoding = response.headers.get("content-encoding", "-")
                total = sizes["responseHeadersSize"] + sizes["responseBodySize"]
                if sizes["responseBodySize"] <= 0:  # the worker's importScripts: not reported
                    with contextlib.suppress(Exception):  # a body the browser let go
                        total += len(gzip.compress(response.body()))
                rows.append((response.url.split(str(port))[-1], total, encoding))

            context.on("response", count)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/app/")
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            time.sleep(2)  # let the precache settle
            browser.close()
    finally:
        stop(app)
    total = 0
    for url, size, encoding in sorted(rows, key=lambda r: -r[1]):
        print(f"{size / 1024:8.1f} KB  {encoding:5}  {url}")
        total += size
    unique = sum(max(size for u, size, _ in rows if u == url) for url in {r[0] for r in rows})
    print(f"each resource once: {len({r[0] for r in rows})} resources, {unique / 1024:.1f} KB")
    verdict = "meets" if total / 1024 <= GOAL_KB else "misses"
    print(
        f"first load: {len(rows)} responses, {total / 1024:.1f} KB "
        f"({verdict} the ≤ {GOAL_KB} KB goal)"
    )


if __name__ == "__main__":
    main()
