"""Objects in one S3 bucket (the only module, with url.py, that touches the minio SDK).

Writes never replace an object: a single PUT carries `If-None-Match: *` after a stat; a large
`put` goes up as a multipart upload to `.staging/<uuid>` and is then copied server-side to its
key, carrying the hash that is only known at the end.
"""

import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import timedelta
from urllib.parse import quote
from uuid import uuid4

import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.error import MinioException, S3Error

from server.storage.base import (
    CHUNK_SIZE,
    DEFAULT_TYPE,
    PART_SIZE,
    Data,
    HashingSource,
    MultipartNotFound,
    ObjectExists,
    ObjectNotFound,
    ObjectReader,
    PartInfo,
    PendingMultipart,
    Storage,
    StorageError,
    StorageUnavailable,
    StoredObject,
    check_key,
)

__all__ = ["S3Storage"]

_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}
_UNAVAILABLE = {"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
_NO_CONDITIONALS = {"NotImplemented", "InvalidArgument", "MethodNotAllowed"}


class S3Storage(Storage):
    """Objects in one S3 bucket; writes are conditional (`If-None-Match: *`) where supported."""

    def __init__(
        self, client: Minio, bucket: str, endpoint: str, public_client: Minio | None = None
    ) -> None:
        self.client, self.bucket, self.endpoint = client, bucket, endpoint
        self.public_client = public_client  # signs links for the address phones reach
        self.conditional_writes = True  # cleared if the server rejects If-None-Match

    @contextmanager
    def _errors(self, key: str = "") -> Iterator[None]:
        """Translate SDK and network errors into this package's exceptions."""
        try:
            yield
        except S3Error as exc:
            traceback.clear_frames(exc.__traceback__)  # minio's error/frame cycle pins callers
            if exc.code in _MISSING:
                raise ObjectNotFound(key) from None
            if exc.code == "NoSuchUpload":
                raise MultipartNotFound(key) from None
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
        source, buffer = HashingSource(data), bytearray(PART_SIZE)
        filled = source.readinto(buffer)
        if filled < PART_SIZE:  # small object: one request, metadata known up front
            stored = source.finish(key, content_type, length)
            body = memoryview(buffer)[:filled] if filled else b""
            self._write(key, self._headers(stored.content_type, stored.sha256), body)
            return stored
        # Large: multipart to a staging key, then a server-side copy adds the hash.
        staging = f".staging/{uuid4().hex}"
        upload_id = self.create_multipart(staging)
        try:
            parts: list[PartInfo] = []
            while filled:
                view = memoryview(buffer)[:filled]
                parts.append(
                    PartInfo(
                        len(parts) + 1, self.upload_part(staging, upload_id, len(parts) + 1, view)
                    )
                )
                filled = source.readinto(buffer)
            stored = source.finish(key, content_type, length)
            with self._errors(key):
                self.client._complete_multipart_upload(
                    self.bucket, staging, upload_id, [Part(p.number, p.etag) for p in parts]
                )
        except BaseException:
            with suppress(StorageError):
                self.abort_multipart(staging, upload_id)
            raise
        headers = {
            **self._headers(stored.content_type, stored.sha256),
            "x-amz-copy-source": quote(f"/{self.bucket}/{staging}"),
            "x-amz-metadata-directive": "REPLACE",
        }
        try:
            self._write(key, headers, None)
        finally:
            self.delete(staging)
        return stored

    @staticmethod
    def _headers(content_type: str, sha256: str | None) -> dict[str, str]:
        headers = {"Content-Type": content_type}
        if sha256:
            headers["x-amz-meta-sha256"] = sha256
        return headers

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

    # Multipart uploads

    def create_multipart(
        self, key: str, *, content_type: str = DEFAULT_TYPE, sha256: str | None = None
    ) -> str:
        with self._errors(check_key(key)):
            return self.client._create_multipart_upload(
                self.bucket, key, self._headers(content_type, sha256)
            )

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes | memoryview) -> str:
        if not 1 <= number <= 10000:
            raise ValueError(f"part number {number} is outside 1-10000")
        with self._errors(check_key(key)):
            return self.client._upload_part(self.bucket, key, data, None, upload_id, number)

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        parts: list[PartInfo] = []
        marker: str | None = None
        with self._errors(check_key(key)):
            while True:
                result = self.client._list_parts(
                    self.bucket, key, upload_id, part_number_marker=marker
                )
                parts += [PartInfo(p.part_number, p.etag, p.size or 0) for p in result.parts]
                if not result.is_truncated:
                    return parts
                marker = str(result.next_part_number_marker)

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[PartInfo]
    ) -> StoredObject:
        if self.exists(key):
            raise ObjectExists(key)
        with self._errors(key):
            self.client._complete_multipart_upload(
                self.bucket, key, upload_id, [Part(p.number, p.etag) for p in parts]
            )
        return self.stat(key)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        with suppress(MultipartNotFound, ObjectNotFound), self._errors(check_key(key)):
            self.client._abort_multipart_upload(self.bucket, key, upload_id)

    def pending_multiparts(self, prefix: str = "") -> list[PendingMultipart]:
        found: list[PendingMultipart] = []
        key_marker = id_marker = None
        with self._errors():
            while True:
                result = self.client._list_multipart_uploads(
                    self.bucket, prefix=prefix, key_marker=key_marker, upload_id_marker=id_marker
                )
                found += [
                    PendingMultipart(u.object_name, u.upload_id, u.initiated_time)
                    for u in result.uploads
                ]
                if not result.is_truncated:
                    return found
                key_marker, id_marker = result.next_key_marker, result.next_upload_id_marker

    def presigned_url(
        self,
        key: str,
        *,
        expires: timedelta,
        content_type: str | None = None,
        disposition: str | None = None,
    ) -> str:
        headers = {}
        if content_type:
            headers["response-content-type"] = content_type
        if disposition:
            headers["response-content-disposition"] = disposition
        client = self.public_client or self.client
        with self._errors(check_key(key)):
            if client is not self.client and client._region is None:
                # Signing is offline only once the region is known; learn it from inside.
                client._region = self.client._get_region(self.bucket)
            return client.presigned_get_object(
                self.bucket, key, expires=expires, response_headers=headers or None
            )
