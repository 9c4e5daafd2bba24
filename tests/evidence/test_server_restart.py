"""A server killed with SIGKILL mid-upload and started again: the upload resumes, with a real
tus client, and the stored bytes hash right."""

import hashlib
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tusclient import client as tus_client

from server.storage import storage_from_url
from tests.evidence import tus
from tests.evidence.live import LiveServer
from tests.support.factories import make_user

MiB = 2**20


@pytest.fixture
def live(database_url: str, settings, tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(database_url, settings.storage_url, tmp_path) as server:
        yield server


def sign_in(base: str, username: str) -> tuple[dict[str, str], str]:
    response = httpx.post(
        f"{base}/api/v1/auth/login", json={"username": username, "password": "pw-correct-horse"}
    )
    assert response.status_code == 200, response.text
    return dict(response.cookies), response.json()["csrf_token"]


def test_an_upload_survives_kill_9_of_the_server(live: LiveServer, sync_engine, settings) -> None:
    make_user(sync_engine, "walker")
    cookies, csrf = sign_in(live.url, "walker")
    video = tus.mp4(21 * MiB + 4321)
    sha = hashlib.sha256(video).hexdigest()
    auth = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "X-CSRF-Token": csrf}
    client = tus_client.TusClient(f"{live.url}/api/v1/uploads/", headers=auth)
    meta = {"filename": "DSJ_20261126_093015.mp4", "kind": "video", "sha256": sha}
    uploader = client.uploader(file_stream=io.BytesIO(video), chunk_size=4 * MiB, metadata=meta)
    upload_url = uploader.create_url()

    # Stream 17 MiB (two full parts and more) in one PATCH, then pull the plug mid-body.
    sent = threading.Event()

    def offset_now() -> int:
        head = httpx.head(upload_url, headers={**auth, **tus.headers()})
        return int(head.headers.get("Upload-Offset", -1))

    def body() -> Iterator[bytes]:
        for start in range(0, 17 * MiB, MiB):
            yield video[start : start + MiB]
        deadline = time.monotonic() + 30
        while offset_now() < 16 * MiB and time.monotonic() < deadline:
            time.sleep(0.05)  # until the server has stored two parts from this one PATCH
        sent.set()
        live.kill()
        yield video[17 * MiB : 18 * MiB]

    with pytest.raises(httpx.HTTPError):
        httpx.patch(
            upload_url,
            content=body(),
            headers={
                **auth,
                **tus.headers(),
                "Upload-Offset": "0",
                "Content-Type": tus.OCTET,
                "Content-Length": str(len(video)),
            },
            timeout=30,
        )
    assert sent.is_set()

    live.start()
    offset = int(httpx.head(upload_url, headers={**auth, **tus.headers()}).headers["Upload-Offset"])
    assert 16 * MiB <= offset <= 17 * MiB  # both full parts survived, at least

    resumed = client.uploader(
        file_stream=io.BytesIO(video), url=upload_url, chunk_size=4 * MiB, upload_checksum=True
    )
    assert resumed.offset == offset
    resumed.upload()

    state = httpx.get(upload_url, cookies=cookies).json()
    assert state["state"] == "complete", state
    record = httpx.get(f"{live.url}/api/v1/evidence/{state['evidence_id']}", cookies=cookies).json()
    assert record["sha256"] == sha and record["size"] == len(video)
    stored = hashlib.sha256()
    with storage_from_url(settings.storage_url).open(f"evidence/video/{state['id']}") as reader:
        for chunk in reader:
            stored.update(chunk)
    assert stored.hexdigest() == sha
