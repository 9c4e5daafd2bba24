"""Bad input is refused with its reason; nothing becomes evidence; nothing stored is lost."""

import base64
import hashlib
import json

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from server.evidence.models import Evidence
from server.evidence.tus.models import Upload
from server.evidence.tus.protocol import BadHeader, parse_offset
from tests.evidence import tus
from tests.evidence.conftest import People
from tests.support.app import login_as


def evidence_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Evidence)).one()


def test_a_wrong_offset_is_409_with_the_offset_to_resume_from(officer_client) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((400, 300), noise=True)
    path = tus.path_of(tus.create(client, csrf, photo))
    assert tus.patch(client, csrf, path, 0, photo[:1000]).status_code == 204

    response = tus.patch(client, csrf, path, 500, photo[500:2000])

    assert response.status_code == 409
    assert response.headers["Upload-Offset"] == "1000"
    assert "1000" in response.json()["detail"]
    assert client.head(path, headers=tus.headers()).headers["Upload-Offset"] == "1000"


def test_a_chunk_with_a_wrong_checksum_is_dropped_and_can_be_resent(officer_client) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((400, 300), noise=True)
    path = tus.path_of(tus.create(client, csrf, photo))
    first = photo[:4096]
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
    right = base64.b64encode(hashlib.sha1(first).digest()).decode()

    refused = tus.patch(client, csrf, path, 0, first, **{"Upload-Checksum": f"sha1 {wrong}"})
    assert refused.status_code == 460
    assert "校验" in refused.json()["detail"]
    assert client.head(path, headers=tus.headers()).headers["Upload-Offset"] == "0"

    accepted = tus.patch(client, csrf, path, 0, first, **{"Upload-Checksum": f"sha1 {right}"})
    assert accepted.status_code == 204
    rest = tus.patch(client, csrf, path, 4096, photo[4096:])
    assert rest.status_code == 204
    assert client.get(path).json()["state"] == "complete"


def test_bytes_that_do_not_match_the_declared_hash_never_become_evidence(
    officer_client, sync_engine: Engine
) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((400, 300), noise=True)
    tampered = photo[:-10] + b"\x00" * 10
    path = tus.path_of(tus.create(client, csrf, photo))

    response = tus.patch(client, csrf, path, 0, tampered)

    assert response.status_code == 422
    assert hashlib.sha256(photo).hexdigest() in response.json()["detail"]
    state = client.get(path).json()
    assert state["state"] == "rejected" and state["evidence_id"] is None
    assert state["error_code"] == "sha256_mismatch" and "摘要不符" in state["error"]
    assert evidence_count(sync_engine) == 0
    assert client.head(path, headers=tus.headers()).status_code == 410


def test_bytes_that_are_not_what_the_type_says_are_refused(officer_client, sync_engine) -> None:
    client, csrf = officer_client
    pdf = b"%PDF-1.7\n" + b"0" * 5000
    path = tus.path_of(tus.create(client, csrf, pdf, kind="photo", filename="photo.jpg"))

    response = tus.patch(client, csrf, path, 0, pdf)

    assert response.status_code == 415
    assert "application/pdf" in response.json()["detail"]
    assert evidence_count(sync_engine) == 0


def test_a_declared_type_the_bytes_contradict_is_refused(officer_client) -> None:
    client, csrf = officer_client
    photo = tus.jpeg()
    path = tus.path_of(tus.create(client, csrf, photo, filetype="image/png", filename="a.png"))

    response = tus.patch(client, csrf, path, 0, photo)

    assert response.status_code == 415
    assert "image/png" in response.json()["detail"]


def test_a_truncated_photo_with_its_own_hash_is_refused_as_undecodable(officer_client) -> None:
    client, csrf = officer_client
    broken = tus.jpeg((800, 600), noise=True)[:20000]
    path = tus.path_of(tus.create(client, csrf, broken))

    response = tus.patch(client, csrf, path, 0, broken)

    assert response.status_code == 415
    assert client.get(path).json()["error_code"] == "undecodable"


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a/b.jpg", "C:\\temp\\x.jpg", "..", "a\x00.jpg"]
)
def test_path_like_file_names_are_refused_at_creation(officer_client, name: str) -> None:
    client, csrf = officer_client

    response = tus.create(client, csrf, tus.jpeg(), filename=name)

    assert response.status_code == 400
    assert "文件名" in response.json()["detail"]


def test_an_upload_over_its_kinds_limit_is_413_at_creation(officer_client) -> None:
    client, csrf = officer_client

    response = tus.create(client, csrf, b"x", kind="signature", length=3 * 2**20)

    assert response.status_code == 413
    assert "签名" in response.json()["detail"]


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        ({"kind": "hologram"}, "类别"),
        ({"sha256": "abc"}, "sha256"),
        ({"lat": "91"}, "lat"),
        ({"captured_at": "yesterday"}, "captured_at"),
    ],
)
def test_bad_metadata_is_refused_with_the_field(officer_client, meta, reason) -> None:
    client, csrf = officer_client

    response = tus.create(client, csrf, tus.jpeg(), **meta)

    assert response.status_code == 400
    assert reason in response.json()["detail"]


def test_a_body_longer_than_what_remains_is_413_and_keeps_what_was_stored(officer_client) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((400, 300), noise=True)
    path = tus.path_of(tus.create(client, csrf, photo))
    assert tus.patch(client, csrf, path, 0, photo[:1000]).status_code == 204

    response = tus.patch(client, csrf, path, 1000, photo[1000:] + b"extra")

    assert response.status_code == 413
    assert client.head(path, headers=tus.headers()).headers["Upload-Offset"] == "1000"
    assert tus.patch(client, csrf, path, 1000, photo[1000:]).status_code == 204
    assert client.get(path).json()["state"] == "complete"


def test_another_user_cannot_see_or_touch_your_upload(client: TestClient, people: People) -> None:
    csrf = login_as(client, people.officer.username)
    photo = tus.jpeg()
    path = tus.path_of(tus.create(client, csrf, photo))
    client.cookies.clear()
    other = login_as(client, people.partner.username)

    assert client.head(path, headers=tus.headers()).status_code == 404
    assert tus.patch(client, other, path, 0, photo).status_code == 404
    assert client.delete(path, headers=tus.headers(other)).status_code == 404
    assert client.get(path).status_code == 404


def test_requests_without_the_tus_version_or_content_type_are_refused(officer_client) -> None:
    client, csrf = officer_client
    path = tus.path_of(tus.create(client, csrf, tus.jpeg()))

    no_version = client.head(path)
    wrong_type = client.patch(
        path,
        content=b"x",
        headers=tus.headers(csrf, **{"Upload-Offset": "0", "Content-Type": "image/jpeg"}),
    )

    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    assert wrong_type.status_code == 415


def test_termination_frees_the_upload_but_never_deletes_evidence(
    officer_client, sync_engine: Engine
) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((400, 300), noise=True)
    path = tus.path_of(tus.create(client, csrf, photo))
    tus.patch(client, csrf, path, 0, photo[:2000])

    assert client.delete(path, headers=tus.headers(csrf)).status_code == 204
    assert client.head(path, headers=tus.headers()).status_code == 410
    assert client.get(path).json()["state"] == "terminated"

    _, done_path = tus.upload_whole(client, csrf, tus.jpeg())
    refused = client.delete(done_path, headers=tus.headers(csrf))
    assert refused.status_code == 409 and "不可删除" in refused.json()["detail"]
    assert evidence_count(sync_engine) == 1


def test_the_same_file_twice_from_the_same_user_is_one_evidence(
    officer_client, sync_engine: Engine
) -> None:
    client, csrf = officer_client
    photo = tus.jpeg()
    _, first = tus.upload_whole(client, csrf, photo)

    again = tus.create(client, csrf, photo)

    assert again.status_code == 201
    assert again.headers["Upload-Offset"] == str(len(photo))  # nothing needs to travel again
    second = tus.path_of(again)
    assert client.get(second).json()["evidence_id"] == client.get(first).json()["evidence_id"]
    assert evidence_count(sync_engine) == 1
    with Session(sync_engine) as session:
        assert len(session.exec(select(Upload)).all()) == 2


def _raw_post(client: TestClient, path: str, headers: dict[str, bytes]) -> tuple[int, dict]:
    """A request with header bytes as a client may send them (the test client re-encodes
    non-ASCII header values as UTF-8; a server hands the app latin-1 bytes as they came)."""
    sent: list[dict] = []

    async def call() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver.local", 80),
        }

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await client.app(scope, receive, send)

    client.blocking_portal.call(call)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


@pytest.mark.parametrize("length", ["²".encode("latin-1"), "1²".encode("latin-1"), "١٢".encode()])
def test_an_upload_length_of_other_than_ascii_digits_is_a_400_naming_it(
    officer_client, sync_engine: Engine, length: bytes
) -> None:
    client, csrf = officer_client
    photo = tus.jpeg()
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    meta = tus.metadata(filename="a.jpg", kind="photo", sha256=hashlib.sha256(photo).hexdigest())
    headers = {
        "Cookie": cookie.encode(),
        "X-CSRF-Token": csrf.encode(),
        "Tus-Resumable": b"1.0.0",
        "Upload-Length": length,
        "Upload-Metadata": meta.encode(),
    }

    status, body = _raw_post(client, "/api/v1/uploads/", headers)

    assert status == 400 and "Upload-Length" in body["detail"]
    with Session(sync_engine) as session:
        assert session.exec(select(func.count()).select_from(Upload)).one() == 0


def test_offsets_and_lengths_are_ascii_digits_that_fit_64_bits() -> None:
    assert parse_offset("0") == 0 and parse_offset(" 1024 ") == 1024
    for bad in ("²", "1²", "١", "-1", "1e3", str(2**63), ""):
        with pytest.raises(BadHeader):
            parse_offset(bad)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1066-10-14T09:00:00"]
)
def test_a_capture_time_no_clock_can_hold_is_a_400_naming_captured_at(
    officer_client, sync_engine: Engine, moment: str
) -> None:
    client, csrf = officer_client

    response = tus.create(client, csrf, tus.jpeg(), captured_at=moment)

    assert response.status_code == 400
    assert "captured_at" in response.json()["detail"]
    with Session(sync_engine) as session:
        assert session.exec(select(func.count()).select_from(Upload)).one() == 0


def test_a_phone_whose_clock_was_reset_still_uploads(officer_client) -> None:
    client, csrf = officer_client
    photo = tus.jpeg(noise=True)
    response, path = tus.upload_whole(client, csrf, photo, captured_at="1970-01-01T08:00:00+08:00")
    assert response.status_code == 204
    assert client.get(path).json()["state"] == "complete"


@pytest.mark.parametrize("name", ["photo\u202egpj.exe", "a\u2066b.jpg", "zero\u200bwidth.jpg"])
def test_a_file_name_that_turns_text_around_is_refused(officer_client, name: str) -> None:
    client, csrf = officer_client

    response = tus.create(client, csrf, tus.jpeg(), filename=name)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "文件名" in detail and name not in detail  # quoted back with the character written out
    assert "\\u" in detail


def test_a_nul_in_other_upload_metadata_is_a_400_naming_the_key(officer_client) -> None:
    client, csrf = officer_client

    response = tus.create(client, csrf, tus.jpeg(), device="Pixel\x007")

    assert response.status_code == 400 and "device" in response.json()["detail"]
