"""The storage contract, its errors, and the helpers both backends share."""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_TYPE",
    "META_SUFFIX",
    "MIN_PART_SIZE",
    "PART_SIZE",
    "Data",
    "HashingSource",
    "MultipartNotFound",
    "ObjectExists",
    "ObjectNotFound",
    "ObjectReader",
    "PartInfo",
    "PendingMultipart",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "check_key",
]

CHUNK_SIZE = 64 * 1024
PART_SIZE = 16 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's floor for every part but the last
META_SUFFIX = ".meta.json"
DEFAULT_TYPE = "application/octet-stream"
_READ_SIZE = 1024 * 1024
Data = BinaryIO | Iterable[bytes]


class StorageError(Exception):
    """Base of every storage failure."""


class ObjectExists(StorageError):
    """The key is already taken; objects are never overwritten."""


class ObjectNotFound(StorageError):
    """No object under that key."""


class MultipartNotFound(StorageError):
    """No multipart upload with that id (never begun, completed or aborted)."""


class StorageUnavailable(StorageError):
    """The backend does not answer, or its bucket or folder is missing."""


@dataclass(frozen=True)
class StoredObject:
    """What the store knows about one object."""

    key: str
    size: int
    content_type: str
    sha256: str | None


@dataclass(frozen=True)
class PartInfo:
    """One uploaded part of a multipart upload."""

    number: int
    etag: str
    size: int = 0


@dataclass(frozen=True)
class PendingMultipart:
    """A multipart upload begun and neither completed nor aborted."""

    key: str
    upload_id: str
    initiated: datetime | None


def check_key(key: str) -> str:
    """Return the key if it is a safe relative object name, else raise ValueError."""
    if not key or len(key) > 1024:
        raise ValueError("object key must be 1 to 1024 characters")
    if key.startswith("/") or "\\" in key or any(ord(c) < 32 for c in key):
        raise ValueError(f"object key {key!r} has a leading '/', a backslash or a control char")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"object key {key!r} has an empty, '.' or '..' segment")
    if key.endswith(META_SUFFIX):
        raise ValueError(f"object keys may not end in {META_SUFFIX}")
    return key


class HashingSource:
    """A file-like or an iterable of byte chunks, hashed and counted as it is read."""

    def __init__(self, data: Data) -> None:
        read = getattr(data, "read", None)
        self._raw = iter(lambda: read(_READ_SIZE), b"") if read else iter(data)
        self.chunks = self._hashed()
        self._pending = memoryview(b"")
        self.hash = hashlib.sha256()
        self.size = 0

    def _hashed(self) -> Iterator[bytes]:
        for chunk in self._raw:
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise TypeError(f"put() wants a binary file or bytes chunks, not {type(chunk)}")
            self.hash.update(chunk)
            self.size += len(chunk)
            yield chunk

    def readinto(self, buffer: bytearray) -> int:
        """Fill the buffer; fewer bytes than its length means the source is exhausted."""
        view, filled = memoryview(buffer), 0
        while filled < len(view):
            if not self._pending:
                chunk = next(self.chunks, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk).cast("B")
            n = min(len(self._pending), len(view) - filled)
            view[filled : filled + n] = self._pending[:n]
            self._pending, filled = self._pending[n:], filled + n
        return filled

    def finish(self, key: str, content_type: str, length: int | None) -> StoredObject:
        """Describe what was read; ValueError if the caller announced another length."""
        if length is not None and length != self.size:
            raise ValueError(f"announced length {length} but received {self.size} bytes")
        return StoredObject(key, self.size, content_type, self.hash.hexdigest())


class ObjectReader(Iterator[bytes]):
    """Chunks of one object; close it (or use `with`) to release the file or connection."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self._chunks, self._close = chunks, close

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise

    def __enter__(self) -> "ObjectReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the underlying file or connection (idempotent)."""
        close, self._close = self._close, lambda: None
        close()


class Storage(ABC):
    """The contract both backends keep; `length`, when given, must match the bytes received.

    Multipart uploads follow S3: parts (each but the last at least MIN_PART_SIZE) are sent in
    any order under numbers 1-10000, and completing with an ascending list of (number, etag)
    assembles the object, write-once, under its key. Give each part a fresh number: servers
    differ on what re-sending a number does (SeaweedFS lists both copies).
    """

    @abstractmethod
    def put(
        self, key: str, data: Data, *, content_type: str = DEFAULT_TYPE, length: int | None = None
    ) -> StoredObject:
        """Stream a new object in; raise ObjectExists if the key is taken."""

    @abstractmethod
    def open(self, key: str) -> ObjectReader:
        """Stream an object out in 64 KiB chunks; raise ObjectNotFound if missing."""

    @abstractmethod
    def stat(self, key: str) -> StoredObject:
        """Describe an object; raise ObjectNotFound if missing."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under the key."""
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object; a missing key is not an error."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StorageUnavailable with a human reason unless the backend is usable."""

    @abstractmethod
    def ensure_ready(self) -> None:
        """Create the folder or bucket if it is missing."""

    @abstractmethod
    def create_multipart(
        self, key: str, *, content_type: str = DEFAULT_TYPE, sha256: str | None = None
    ) -> str:
        """Begin a multipart upload to `key`; returns its upload id."""

    @abstractmethod
    def upload_part(self, key: str, upload_id: str, number: int, data: bytes | memoryview) -> str:
        """Store one part; returns its etag. Raise MultipartNotFound for an unknown upload."""

    @abstractmethod
    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        """The parts stored so far, by number."""

    @abstractmethod
    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[PartInfo]
    ) -> StoredObject:
        """Assemble the listed parts under `key`; ObjectExists if the key is taken."""

    @abstractmethod
    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop a multipart upload and its parts; an unknown upload is not an error."""

    @abstractmethod
    def pending_multiparts(self, prefix: str = "") -> list[PendingMultipart]:
        """Multipart uploads under `prefix` that were never completed or aborted."""

    def presigned_url(
        self,
        key: str,
        *,
        expires: timedelta,
        content_type: str | None = None,
        disposition: str | None = None,
    ) -> str | None:
        """A short-lived URL that fetches the object directly, or None if the backend has none."""
        return None
