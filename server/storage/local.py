"""Objects as files under one folder: written via a temp file and a hard link, never replaced.

Multipart uploads keep their parts as files under `.multipart/<upload id>/` until completion
concatenates them into place.
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from server.core.clock import utcnow
from server.storage.base import (
    CHUNK_SIZE,
    DEFAULT_TYPE,
    META_SUFFIX,
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

__all__ = ["LocalStorage"]

MULTIPART_DIR = ".multipart"
_PART = re.compile(r"^part-(\d{5})$")
_COPY_SIZE = 1024 * 1024


def _fsync_dir(path: Path) -> None:
    """Make new names in a folder durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, data: bytes | memoryview) -> None:
    """Write a file whole or not at all (temp file, fsync, rename over)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class LocalStorage(Storage):
    """Objects as files under one folder, written via a temp file and a hard link."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def _publish(self, tmp: str, path: Path, content_type: str, sha256: str | None) -> None:
        """Link a finished temp file under its key (the commit point) and write its metadata."""
        fd, meta_tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "w") as file:
                json.dump({"content_type": content_type, "sha256": sha256}, file)
            try:
                os.link(tmp, path)  # fails if the key appeared meanwhile
            except FileExistsError:
                raise ObjectExists(str(path)) from None
            os.replace(meta_tmp, f"{path}{META_SUFFIX}")
            _fsync_dir(path.parent)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(meta_tmp)

    def put(
        self, key: str, data: Data, *, content_type: str = DEFAULT_TYPE, length: int | None = None
    ) -> StoredObject:
        path = self._path(key)
        if path.exists():
            raise ObjectExists(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = HashingSource(data)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as file:
                for chunk in source.chunks:
                    file.write(chunk)
                os.fsync(file.fileno())
            stored = source.finish(key, content_type, length)
            try:
                self._publish(tmp, path, content_type, stored.sha256)
            except ObjectExists:
                raise ObjectExists(key) from None
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
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

    # Multipart uploads

    def _upload_dir(self, upload_id: str) -> Path:
        try:
            folder = uuid.UUID(hex=upload_id).hex
        except ValueError:
            raise MultipartNotFound(upload_id) from None
        return self.root / MULTIPART_DIR / folder

    def _manifest(self, key: str, upload_id: str) -> dict[str, str | None]:
        folder = self._upload_dir(upload_id)
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            raise MultipartNotFound(upload_id) from None
        if manifest.get("key") != key:
            raise MultipartNotFound(f"{upload_id} is not an upload to {key!r}")
        return manifest

    def create_multipart(
        self, key: str, *, content_type: str = DEFAULT_TYPE, sha256: str | None = None
    ) -> str:
        check_key(key)
        upload_id = uuid.uuid4().hex
        folder = self._upload_dir(upload_id)
        folder.mkdir(parents=True)
        manifest = {
            "key": key,
            "content_type": content_type,
            "sha256": sha256,
            "initiated": utcnow().isoformat(),
        }
        _write_atomically(folder / "manifest.json", json.dumps(manifest).encode())
        return upload_id

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes | memoryview) -> str:
        if not 1 <= number <= 10000:
            raise ValueError(f"part number {number} is outside 1-10000")
        self._manifest(key, upload_id)
        folder = self._upload_dir(upload_id)
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        _write_atomically(folder / f"part-{number:05d}", data)
        _write_atomically(folder / f"part-{number:05d}.etag", etag.encode())
        return etag

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        self._manifest(key, upload_id)
        folder, parts = self._upload_dir(upload_id), []
        for path in sorted(folder.iterdir()):
            match = _PART.match(path.name)
            if match:
                with suppress(FileNotFoundError):
                    etag = Path(f"{path}.etag").read_text()
                    parts.append(PartInfo(int(match[1]), etag, path.stat().st_size))
        return parts

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[PartInfo]
    ) -> StoredObject:
        manifest = self._manifest(key, upload_id)
        path = self._path(key)
        if path.exists():
            raise ObjectExists(key)
        stored = {p.number: p for p in self.list_parts(key, upload_id)}
        numbers = [p.number for p in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise StorageError("parts must be listed once each, in ascending order")
        for part in parts:
            if part.number not in stored or stored[part.number].etag != part.etag:
                raise StorageError(f"part {part.number} is missing or has another etag")
        folder = self._upload_dir(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with (folder / f"part-{part.number:05d}").open("rb") as src:
                        shutil.copyfileobj(src, out, _COPY_SIZE)
                        size += src.tell()
                os.fsync(out.fileno())
            content_type = manifest.get("content_type") or DEFAULT_TYPE
            try:
                self._publish(tmp, path, content_type, manifest.get("sha256"))
            except ObjectExists:
                raise ObjectExists(key) from None
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        shutil.rmtree(folder, ignore_errors=True)
        return StoredObject(key, size, content_type, manifest.get("sha256"))

    def abort_multipart(self, key: str, upload_id: str) -> None:
        with suppress(MultipartNotFound):
            self._manifest(key, upload_id)
            shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)

    def pending_multiparts(self, prefix: str = "") -> list[PendingMultipart]:
        found: list[PendingMultipart] = []
        base = self.root / MULTIPART_DIR
        if not base.is_dir():
            return found
        for folder in sorted(base.iterdir()):
            try:
                manifest = json.loads((folder / "manifest.json").read_text())
            except (OSError, ValueError):
                continue
            key = manifest.get("key") or ""
            if key.startswith(prefix):
                started = manifest.get("initiated")
                when = datetime.fromisoformat(started) if started else None
                found.append(PendingMultipart(key, folder.name, when))
        return found
