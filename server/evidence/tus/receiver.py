"""Receiving a tus PATCH: bytes are hashed as they arrive, gathered into parts in a bounded
buffer, stored, and the progress committed, so a drop or a crash loses at most one part.

Where the request stands in the file, and so what it may take and where the upload stands after
each commit, is followed by an offsets.Cursor (server/evidence/tus/offsets.py).

Layout in storage: parts of the upload's S3 multipart object (each PART_SIZE, the last shorter);
bytes past the last full part (a PATCH that ended mid-part) wait as small fragment objects under
`uploads/<id>/` until the next PATCH fills the part. The SHA-256 state is committed with each
checkpoint, so any process can go on hashing where another stopped.
"""

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import datetime, timedelta
from typing import NoReturn

from server.audit.service import Actor
from server.core.bodies import BodyStalled, ClientGone
from server.core.clock import utcnow
from server.evidence.sniff import SNIFF_BYTES, sniff
from server.evidence.tus import checks, discard, offsets, store
from server.evidence.tus.env import UploadEnv
from server.evidence.tus.errors import Rejection, UploadRefused
from server.evidence.tus.hashstate import ResumableSha256
from server.evidence.tus.models import UploadFragment, UploadPart
from server.evidence.tus.protocol import Checksum
from server.storage import ObjectNotFound, StorageError

__all__ = ["PART_SIZE", "Patch"]

log = logging.getLogger("onevisit")
PART_SIZE = 8 * 1024 * 1024  # S3 wants at least 5 MiB per part; 8 keeps requests few


class Patch:
    """One PATCH request's work on one upload."""

    def __init__(
        self, env: UploadEnv, state: store.UploadState, actor: Actor, checksum: Checksum | None
    ) -> None:
        up = state.upload
        self.env, self.state, self.up, self.actor = env, state, up, actor
        self.cursor = offsets.Cursor(up, state.parts, PART_SIZE)
        self.fragments = list(state.fragments)  # committed, already inside the buffer
        self.buffer = bytearray()
        resumed = ResumableSha256.resume(up.hash_state)
        self.hasher = resumed or (ResumableSha256() if self.cursor.committed == 0 else None)
        self.hash_lost = up.hash_lost or self.hasher is None
        self.content_type = up.content_type
        self.multipart_id = up.multipart_id
        self.pending: list[UploadPart] = []
        self.stale: list[str] = []  # fragment objects folded into a pending part
        self.checksum = checksum
        self.request_hash = hashlib.new(checksum.algorithm) if checksum else None

    # Lifecycle

    async def run(self, body: AsyncIterator[bytes]) -> bool:
        """Take the body; True if the file is now whole (the caller then finishes it)."""
        size = self.cursor.part_length
        async with self.env.budget.reserve(size, self.actor.id or self.up.owner_id):
            self.buffer = bytearray(size)
            await self._load_fragments()
            gone: ClientGone | None = None
            try:
                async for chunk in body:
                    await self._take(chunk)
            except ClientGone as exc:
                gone = exc
            if self.request_hash is not None:
                if gone:  # a checksummed body is all or nothing
                    self._refuse_if_stalled(gone)
                    return False
                if self.request_hash.digest() != self.checksum.digest:  # type: ignore[union-attr]
                    offset = self.cursor.committed
                    raise UploadRefused(460, "upload.checksum_mismatch", offset=offset)
            if self.cursor.at_end:
                return True
            await self._commit(write_fragment=True)
            self._refuse_if_stalled(gone)
            return False

    def _refuse_if_stalled(self, gone: ClientGone | None) -> None:
        """A body that stopped coming ends its request with 408 (after what came is kept), so
        its slot and buffer go to others; the phone resumes from the offset it is told."""
        if isinstance(gone, BodyStalled):
            seconds = self.env.settings.request_read_timeout_seconds
            offset = self.cursor.committed
            raise UploadRefused(408, "upload.read_timeout", offset=offset, seconds=seconds)

    async def _load_fragments(self) -> None:
        """Put the bytes that earlier PATCHes left past the last part back into the buffer."""
        for fragment in self.fragments:
            try:
                reader = await self.env.run(self.env.storage.open, fragment.storage_key)
                with reader:
                    data = b"".join(await self.env.run(list, reader))
            except ObjectNotFound:
                data = b""
            if len(data) != fragment.size:
                await self._lose_fragments()
            start = self.cursor.filled
            self.buffer[start : start + fragment.size] = data
            self.cursor.fill(fragment.size)
        self.cursor.restored()

    async def _lose_fragments(self) -> None:
        """A fragment went missing: go back to the last part; the phone re-sends from there."""
        parts_end = self.cursor.part_start
        log.error("upload %s lost a fragment; rewinding to %s", self.up.id, parts_end)
        progress = store.Progress(
            offset=parts_end,
            hash_state=None,
            hash_lost=True,
            expires_at=self._expiry(),
            drop_fragments=True,
        )
        await store.checkpoint(self.env.sessions, self.up.id, self.cursor.committed, progress)
        raise offsets.mismatch(parts_end)

    async def _take(self, chunk: bytes) -> None:
        self.cursor.take(len(chunk))
        if self.request_hash is not None:
            self.request_hash.update(chunk)
        view = memoryview(chunk)
        while view:
            start, n = self.cursor.filled, min(len(view), self.cursor.room)
            self.buffer[start : start + n] = view[:n]
            if self.hasher is not None:
                self.hasher.update(memoryview(self.buffer)[start : start + n])
            self.cursor.fill(n)
            view = view[n:]
            if self.cursor.part_full:
                await self._flush_part()

    # Checking

    def gathered(self) -> memoryview:
        """The buffer's bytes so far."""
        return memoryview(self.buffer)[: self.cursor.filled]

    def head(self) -> bytes:
        """The file's first bytes, when the buffer holds them."""
        if not self.cursor.from_start:
            return b""
        return bytes(self.buffer[: min(self.cursor.filled, 4096)])

    async def settle_type(self, *, final: bool = False) -> None:
        """Sniff the type from the file's first bytes once they are here; reject a wrong one."""
        if self.content_type or not self.cursor.from_start:
            return
        if not final and self.cursor.filled < min(SNIFF_BYTES, self.up.length):
            return
        found = sniff(self.head(), self.up.kind)
        why = checks.type_rejection(found, self.up.kind, self.up.declared_type)
        if why is not None:
            await self.reject(why)
        self.content_type = found

    async def reject(self, why: Rejection) -> NoReturn:
        """Reject the upload for good (server/evidence/tus/checks.py says why): what this request
        and earlier ones stored goes."""
        keys = [f.storage_key for f in self.fragments] + self.stale
        await discard.reject(
            self.env, self.actor, self.up, why, fragment_keys=keys, multipart_id=self.multipart_id
        )

    # Storing

    async def _flush_part(self) -> None:
        await self.settle_type()
        number = await store.allocate_part(self.env.sessions, self.up.id)
        upload_id = await self.multipart()
        etag = await self.env.run(
            self.env.storage.upload_part, self.up.storage_key, upload_id, number, self.gathered()
        )
        self.pending.append(
            UploadPart(
                upload_id=self.up.id,
                number=number,
                part_offset=self.cursor.part_start,
                size=self.cursor.filled,
                etag=etag,
            )
        )
        self.stale += [f.storage_key for f in self.fragments]
        self.fragments = []
        self.cursor.part_stored()
        if self.request_hash is None:
            await self._commit(write_fragment=False)

    async def multipart(self) -> str:
        """The upload's S3 multipart id, begun now if it has none yet."""
        if self.multipart_id:
            return self.multipart_id
        ours = await self.env.run(
            self.env.storage.create_multipart,
            self.up.storage_key,
            content_type=self.content_type or "application/octet-stream",
            sha256=self.up.declared_sha256,
        )
        winner = await store.attach_multipart(
            self.env.sessions, self.up.id, ours, self.content_type or ""
        )
        if winner != ours:
            with suppress(StorageError):
                await self.env.run(self.env.storage.abort_multipart, self.up.storage_key, ours)
        self.multipart_id = winner
        return winner

    def _expiry(self) -> datetime:
        return utcnow() + timedelta(hours=self.env.settings.upload_expiry_hours)

    async def _write_fragment(self) -> UploadFragment | None:
        """Store the buffer's uncommitted bytes as a fragment object (None: there are none)."""
        data = memoryview(self.buffer)[self.cursor.fresh]
        if not data:
            return None
        start = self.cursor.fresh_start
        key = f"uploads/{self.up.id}/{start:015d}-{uuid.uuid4().hex[:8]}"
        await self.env.run(self.env.storage.put, key, [data])
        return UploadFragment(
            upload_id=self.up.id, fragment_offset=start, size=len(data), storage_key=key
        )

    async def _commit(self, *, write_fragment: bool) -> None:
        """Commit what is stored: pending parts, and the buffer's fresh bytes as a fragment."""
        fragment = await self._write_fragment() if write_fragment else None
        if fragment is None and not self.pending:
            return
        new_offset = self.cursor.next_offset(with_fragment=fragment is not None)
        progress = store.Progress(
            offset=new_offset,
            hash_state=None if self.hash_lost or not self.hasher else self.hasher.export(),
            hash_lost=self.hash_lost,
            expires_at=self._expiry(),
            content_type=self.content_type,
            parts=self.pending,
            fragment=fragment,
            drop_fragments=bool(self.stale),
        )
        began_at = self.cursor.committed
        if not await store.checkpoint(self.env.sessions, self.up.id, began_at, progress):
            if fragment is not None:
                await self.env.run(self.env.storage.delete, fragment.storage_key)
            current = await store.load(self.env.sessions, self.up.id)
            raise offsets.lost_race(current.upload if current else None, began_at)
        self.state.parts += self.pending
        self.pending = []
        self.cursor.committed_to(new_offset, with_fragment=fragment is not None)
        if fragment is not None:
            self.fragments.append(fragment)
        stale, self.stale = self.stale, []
        for key in stale:
            with suppress(StorageError):
                await self.env.run(self.env.storage.delete, key)
