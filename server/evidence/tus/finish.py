"""When the last byte lands: check the type and the hash, store the original write-once, and
turn the upload into evidence; or reject it, keep nothing, and say why."""

import hashlib
import logging
from contextlib import suppress
from typing import NoReturn

import anyio

from server.audit.service import record
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import AsyncSession
from server.core.i18n import t
from server.evidence.images import DECODES, MAX_PIXELS, TooManyPixels, check_pixels, decodes, mpx
from server.evidence.service import (
    NewEvidence,
    claim_visit,
    create_evidence,
    find_evidence,
    user_owner,
)
from server.evidence.sniff import ALLOWED_TYPES, SNIFF_BYTES, compatible, sniff
from server.evidence.tus import store
from server.evidence.tus.errors import UploadRefused
from server.evidence.tus.models import Upload
from server.evidence.tus.receiver import Patch, UploadEnv
from server.storage import (
    MultipartNotFound,
    ObjectExists,
    PartInfo,
    StorageError,
    StoredObject,
)

__all__ = ["discard_storage", "finish", "settle_type"]

log = logging.getLogger("onevisit")
IMAGE_KINDS = ("photo", "signature")


async def discard_storage(
    env: UploadEnv, upload: Upload, fragment_keys: list[str], multipart_id: str | None
) -> None:
    """Drop what an upload that will not become evidence left in storage (best effort)."""
    if multipart_id:
        with suppress(StorageError):
            await env.run(env.storage.abort_multipart, upload.storage_key, multipart_id)
    for key in fragment_keys:
        with suppress(StorageError):
            await env.run(env.storage.delete, key)


async def reject(p: Patch, code: str, status: int, **values: object) -> NoReturn:
    """Refuse the upload for good: record why, free its storage, tell the phone."""
    message = t(f"upload.{code}", **values)

    async def work(session: AsyncSession) -> None:
        moved = await store.mark(
            session, p.up.id, "rejected", error_code=code, error=message[:500], hash_state=None
        )
        if moved:
            record(
                session,
                action="upload.reject",
                entity="upload",
                entity_id=p.up.id,
                actor=p.actor.name,
                actor_id=p.actor.id,
                ip=p.actor.ip,
                detail={"code": code, "filename": p.up.filename, "kind": p.up.kind},
            )

    await store.in_transaction(p.env.sessions, work)
    keys = [f.storage_key for f in p.fragments] + p.stale
    await discard_storage(p.env, p.up, keys, p.multipart_id)
    raise UploadRefused(status, f"upload.{code}", **values)


async def settle_type(p: Patch, *, final: bool = False) -> None:
    """Sniff the type from the file's first bytes once they are here; reject a wrong one."""
    if p.content_type or p.part_start != 0:
        return
    if not final and p.filled < min(SNIFF_BYTES, p.up.length):
        return
    kind = p.up.kind
    found = sniff(p.head(), kind)
    allowed = ALLOWED_TYPES[kind]
    label = t(f"evidence.kind.{kind}")
    if found is None:
        await reject(p, "type_unknown", 415, kind=label, allowed="、".join(sorted(allowed)))
    if found not in allowed:
        await reject(
            p, "type_not_allowed", 415, found=found, kind=label, allowed="、".join(sorted(allowed))
        )
    if not compatible(p.up.declared_type, found):
        await reject(p, "type_mismatch", 415, found=found, declared=p.up.declared_type)
    p.content_type = found


async def _store(p: Patch) -> StoredObject:
    """Write the original under its key: one PUT if it fit in one buffer, else the last part."""
    env, up = p.env, p.up
    data = memoryview(p.buffer)[: p.filled]
    if p.part_start == 0:
        try:
            return await env.run(
                env.storage.put, up.storage_key, [data], content_type=p.content_type
            )
        except ObjectExists:  # an earlier attempt stored it, then lost its commit
            return await env.run(env.storage.stat, up.storage_key)
    number = await store.allocate_part(env.sessions, up.id)
    upload_id = await p._multipart()
    etag = await env.run(env.storage.upload_part, up.storage_key, upload_id, number, data)
    parts = [PartInfo(x.number, x.etag, x.size) for x in p.state.parts + p.pending]
    parts.append(PartInfo(number, etag, p.filled))
    try:
        return await env.run(env.storage.complete_multipart, up.storage_key, upload_id, parts)
    except (MultipartNotFound, ObjectExists):  # completed by an earlier attempt
        return await env.run(env.storage.stat, up.storage_key)


def _image_problem(data: bytes, kind: str) -> TooManyPixels | str | None:
    """Why a picture cannot be taken (None: it can). The header's size is checked first, so
    a small file that would decode to a huge picture is never decoded."""
    try:
        check_pixels(data, MAX_PIXELS[kind])
    except TooManyPixels as exc:
        return exc
    return None if decodes(data) else "undecodable"


async def _checked_image(data: bytes, kind: str) -> TooManyPixels | str | None:
    """`_image_problem` in the CPU pool, in one of the process's few decode slots."""
    async with DECODES:
        return await run_cpu(_image_problem, data, kind)


async def _refuse_image(p: Patch, problem: TooManyPixels | str | None) -> None:
    if isinstance(problem, TooManyPixels):
        await reject(
            p,
            "too_many_pixels",
            413,
            pixels=mpx(problem.pixels),
            kind=t(f"evidence.kind.{p.up.kind}"),
            limit=mpx(problem.limit),
        )
    if problem is not None:
        await reject(p, "undecodable", 415)


async def _read_back(p: Patch) -> tuple[str, TooManyPixels | str | None]:
    """Hash the stored original, and why it cannot be taken as a picture (for photos)."""

    def work() -> tuple[str, bytes | None]:
        digest, chunks = hashlib.sha256(), []
        image = p.up.kind in IMAGE_KINDS
        with p.env.storage.open(p.up.storage_key) as reader:
            for chunk in reader:
                digest.update(chunk)
                if image:
                    chunks.append(chunk)
        return digest.hexdigest(), (b"".join(chunks) if image else None)

    digest, data = await anyio.to_thread.run_sync(work)
    return digest, (await _checked_image(data, p.up.kind) if data is not None else None)


async def finish(p: Patch) -> None:
    """Verify and store the whole file, then create (or find) its evidence."""
    await settle_type(p, final=True)
    up = p.up
    digest = None if p.hash_lost or p.hasher is None else p.hasher.hexdigest()
    if digest is not None and digest != up.declared_sha256:
        await reject(p, "sha256_mismatch", 422, declared=up.declared_sha256, actual=digest)
    whole = p.part_start == 0
    if whole and up.kind in IMAGE_KINDS:
        data = bytes(memoryview(p.buffer)[: p.filled])
        await _refuse_image(p, await _checked_image(data, up.kind))
    owner = user_owner(up.owner_id)

    async def lookup(session: AsyncSession):
        return await find_evidence(session, owner, up.declared_sha256)

    if await store.in_transaction(p.env.sessions, lookup, write=False) is None:
        stored = await _store(p)
        checked_hash = stored.sha256 if whole else digest
        # A picture that came in parts has not been looked at yet.
        problem = None if whole or up.kind not in IMAGE_KINDS else "unchecked"
        if checked_hash is None or problem is not None:
            checked_hash, problem = await _read_back(p)
        if checked_hash != up.declared_sha256 or problem is not None:
            await p.env.run(p.env.storage.delete, up.storage_key)
            if checked_hash != up.declared_sha256:
                await reject(
                    p, "sha256_mismatch", 422, declared=up.declared_sha256, actual=checked_hash
                )
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
        values = {"upload_offset": up.length, "completed_at": utcnow(), "hash_state": None}
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
            now = current.upload.upload_offset if current else p.offset
            raise UploadRefused(409, "upload.offset_mismatch", offset=now)
        return
    keys = [f.storage_key for f in p.fragments] + p.stale
    await discard_storage(p.env, up, keys, multipart_left)
    if orphan:  # stored twice at once by the same owner: the other copy is the evidence
        with suppress(StorageError):
            await p.env.run(p.env.storage.delete, up.storage_key)
