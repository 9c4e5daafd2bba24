"""The tus exchange a phone makes, through the app: discover, create, send, resume, finish."""

import hashlib

from litestar.testing import TestClient

from tests.evidence import tus
from tests.evidence.conftest import People


def test_options_tells_what_the_server_supports(client: TestClient) -> None:
    response = client.options("/api/v1/uploads/")

    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) >= {
        "creation",
        "termination",
        "expiration",
        "checksum",
    }
    assert int(response.headers["Tus-Max-Size"]) >= 1024**3


def test_a_photo_in_one_patch_becomes_evidence(officer_client, people: People) -> None:
    client, csrf = officer_client
    photo = tus.jpeg()
    created = tus.create(
        client,
        csrf,
        photo,
        filename="门头.jpg",
        filetype="image/jpeg",
        captured_at="2026-11-26T09:30:15+08:00",
        lat="30.2591",
        lng="120.1689",
        device="Pixel 7",
    )
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Expires"]
    path = tus.path_of(created)

    sent = tus.patch(client, csrf, path, 0, photo)

    assert sent.status_code == 204, sent.text
    assert sent.headers["Upload-Offset"] == str(len(photo))
    state = client.get(path).json()
    assert state["state"] == "complete" and state["offset"] == len(photo)
    record = client.get(f"/api/v1/evidence/{state['evidence_id']}").json()
    assert record["sha256"] == hashlib.sha256(photo).hexdigest()
    assert record["size"] == len(photo)
    assert record["content_type"] == "image/jpeg"
    assert record["kind"] == "photo"
    assert record["lat"] == 30.2591 and record["lng"] == 120.1689
    assert record["captured_at"].startswith("2026-11-26T01:30:15")


def test_small_chunks_resume_from_the_offset_the_server_reports(officer_client) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((800, 600), noise=True)
    created = tus.create(client, csrf, photo)
    path = tus.path_of(created)
    offset = 0
    for size in (100, 5000, 70_000):
        response = tus.patch(client, csrf, path, offset, photo[offset : offset + size])
        assert response.status_code == 204
        offset += size
        head = client.head(path, headers=tus.headers())
        assert head.status_code == 200
        assert head.headers["Upload-Offset"] == str(offset)
        assert head.headers["Upload-Length"] == str(len(photo))
        assert head.headers["Cache-Control"] == "no-store"

    done = tus.patch(client, csrf, path, offset, photo[offset:])

    assert done.status_code == 204, done.text
    assert client.get(path).json()["state"] == "complete"
