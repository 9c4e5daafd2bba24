"""The `onevisit` command as an operator runs it: migrate, then serve real HTTP."""

import os
import subprocess
import sys
import time
import urllib.request

from tests.support.s3server import free_port


def _onevisit(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_db_upgrade_then_serve_answers_healthz(empty_database_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": empty_database_url,
        "STORAGE_URL": f"file://{tmp_path / 'media'}",
        "ONEVISIT_VAR_DIR": str(tmp_path),
    }
    migrated = _onevisit("db", "upgrade", env=env)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    body = r.read()
                if b'"status":"degraded"' in body:  # PostgreSQL: its change feed connecting
                    raise ConnectionError(body.decode())
                assert b'"status":"ok"' in body
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_help_lists_the_commands():
    result = _onevisit("--help", env=dict(os.environ))
    assert result.returncode == 0
    for command in ("db", "demo", "serve", "import"):
        assert command in result.stdout
