"""A client that opens a request and then stalls, or sends its body a few bytes at a time, is
answered 408 after a bounded time and its connection closed, whatever the route: the anonymous
complaint form, the dock's recorder clips, a JSON record. Meanwhile everyone else is answered.

A real server process on a socket: only there does a body arrive, or not, as a network sends it.
"""

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.evidence.live import LiveServer
from tests.evidence.test_server_restart import sign_in
from tests.support.factories import make_merchants, make_user

READ_TIMEOUT = 2  # seconds the live server waits for more of a body
BOUNDARY = "----onevisit-slow-body"
# Longest a test waits for an answer: the server's bound plus room for a busy machine.
PATIENCE = 15


@pytest.fixture
def live(database_url: str, settings, tmp_path: Path) -> Iterator[LiveServer]:
    timeout = {"REQUEST_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT)}
    with LiveServer(database_url, settings.storage_url, tmp_path, **timeout) as server:
        yield server


def _form_start(fields: dict[str, str], file_field: str, filename: str, mime: str) -> bytes:
    """The beginning of a multipart form: its fields, then a file's header (its bytes follow)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'
    )
    return "".join(parts).encode()


def _open(live: LiveServer, path: str, headers: dict[str, str], length: int, first: bytes):
    """A POST announcing `length` bytes of body, of which `first` is sent."""
    sock = socket.create_connection(("127.0.0.1", live.port), timeout=PATIENCE)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n{head}"
        f"Content-Length: {length}\r\n\r\n".encode()
        + first
    )
    return sock


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the response on `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection without an answer"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def _closed(sock: socket.socket) -> bool:
    """Whether the server hung up after its answer (nothing more arrives, the socket ends)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


class Trickle(threading.Thread):
    """Sends one small piece of the body every 0.3 s (never a long pause) until told to stop."""

    def __init__(self, sock: socket.socket, piece: bytes = b"x" * 10) -> None:
        super().__init__(daemon=True)
        self.sock, self.piece, self.stop = sock, piece, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.3):
            try:
                self.sock.sendall(self.piece)
            except OSError:  # the server hung up
                return


def _assert_cut_short(sock: socket.socket, started: float, trickle: Trickle | None = None) -> str:
    """The request ended with 408 within the bound, saying why, and the connection closed."""
    status, headers, body = _answer(sock)
    took = time.monotonic() - started
    if trickle is not None:
        trickle.stop.set()
    assert status == 408, body
    assert READ_TIMEOUT <= took < READ_TIMEOUT + 6, took
    assert headers["connection"] == "close"
    assert _closed(sock)
    return json.loads(body)["detail"]


def _others_are_served(live: LiveServer, merchant_token: str) -> None:
    """A passer-by's scan and the health check, answered while the slow bodies hang."""
    for path in ("/healthz", f"/m/{merchant_token}"):
        started = time.monotonic()
        answer = httpx.get(f"{live.url}{path}", timeout=PATIENCE)
        assert answer.status_code == 200, (path, answer.text)
        assert time.monotonic() - started < 1.5, path


STALLED = f"{READ_TIMEOUT} 秒内没有收到新数据，或平均每秒不足 1024 字节；本次请求已结束"


def _one_stalls_one_trickles(
    live: LiveServer,
    merchant_token: str,
    path: str,
    headers: dict[str, str],
    length: int,
    stalled_start: bytes,
    trickling_start: bytes,
    piece: bytes = b"x" * 10,
) -> None:
    """Two requests to `path` announcing `length` bytes: one sends `stalled_start` and stops,
    the other sends `trickling_start` then `piece` every 0.3 s. Others are served meanwhile;
    both end with 408 within the bound, saying why, and their connections closed."""
    started = time.monotonic()
    stalled = _open(live, path, headers, length, stalled_start)
    trickling = _open(live, path, headers, length, trickling_start)
    trickle = Trickle(trickling, piece)
    trickle.start()
    _others_are_served(live, merchant_token)
    assert STALLED in _assert_cut_short(stalled, started)
    assert STALLED in _assert_cut_short(trickling, started, trickle)


def _signed_in(live: LiveServer, username: str, content_type: str) -> dict[str, str]:
    cookies, csrf = sign_in(live.url, username)
    return {
        "Content-Type": content_type,
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-CSRF-Token": csrf,
    }


def test_a_complaint_form_that_stalls_or_trickles_ends_with_408(
    live: LiveServer, sync_engine: Engine
) -> None:
    (merchant,) = make_merchants(sync_engine, 1)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    first = _form_start({"text": "后厨地面油污严重"}, "photo", "photo.jpg", "image/jpeg")
    _one_stalls_one_trickles(
        live,
        merchant.qr_token,
        f"/m/{merchant.qr_token}/complaints",
        headers,
        2_000_000,
        first + b"\xff\xd8\xff" + b"\0" * 1000,
        first,
    )


def test_a_json_record_that_stalls_or_trickles_ends_with_408(
    live: LiveServer, sync_engine: Engine
) -> None:
    (merchant,) = make_merchants(sync_engine, 1)
    make_user(sync_engine, "slowphone")
    headers = _signed_in(live, "slowphone", "application/json")
    start = b'{"summary": "'
    _one_stalls_one_trickles(
        live,
        merchant.qr_token,
        "/api/v1/inspections",
        headers,
        50_000,
        start,
        start,
        "检查".encode() * 2,
    )


def test_recorder_clips_that_stall_or_trickle_end_with_408(
    live: LiveServer, sync_engine: Engine
) -> None:
    (merchant,) = make_merchants(sync_engine, 1)
    make_user(sync_engine, "docker")
    headers = _signed_in(live, "docker", f"multipart/form-data; boundary={BOUNDARY}")
    first = _form_start({"device": "DSJ-0001"}, "clips", "DSJ_20261126_093015.mp4", "video/mp4")
    _one_stalls_one_trickles(
        live,
        merchant.qr_token,
        "/console/evidence/dock",
        headers,
        50_000_000,
        first + b"\0" * 4096,
        first,
    )
