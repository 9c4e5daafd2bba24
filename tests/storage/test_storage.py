"""One contract, two backends: the local folder and a real S3 server behave the same."""

import hashlib
import io
import os
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from server.storage import (
    PART_SIZE,
    ObjectExists,
    ObjectNotFound,
    Storage,
    StorageUnavailable,
    storage_from_url,
)
from tests.support.s3server import S3Server, free_port

MiB = 1024 * 1024


def read_all(store: Storage, key: str) -> bytes:
    with store.open(key) as chunks:
        return b"".join(chunks)


def test_round_trip_keeps_bytes_hash_size_and_type(storage: Storage) -> None:
    body = b"inspection photo \x00\xff" * 1000
    stored = storage.put("visits/1/photo.jpg", io.BytesIO(body), content_type="image/jpeg")

    assert read_all(storage, "visits/1/photo.jpg") == body
    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert stored.size == len(body)
    assert storage.stat("visits/1/photo.jpg") == stored
    assert stored.content_type == "image/jpeg"


def test_put_accepts_an_iterable_of_chunks_and_an_empty_object(storage: Storage) -> None:
    storage.put("a/chunks.bin", iter([b"one ", bytearray(b"two "), memoryview(b"three")]))
    storage.put("a/empty.txt", [], content_type="text/plain")

    assert read_all(storage, "a/chunks.bin") == b"one two three"
    assert read_all(storage, "a/empty.txt") == b""
    assert storage.stat("a/empty.txt").sha256 == hashlib.sha256(b"").hexdigest()


def test_put_never_overwrites(storage: Storage) -> None:
    original = storage.put("signatures/7.png", [b"original"], content_type="image/png")

    with pytest.raises(ObjectExists):
        storage.put("signatures/7.png", [b"forged"], content_type="text/plain")

    assert read_all(storage, "signatures/7.png") == b"original"
    assert storage.stat("signatures/7.png") == original


def test_of_two_racing_puts_exactly_one_wins(storage: Storage) -> None:
    both_checked = threading.Barrier(2)  # each put has seen the key free before either writes
    outcomes: dict[bytes, object] = {}

    def upload(body: bytes) -> None:
        def chunks() -> Iterator[bytes]:
            both_checked.wait(timeout=10)
            yield body

        try:
            outcomes[body] = storage.put("race/photo.jpg", chunks())
        except ObjectExists as exc:
            outcomes[body] = exc

    threads = [threading.Thread(target=upload, args=(body,)) for body in (b"first", b"second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [body for body, outcome in outcomes.items() if not isinstance(outcome, Exception)]
    assert len(winners) == 1 and len(outcomes) == 2, outcomes
    assert read_all(storage, "race/photo.jpg") == winners[0]
    assert storage.stat("race/photo.jpg").sha256 == hashlib.sha256(winners[0]).hexdigest()


def test_a_wrong_announced_length_stores_nothing(storage: Storage) -> None:
    with pytest.raises(ValueError, match="length"):
        storage.put("short.bin", [b"12345"], length=6)

    assert not storage.exists("short.bin")


def test_missing_keys_raise_object_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.open("nope/missing.jpg")
    with pytest.raises(ObjectNotFound):
        storage.stat("nope/missing.jpg")
    assert storage.exists("nope/missing.jpg") is False


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../escape", "a/../../b", "a\\b", "a//b", "./a", "x" * 1025, "a.meta.json"],
)
def test_bad_keys_are_rejected(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        storage.put(key, [b"x"])
    with pytest.raises(ValueError):
        storage.open(key)
    with pytest.raises(ValueError):
        storage.stat(key)


def test_delete_then_gone_and_deleting_again_is_fine(storage: Storage) -> None:
    storage.put("tmp/doomed.txt", [b"bye"])

    storage.delete("tmp/doomed.txt")
    storage.delete("tmp/doomed.txt")

    assert storage.exists("tmp/doomed.txt") is False


def test_chinese_file_names_work(storage: Storage) -> None:
    key = "商户/张三小吃店/整改照片 1.jpg"
    storage.put(key, [b"\xff\xd8 jpeg"], content_type="image/jpeg")

    assert storage.exists(key)
    assert read_all(storage, key) == b"\xff\xd8 jpeg"
    assert storage.stat(key).content_type == "image/jpeg"


def test_reading_part_of_an_object_and_closing_releases_it(storage: Storage) -> None:
    storage.put("big/partial.bin", [os.urandom(MiB)])
    for _ in range(20):  # would exhaust the connection pool if closing leaked
        with storage.open("big/partial.bin") as chunks:
            assert len(next(chunks)) == 64 * 1024

    assert storage.stat("big/partial.bin").size == MiB


def test_a_40_mib_object_streams_in_bounded_memory(storage: Storage, request) -> None:
    expected = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            chunk = os.urandom(MiB)
            expected.update(chunk)
            yield chunk

    limit = 4 * MiB if request.node.callspec.params["storage"] == "local" else PART_SIZE + 4 * MiB
    tracemalloc.start()
    try:
        stored = storage.put("big/40mib.bin", chunks())
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        got, size = hashlib.sha256(), 0
        with storage.open("big/40mib.bin") as reader:
            for chunk in reader:
                got.update(chunk)
                size += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.sha256 == expected.hexdigest() == got.hexdigest()
    assert stored.size == size == 40 * MiB
    assert storage.stat("big/40mib.bin").sha256 == expected.hexdigest()
    assert put_peak < limit, f"put held {put_peak / MiB:.1f} MiB"
    assert read_peak < 2 * MiB, f"read held {read_peak / MiB:.1f} MiB"


def test_ping_passes_on_a_ready_backend(storage: Storage) -> None:
    storage.ping()


def test_ping_fails_when_the_folder_is_missing(tmp_path) -> None:
    with pytest.raises(StorageUnavailable, match="does not exist"):
        storage_from_url(f"file://{tmp_path / 'absent'}").ping()


def test_ping_fails_when_the_bucket_is_missing(s3_server: S3Server) -> None:
    with pytest.raises(StorageUnavailable, match="never-made"):
        storage_from_url(s3_server.url("never-made-bucket")).ping()


def test_ping_fails_with_wrong_credentials(s3_server: S3Server) -> None:
    url = s3_server.url("any-bucket").replace(s3_server.access_key, "intruder", 1)
    with pytest.raises(StorageUnavailable):
        storage_from_url(url).ping()


def test_ping_fails_fast_when_nothing_listens() -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="did not answer"):
        storage_from_url(f"s3://k:s@127.0.0.1:{free_port()}/media").ping()
    assert time.monotonic() - started < 5


def test_storage_urls(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = storage_from_url("file://media")
    relative.ensure_ready()
    relative.put("x.txt", [b"x"])

    assert (tmp_path / "media" / "x.txt").read_bytes() == b"x"
    assert storage_from_url(f"file://{tmp_path}/media").exists("x.txt")
    with pytest.raises(ValueError, match="scheme"):
        storage_from_url("ftp://host/media")
    with pytest.raises(ValueError, match="bucket"):
        storage_from_url("s3://k:s@host:9000")
