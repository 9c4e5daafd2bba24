"""A real `python -m server serve` process on a free port, to kill and restart."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from server.core.clock import CLOCK
from tests.support.s3server import free_port

__all__ = ["LiveServer"]

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    """The app in its own process, with the test database and the test S3 bucket."""

    def __init__(self, database_url: str, storage_url: str, var_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = var_dir / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STORAGE_URL": storage_url,
            "SECRET_KEY": "live-test-secret-key-live-test-secret-key",
            "PUBLIC_BASE_URL": self.url,
            "ONEVISIT_VAR_DIR": str(var_dir),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "LiveServer":
        # The server's clock starts where the test's stands (tests/support/clock.py).
        self.env["ONEVISIT_CLOCK"] = CLOCK.now().isoformat()
        command = [sys.executable, "-m", "server", "serve", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing, as when the machine loses power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
