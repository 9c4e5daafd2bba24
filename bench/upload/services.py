"""The real services a benchmark run needs: SeaweedFS (S3), a migrated database, the app."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from minio import Minio

ROOT = Path(__file__).resolve().parents[2]
ACCESS, SECRET = "bench", "bench-secret-key"


def free_port() -> int:
    """A free TCP port whose gRPC twin (port + 10000) is free too."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + 10000 < 65536:
            with socket.socket() as twin:
                try:
                    twin.bind(("127.0.0.1", port + 10000))
                    return port
                except OSError:
                    continue


@contextmanager
def seaweedfs() -> Iterator[str]:
    """A SeaweedFS S3 server for this run; yields its endpoint host:port."""
    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    work = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    ports: list[int] = []
    while len(ports) < 4:
        port = free_port()
        if not {port, port + 10000, port - 10000} & set(ports):
            ports.append(port)
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": ACCESS, "secretKey": SECRET}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    (work / "s3.json").write_text(json.dumps({"identities": [identity]}))
    (work / "data").mkdir()
    command = [
        weed,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={work / 'data'}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=1024",
        "-volume.max=100",
        "-filer",
        "-s3",
        f"-s3.config={work / 's3.json'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    for name, port in zip(("s3", "master", "volume", "filer"), ports, strict=True):
        command += [f"-{name}.port={port}", f"-{name}.port.grpc={port + 10000}"]
    log = (work / "weed.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    endpoint = f"127.0.0.1:{ports[0]}"
    client = Minio(endpoint, ACCESS, SECRET, secure=False)
    try:
        for _ in range(300):
            try:
                client.list_buckets()
                break
            except Exception:
                time.sleep(0.2)
        yield endpoint
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def storage_url(endpoint: str, bucket: str) -> str:
    return f"s3://{quote(ACCESS)}:{quote(SECRET)}@{endpoint}/{bucket}"


class App:
    """`python -m server serve` in its own process, with its resident memory measurable."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "PUBLIC_BASE_URL": self.url}
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> "App":
        command = [
            sys.executable,
            "-m",
            "server",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the app did not start")

    def rss(self) -> int:
        """Resident bytes of the server and its workers."""
        assert self.process is not None
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except FileNotFoundError:
                pass
        return total

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
