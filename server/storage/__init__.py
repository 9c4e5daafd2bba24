"""Object storage: one adapter over a local folder or any S3 server (only this package uses minio).

Objects are write-once: `put` and `complete_multipart` never replace a key (locally a finished
temp file is hard-linked into place; on S3 the write carries `If-None-Match: *`, after a stat).
Bytes stream through bounded buffers and are hashed on the way; the SHA-256 is kept as S3 user
metadata `sha256`, or locally in `<key>.meta.json` beside the object (so keys may not end in
`.meta.json`). The API is synchronous: call it from a worker thread.
"""

from server.storage.base import (
    CHUNK_SIZE,
    DEFAULT_TYPE,
    META_SUFFIX,
    MIN_PART_SIZE,
    PART_SIZE,
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
from server.storage.local import LocalStorage
from server.storage.s3 import S3Storage
from server.storage.url import storage_from_url

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_TYPE",
    "META_SUFFIX",
    "MIN_PART_SIZE",
    "PART_SIZE",
    "LocalStorage",
    "MultipartNotFound",
    "ObjectExists",
    "ObjectNotFound",
    "ObjectReader",
    "PartInfo",
    "PendingMultipart",
    "S3Storage",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "check_key",
    "storage_from_url",
]
