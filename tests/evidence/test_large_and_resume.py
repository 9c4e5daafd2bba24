"""Files larger than a part: S3 multipart in bounded parts, resumable from any process, hashed
right whether or not the hashing state could be carried over."""

import hashlib
import uuid

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.app import create_app
from server.evidence.models import Evidence
from server.evidence.tus import hashstate
from server.evidence.tus.models import Upload, UploadFragment, UploadPart
from server.storage import storage_from_url
from tests.evidence import tus
from tests.evidence.conftest import People
from tests.support.app import login_as

MiB = 2**20


def stored_sha256(settings, key: str) -> str:
    digest = hashlib.sha256()
    with storage_from_url(settings.storage_url).open(key) as reader:
        for chunk in reader:
            digest.update(chunk)
    return digest.hexdigest()


def test_a_video_in_uneven_chunks_is_stored_whole_as_parts(
    officer_client, settings, sync_engine: Engine
) -> None:
    client, csrf = officer_client
    video = tus.mp4(19 * MiB + 12345)

    response, path = tus.upload_whole(
        client,
        csrf,
        video,
        chunk=3 * MiB + 7,
        kind="video",
        filename="执法记录.mp4",
        filetype="video/mp4",
    )

    assert response.status_code == 204, response.text
    evidence_id = uuid.UUID(client.get(path).json()["evidence_id"])
    with Session(sync_engine) as session:
        evidence = session.get(Evidence, evidence_id)
        upload = session.exec(select(Upload)).one()
        parts = session.exec(select(UploadPart).order_by(UploadPart.number)).all()
        assert session.exec(select(UploadFragment)).all() == []  # folded into parts, then freed
    assert evidence.content_type == "video/mp4" and evidence.size == len(video)
    assert [p.size for p in parts] == [8 * MiB, 8 * MiB]  # the last part went with completion
    assert upload.hash_state is None and not upload.hash_lost
    assert stored_sha256(settings, evidence.storage_key) == hashlib.sha256(video).hexdigest()
    store = storage_from_url(settings.storage_url)
    assert store.stat(evidence.storage_key).sha256 == evidence.sha256
    assert store.pending_multiparts(f"evidence/video/{upload.id}") == []


def test_another_server_process_continues_an_upload(settings, people: People) -> None:
    video = tus.mp4(10 * MiB)
    with TestClient(create_app(settings)) as first:
        csrf = login_as(first, people.officer.username)
        path = tus.path_of(tus.create(first, csrf, video, kind="video", filename="a.mp4"))
        assert tus.patch(first, csrf, path, 0, video[: 9 * MiB]).status_code == 204
        cookies = dict(first.cookies)

    with TestClient(create_app(settings), cookies=cookies) as second:  # a fresh process
        head = second.head(path, headers=tus.headers())
        offset = int(head.headers["Upload-Offset"])
        assert offset == 9 * MiB
        done = tus.patch(second, csrf, path, offset, video[offset:])
        assert done.status_code == 204
        evidence_id = second.get(path).json()["evidence_id"]
        assert second.get(f"/api/v1/evidence/{evidence_id}").json()["sha256"] == (
            hashlib.sha256(video).hexdigest()
        )


@pytest.mark.parametrize("tampered", [False, True])
def test_without_a_resumable_hash_the_stored_bytes_are_read_back_and_checked(
    officer_client, settings, monkeypatch, tampered: bool
) -> None:
    """A process that cannot carry the hashing state over still verifies, by re-reading."""
    client, csrf = officer_client
    video = tus.mp4(9 * MiB)
    path = tus.path_of(tus.create(client, csrf, video, kind="video", filename="b.mp4"))
    monkeypatch.setattr(hashstate, "exportable", False)
    assert tus.patch(client, csrf, path, 0, video[: 8 * MiB + 10]).status_code == 204
    rest = video[8 * MiB + 10 :]
    if tampered:
        rest = b"\x00" + rest[1:]

    response = tus.patch(client, csrf, path, 8 * MiB + 10, rest)

    state = client.get(path).json()
    if tampered:
        assert response.status_code == 422
        assert state["state"] == "rejected" and state["error_code"] == "sha256_mismatch"
        assert not storage_from_url(settings.storage_url).exists(f"evidence/video/{state['id']}")
    else:
        assert response.status_code == 204
        assert state["state"] == "complete"
        assert stored_sha256(settings, f"evidence/video/{state['id']}") == (
            hashlib.sha256(video).hexdigest()
        )
