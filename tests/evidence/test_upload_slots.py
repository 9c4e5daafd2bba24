"""Upload slots: one inspector opening many uploads and trickling bytes into each does not hold
up everyone else's; the spool's memory is shared fairly; a body that stops coming ends with what
came kept."""

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from server.evidence.tus.errors import UploadRefused
from server.evidence.tus.spool import SpoolBudget
from tests.evidence import tus
from tests.evidence.live import LiveServer
from tests.evidence.test_server_restart import sign_in
from tests.support.factories import make_user

MiB = 2**20
READ_TIMEOUT = 3  # seconds the live server waits for more of a body


@pytest.fixture
def live(database_url: str, settings, tmp_path: Path) -> Iterator[LiveServer]:
    timeout = {"REQUEST_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT)}
    with LiveServer(database_url, settings.storage_url, tmp_path, **timeout) as server:
        yield server


def answer(sock: socket.socket) -> tuple[int, dict[str, str], dict]:
    """Status, headers and JSON body of the one response on `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, json.loads(body or b"{}")


def trickle(live: LiveServer, path: str, cookies: dict[str, str], csrf: str) -> socket.socket:
    """A PATCH that announces 10 MiB and sends 10 bytes of it, then nothing more."""
    sock = socket.create_connection(("127.0.0.1", live.port), timeout=30)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: 0\r\nContent-Type: {tus.OCTET}\r\nContent-Length: {10 * MiB}\r\n"
        f"Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\r\n"
    )
    sock.sendall(request.encode() + b"0123456789")
    return sock


def test_a_trickling_inspector_does_not_hold_up_the_other_officers(
    live: LiveServer, sync_engine
) -> None:
    make_user(sync_engine, "trickler")
    make_user(sync_engine, "colleague")
    cookies, csrf = sign_in(live.url, "trickler")
    hog = httpx.Client(base_url=live.url, cookies=cookies, timeout=30)
    paths = []
    for n in range(32):
        created = tus.create(hog, csrf, b"", length=10 * MiB, sha256=f"{n:064x}")
        assert created.status_code == 201, created.text
        paths.append(tus.path_of(created))
    sockets = [trickle(live, path, cookies, csrf) for path in paths]

    # Another officer sends a photo meanwhile: it goes through at once (the guard is generous).
    their_cookies, their_csrf = sign_in(live.url, "colleague")
    other = httpx.Client(base_url=live.url, cookies=their_cookies, timeout=15)
    photo = tus.jpeg()
    done, _ = tus.upload_whole(other, their_csrf, photo)
    assert done.status_code == 204, done.text

    # The trickler is told, at once, that four at a time is what one person gets.
    answers = [answer(sock) for sock in sockets]
    refused = [a for a in answers if a[0] == 429]
    assert len(refused) == 28
    _, headers, body = refused[0]
    assert int(headers["retry-after"]) > 0
    assert "同时最多 4 个" in body["detail"]
    # The four that were taken ended when nothing more came: the ten bytes sent are kept.
    stalled = [a for a in answers if a[0] == 408]
    assert len(stalled) == 4
    _, headers, body = stalled[0]
    assert headers["upload-offset"] == "10"
    assert "已保存 10 字节" in body["detail"]
    kept = [
        hog.head(path, headers=tus.headers()).headers["upload-offset"]
        for path, (status, _, _) in zip(paths, answers, strict=True)
        if status == 408
    ]
    assert kept == ["10"] * 4
    for sock in sockets:
        sock.close()
    # The upload then goes on from there, as a phone resumes it.
    resumed = next(p for p, a in zip(paths, answers, strict=True) if a[0] == 408)
    more = tus.patch(hog, csrf, resumed, 10, b"more bytes")
    assert more.status_code == 204 and more.headers["upload-offset"] == "20"


async def test_freed_spool_goes_first_to_whoever_holds_none() -> None:
    budget = SpoolBudget(100, wait_seconds=10)
    big, small = uuid.uuid4(), uuid.uuid4()
    granted: list[str] = []
    release_first = anyio.Event()

    async def hold(owner: uuid.UUID, size: int, name: str, until: anyio.Event) -> None:
        async with budget.reserve(size, owner):
            granted.append(name)
            await until.wait()

    forever = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(hold, big, 60, "big: first buffer", forever)
        tasks.start_soon(hold, big, 40, "big: second buffer", release_first)
        await anyio.wait_all_tasks_blocked()
        tasks.start_soon(hold, big, 30, "big: third buffer", forever)  # queued first
        await anyio.wait_all_tasks_blocked()
        tasks.start_soon(hold, small, 30, "small: first buffer", forever)
        await anyio.wait_all_tasks_blocked()
        release_first.set()  # 40 freed: room for one of the two waiting 30s
        await anyio.wait_all_tasks_blocked()
        assert granted[-1] == "small: first buffer"
        assert "big: third buffer" not in granted
        tasks.cancel_scope.cancel()


async def test_a_request_that_cannot_get_its_share_is_told_to_come_back() -> None:
    budget = SpoolBudget(100, wait_seconds=0.2)
    taken = anyio.Event()
    async with anyio.create_task_group() as tasks:

        async def hold() -> None:
            async with budget.reserve(100, uuid.uuid4()):
                taken.set()
                await anyio.sleep_forever()

        tasks.start_soon(hold)
        await taken.wait()
        with pytest.raises(UploadRefused) as refused:
            async with budget.reserve(10, uuid.uuid4()):
                pass
        tasks.cancel_scope.cancel()
    assert refused.value.status == 503 and refused.value.retry_after
    assert "稍后重试" in refused.value.detail
