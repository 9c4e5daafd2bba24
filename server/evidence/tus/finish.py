"""When the last byte lands: check the type and the hash, store the original write-once, and
turn the upload into evidence; or reject it, keep nothing, and say why."""

import hashlib
import logging
from contextlib import suppress

import anyio

from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.evidence.images import TooManyPixels
from server.evidence.service import (
    NewEvidence,
    claim_visit,
    create_evidence,
    find_evidence,
    user_owner,
)
from server.evidence.tus import checks, offsets, store
from server.evidence.tus.discard import discard_storage
from server.evidence.tus.models import Upload
from server.evidence.tus.receiver import Patch
from server.storage import (
    MultipartNotFound,
    ObjectExists,
    PartInfo,
    StorageError,
    StoredObject,
)

__all__ = ["finish"]

log = logging.getLogger("onevisit")


async def _store(p: Patch) -> StoredObject:
    """Write the original under its key: one PUT if it fit in one buffer, else the last part."""
    env, up = p.env, p.up
    data = p.gathered()
    if p.cursor.from_start:
        try:
            return await env.run(
                env.storage.put, up.storage_key, [data], content_type=p.content_type
            )
        except ObjectExists:  # an earlier attempt stored it, then lost its commit
            return await env.run(env.storage.stat, up.storage_key)
    number = await store.allocate_part(env.sessions, up.id)
    upload_id = await p.multipart()
    etag = await env.run(env.storage.upload_part, up.storage_key, upload_id, number, data)
    parts = [PartInfo(x.number, x.etag, x.size) for x in p.state.parts + p.pending]
    parts.append(PartInfo(number, etag, p.cursor.filled))
    try:
        return await env.run(env.storage.complete_multipart, up.storage_key, upload_id, parts)
    except (MultipartNotFound, ObjectExists):  # completed by an earlier attempt
        return await env.run(env.storage.stat, up.storage_key)


async def _refuse_image(p: Patch, problem: TooManyPixels | str | None) -> None:
    why = checks.image_rejection(problem, p.up.kind)
    if why is not None:
        await p.reject(why)


async def _read_back(p: Patch) -> tuple[str, TooManyPixels | str | None]:
    """Hash the stored original, and why it cannot be taken as a picture (for photos)."""

    def work() -> tuple[str, bytes | None]:
        digest, chunks = hashlib.sha256(), []
        image = p.up.kind in checks.IMAGE_KINDS
        with p.env.storage.open(p.up.storage_key) as reader:
            for chunk in reader:
                digest.update(chunk)
                if image:
                    chunks.append(chunk)
        return digest.hexdigest(), (b"".join(chunks) if image else None)

    digest, data = await anyio.to_thread.run_sync(work)
    return digest, (await checks.checked_image(data, p.up.kind) if data is not None else None)


async def finish(p: Patch) -> None:
    """Verify and store the whole file, then create (or find) its evidence."""
    await p.settle_type(final=True)
    up = p.up
    digest = None if p.hash_lost or p.hasher is None else p.hasher.hexdigest()
    if digest is not None and (why := checks.hash_rejection(up.declared_sha256, digest)):
        await p.reject(why)
    whole = p.cursor.from_start
    if whole and up.kind in checks.IMAGE_KINDS:
        data = bytes(p.gathered())
        await _refuse_image(p, await checks.checked_image(data, up.kind))
    owner = user_owner(up.owner_id)

    async def lookup(session: AsyncSession):
        return await find_evidence(session, owner, up.declared_sha256)

    if await store.in_transaction(p.env.sessions, lookup, write=False) is None:
        stored = await _store(p)
        checked_hash = stored.sha256 if whole else digest
        # A picture that came in parts has not been looked at yet.
        problem = None if whole or up.kind not in checks.IMAGE_KINDS else "unchecked"
        if checked_hash is None or problem is not None:
            checked_hash, problem = await _read_back(p)
        if checked_hash != up.declared_sha256 or problem is not None:
            await p.env.run(p.env.storage.delete, up.storage_key)
            if why := checks.hash_rejection(up.declared_sha256, checked_hash):
                await p.reject(why)
            await _refuse_image(p, problem)
        multipart_left = None
    else:  # the same file from the same phone user: one evidence, nothing more to keep
        multipart_left = p.multipart_id
    await _complete(p, owner, multipart_left)


async def _complete(p: Patch, owner: str, multipart_left: str | None) -> None:
    up, ct = p.up, p.content_type or "application/octet-stream"
    orphan = False

    async def work(session: AsyncSession) -> bool:
        nonlocal orphan
        values = {
            "upload_offset": offsets.final_offset(up),
            "completed_at": utcnow(),
            "hash_state": None,
        }
        if not await store.mark(session, up.id, "complete", content_type=ct, **values):
            return False
        row = await session.get(Upload, up.id)
        new = NewEvidence(
            owner=owner,
            sha256=up.declared_sha256,
            size=up.length,
            content_type=ct,
            kind=up.kind,
            filename=up.filename,
            storage_key=up.storage_key,
            source="phone",
            uploaded_by=up.owner_id,
            captured_at=up.captured_at,
            lat=up.lat,
            lng=up.lng,
            accuracy_m=up.accuracy_m,
            device=up.device,
        )
        evidence, created = await create_evidence(session, new, p.actor)
        orphan = not created and multipart_left is None
        assert row is not None
        row.evidence_id = evidence.id
        session.add(row)
        if up.inspection_id is not None:
            await claim_visit(session, evidence.id, up.inspection_id, p.actor)
        return True

    done = await store.in_transaction(p.env.sessions, work)
    if not done:
        current = await store.load(p.env.sessions, up.id)
        if current is None or current.upload.state != "complete":
            raise offsets.lost_race(current.upload if current else None, p.cursor.committed)
        return
    keys = [f.storage_key for f in p.fragments] + p.stale
    await discard_storage(p.env, up, keys, multipart_left)
    if orphan:  # stored twice at once by the same owner: the other copy is the evidence
        with suppress(StorageError):
            await p.env.run(p.env.storage.delete, up.storage_key)
