"""Multipart uploads, the same on the local folder and on a real S3 server."""

import hashlib
import os
import urllib.request
from datetime import timedelta

import pytest

from server.storage import (
    MIN_PART_SIZE,
    MultipartNotFound,
    ObjectExists,
    PartInfo,
    Storage,
    StorageError,
)
from tests.storage.test_storage import read_all

MiB = 1024 * 1024


def test_parts_assemble_in_number_order_with_the_declared_hash(storage: Storage) -> None:
    first, second, last = os.urandom(MIN_PART_SIZE), os.urandom(MIN_PART_SIZE), b"tail"
    body = first + second + last
    sha = hashlib.sha256(body).hexdigest()
    upload_id = storage.create_multipart("ev/1", content_type="video/mp4", sha256=sha)
    # Sent out of order, with gaps in the numbers.
    e3 = storage.upload_part("ev/1", upload_id, 7, last)
    e1 = storage.upload_part("ev/1", upload_id, 2, first)
    e2 = storage.upload_part("ev/1", upload_id, 5, second)

    listed = storage.list_parts("ev/1", upload_id)
    assert [(p.number, p.etag, p.size) for p in listed] == [
        (2, e1, MIN_PART_SIZE),
        (5, e2, MIN_PART_SIZE),
        (7, e3, 4),
    ]
    assert [p.upload_id for p in storage.pending_multiparts("ev/")] == [upload_id]

    stored = storage.complete_multipart("ev/1", upload_id, listed)

    assert read_all(storage, "ev/1") == body
    assert stored.size == len(body) and stored.sha256 == sha
    assert storage.stat("ev/1").content_type == "video/mp4"
    assert storage.pending_multiparts("ev/") == []
    with pytest.raises(MultipartNotFound):
        storage.upload_part("ev/1", upload_id, 8, b"late")


def test_completing_onto_a_taken_key_fails_and_keeps_the_original(storage: Storage) -> None:
    storage.put("ev/taken", [b"original"])
    upload_id = storage.create_multipart("ev/taken")
    etag = storage.upload_part("ev/taken", upload_id, 1, b"forged")

    with pytest.raises(ObjectExists):
        storage.complete_multipart("ev/taken", upload_id, [PartInfo(1, etag)])

    assert read_all(storage, "ev/taken") == b"original"


def test_a_wrong_etag_is_refused(storage: Storage) -> None:
    upload_id = storage.create_multipart("ev/etag")
    storage.upload_part("ev/etag", upload_id, 1, b"abc")

    with pytest.raises(StorageError):
        storage.complete_multipart("ev/etag", upload_id, [PartInfo(1, "0" * 32)])
    assert not storage.exists("ev/etag")


def test_abort_drops_the_parts_and_is_idempotent(storage: Storage) -> None:
    upload_id = storage.create_multipart("ev/abort")
    storage.upload_part("ev/abort", upload_id, 1, b"abc")

    storage.abort_multipart("ev/abort", upload_id)
    storage.abort_multipart("ev/abort", upload_id)

    assert storage.pending_multiparts("ev/abort") == []
    assert not storage.exists("ev/abort")
    with pytest.raises(MultipartNotFound):
        storage.list_parts("ev/abort", upload_id)


def test_presigned_links_fetch_the_object_on_s3_only(storage: Storage) -> None:
    storage.put("ev/link.jpg", [b"\xff\xd8photo"], content_type="image/jpeg")

    url = storage.presigned_url(
        "ev/link.jpg",
        expires=timedelta(minutes=1),
        content_type="image/jpeg",
        disposition='attachment; filename="a.jpg"',
    )

    if url is None:  # the local folder: the app signs its own links
        return
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"\xff\xd8photo"
        assert response.headers["Content-Disposition"] == 'attachment; filename="a.jpg"'
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=10)
