"""Object storage: one adapter over a local folder or any S3 server (the only module using minio).

Objects are write-once: `put` never replaces a key (locally a finished temp file is hard-linked
into place; on S3 the write carries `If-None-Match: *`, after a stat). Bytes stream through
bounded buffers and are hashed on the way; the SHA-256 is kept as S3 user metadata `sha256`, or
locally in `<key>.meta.json` beside the object (so keys may not end in `.meta.json`). An S3 object
larger than one part goes up as a multipart upload to `.staging/<uuid>` and is then copied
server-side to its key, carrying the hash that is only known at the end. The API is synchronous:
call it from a worker thread.
"""

import hashlib
import json
import os
import tempfile
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, quote, unquote, urlsplit
from uuid import uuid4

import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.error import MinioException, S3Error
from minio.helpers import check_bucket_name

__all__ = [
    "LocalStorage",
    "ObjectExists",
    "ObjectNotFound",
    "ObjectReader",
    "S3Storage",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "check_key",
    "storage_from_url",
]

CHUNK_SIZE = 64 * 1024
PART_SIZE = 16 * 1024 * 1024
META_SUFFIX = ".meta.json"
DEFAULT_TYPE = "application/octet-stream"
_READ_SIZE = 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}
_UNAVAILABLE = {"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
_NO_CONDITIONALS = {"NotImplemented", "InvalidArgument", "MethodNotAllowed"}
Data = BinaryIO | Iterable[bytes]


class StorageError(Exception):
    """Base of every storage failure."""


class ObjectExists(StorageError):
    """The key is already taken; objects are never overwritten."""


class ObjectNotFound(StorageError):
    """No object under that key."""


class StorageUnavailable(StorageError):
    """The backend does not answer, or its bucket or folder is missing."""


@dataclass(frozen=True)
class StoredObject:
    """What the store knows about one object."""

    key: str
    size: int
    content_type: str
    sha256: str | None


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


class _Source:
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
    """The contract both backends keep; `length`, when given, must match the bytes received."""

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


class LocalStorage(Storage):
    """Objects as files under one folder, written via a temp file and a hard link."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(
        self, key: str, data: Data, *, content_type: str = DEFAULT_TYPE, length: int | None = None
    ) -> StoredObject:
        path = self._path(key)
        if path.exists():
            raise ObjectExists(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = _Source(data)
        tmp = meta_tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as file:
                for chunk in source.chunks:
                    file.write(chunk)
                os.fsync(file.fileno())
            stored = source.finish(key, content_type, length)
            fd, meta_tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "w") as file:
                json.dump({"content_type": content_type, "sha256": stored.sha256}, file)
            try:
                os.link(tmp, path)  # the commit point: fails if the key appeared meanwhile
            except FileExistsError:
                raise ObjectExists(key) from None
            os.replace(meta_tmp, f"{path}{META_SUFFIX}")
            dir_fd = os.open(path.parent, os.O_RDONLY)  # make the new names durable
            os.fsync(dir_fd)
            os.close(dir_fd)
        finally:
            for name in (tmp, meta_tmp):
                if name:
                    with suppress(FileNotFoundError):
                        os.unlink(name)
        return stored

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open(self, key: str) -> ObjectReader:
        try:
            file = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        return ObjectReader(iter(lambda: file.read(CHUNK_SIZE), b""), file.close)

    def stat(self, key: str) -> StoredObject:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        try:
            meta = json.loads(Path(f"{path}{META_SUFFIX}").read_text())
        except (OSError, ValueError):  # written just after the object; absent for a moment
            meta = {}
        ctype = meta.get("content_type", DEFAULT_TYPE)
        return StoredObject(key, path.stat().st_size, ctype, meta.get("sha256"))

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        Path(f"{path}{META_SUFFIX}").unlink(missing_ok=True)

    def ping(self) -> None:
        if not self.root.is_dir():
            raise StorageUnavailable(f"storage folder {self.root} does not exist")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"storage folder {self.root} is not writable")

    def ensure_ready(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)


class S3Storage(Storage):
    """Objects in one S3 bucket; writes are conditional (`If-None-Match: *`) where supported."""

    def __init__(self, client: Minio, bucket: str, endpoint: str) -> None:
        self.client, self.bucket, self.endpoint = client, bucket, endpoint
        self.conditional_writes = True  # cleared if the server rejects If-None-Match

    @contextmanager
    def _errors(self, key: str = ""):
        """Translate SDK and network errors into this module's exceptions."""
        try:
            yield
        except S3Error as exc:
            traceback.clear_frames(exc.__traceback__)  # minio's error/frame cycle pins callers
            if exc.code in _MISSING:
                raise ObjectNotFound(key) from None
            if exc.code == "PreconditionFailed":
                raise ObjectExists(key) from None
            if exc.code in _UNAVAILABLE:
                raise StorageUnavailable(f"S3 {exc.code} on bucket {self.bucket!r}") from exc
            raise StorageError(f"S3 {exc.code}: {exc.message}") from exc
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise StorageUnavailable(f"S3 server {self.endpoint} did not answer: {exc}") from exc

    def _write(self, key: str, headers: dict[str, str], body: bytes | memoryview | None) -> None:
        """PUT (or copy, per headers) without replacing an existing object."""
        extra = {"If-None-Match": "*"} if self.conditional_writes else {}
        with self._errors(key):
            try:
                self.client._execute("PUT", self.bucket, key, body, {**headers, **extra})
            except S3Error as exc:
                if not extra or exc.code not in _NO_CONDITIONALS:
                    raise
                self.conditional_writes = False  # old server: rely on the stat done before
                self.client._execute("PUT", self.bucket, key, body, dict(headers))

    def put(
        self, key: str, data: Data, *, content_type: str = DEFAULT_TYPE, length: int | None = None
    ) -> StoredObject:
        if self.exists(key):
            raise ObjectExists(key)
        source, buffer = _Source(data), bytearray(PART_SIZE)
        filled = source.readinto(buffer)
        if filled < PART_SIZE:  # small object: one request, metadata known up front
            stored = source.finish(key, content_type, length)
            body = memoryview(buffer)[:filled] if filled else b""
            self._write(key, self._headers(stored), body)
            return stored
        # Large: multipart to a staging key, then a server-side copy adds the hash.
        staging = f".staging/{uuid4().hex}"
        where = (self.bucket, staging)
        with self._errors(key):
            upload_id = self.client._create_multipart_upload(*where, {})
        try:
            with self._errors(key):
                parts: list[Part] = []
                while filled:
                    number, view = len(parts) + 1, memoryview(buffer)[:filled]
                    etag = self.client._upload_part(*where, view, None, upload_id, number)
                    parts.append(Part(number, etag))
                    filled = source.readinto(buffer)
                stored = source.finish(key, content_type, length)
                self.client._complete_multipart_upload(*where, upload_id, parts)
        except BaseException:
            with suppress(Exception):
                self.client._abort_multipart_upload(*where, upload_id)
            raise
        headers = {
            **self._headers(stored),
            "x-amz-copy-source": quote(f"/{self.bucket}/{staging}"),
            "x-amz-metadata-directive": "REPLACE",
        }
        try:
            self._write(key, headers, None)
        finally:
            self.delete(staging)
        return stored

    @staticmethod
    def _headers(stored: StoredObject) -> dict[str, str]:
        return {"Content-Type": stored.content_type, "x-amz-meta-sha256": stored.sha256 or ""}

    def open(self, key: str) -> ObjectReader:
        with self._errors(key):
            response = self.client.get_object(self.bucket, check_key(key))

        def release() -> None:
            response.close()
            response.release_conn()

        return ObjectReader(response.stream(CHUNK_SIZE), release)

    def stat(self, key: str) -> StoredObject:
        with self._errors(key):
            obj = self.client.stat_object(self.bucket, check_key(key))
        sha = obj.metadata.get("x-amz-meta-sha256") if obj.metadata else None
        return StoredObject(key, obj.size or 0, obj.content_type or DEFAULT_TYPE, sha or None)

    def delete(self, key: str) -> None:
        with suppress(ObjectNotFound), self._errors(key):
            self.client.remove_object(self.bucket, check_key(key))

    def ping(self) -> None:
        with self._errors():
            found = self.client.bucket_exists(self.bucket)
        if not found:
            raise StorageUnavailable(f"bucket {self.bucket!r} does not exist")

    def ensure_ready(self) -> None:
        with self._errors():
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)


def storage_from_url(url: str) -> Storage:
    """Build the store named by STORAGE_URL (`file://media`, `file:///abs`, `s3://k:s@h:p/b`)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError(f"storage URL {url!r} names no folder")
        return LocalStorage(path)
    if parts.scheme == "s3":
        bucket = parts.path.strip("/")
        if not parts.hostname or not bucket or "/" in bucket:
            raise ValueError(
                f"storage URL must look like s3://key:secret@host:port/bucket: {url!r}"
            )
        check_bucket_name(bucket)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        # Short connect timeout and few retries: /healthz must fail fast when S3 is down.
        retries = urllib3.Retry(
            total=3,
            connect=2,
            read=0,
            status=2,
            status_forcelist=[502, 503, 504],
            backoff_factor=0.2,
        )
        http = urllib3.PoolManager(
            maxsize=10, timeout=urllib3.Timeout(connect=3, read=120), retries=retries
        )
        endpoint = parts.netloc.rpartition("@")[2]
        client = Minio(
            endpoint,
            access_key=unquote(parts.username or "") or None,
            secret_key=unquote(parts.password or "") or None,
            secure=query.get("secure", "false").lower() in ("1", "true", "yes"),
            region=query.get("region"),
            http_client=http,
        )
        return S3Storage(client, bucket, endpoint)
    raise ValueError(f"unsupported storage URL scheme {parts.scheme!r}: use file:// or s3://")
