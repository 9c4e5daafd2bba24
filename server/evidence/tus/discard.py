"""Uploads that end without becoming evidence: rejected for a reason the phone is told, ended by
the phone (tus termination), or abandoned past their expiry. Each frees what the upload left in
storage; evidence itself is never deleted here."""

import uuid
from contextlib import suppress
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select

from server.audit.service import Actor, record
from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.core.i18n import t
from server.evidence.tus import store
from server.evidence.tus.env import UploadEnv
from server.evidence.tus.errors import Rejection, UploadRefused
from server.evidence.tus.models import Upload
from server.storage import Storage, StorageError

__all__ = [
    "discard_storage",
    "expire_uploads",
    "reject",
    "sweep_orphan_multiparts",
    "terminate_upload",
]


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


async def reject(
    env: UploadEnv,
    actor: Actor,
    upload: Upload,
    why: Rejection,
    *,
    fragment_keys: list[str],
    multipart_id: str | None,
) -> NoReturn:
    """Refuse the upload for good: record why, free its storage, tell the phone."""
    message = t(f"upload.{why.code}", **why.values)

    async def work(session: AsyncSession) -> None:
        moved = await store.mark(
            session,
            upload.id,
            "rejected",
            error_code=why.code,
            error=message[:500],
            hash_state=None,
        )
        if moved:
            record(
                session,
                action="upload.reject",
                entity="upload",
                entity_id=upload.id,
                actor=actor.name,
                actor_id=actor.id,
                ip=actor.ip,
                detail={"code": why.code, "filename": upload.filename, "kind": upload.kind},
            )

    await store.in_transaction(env.sessions, work)
    await discard_storage(env, upload, fragment_keys, multipart_id)
    raise UploadRefused(why.status, f"upload.{why.code}", **why.values)


async def terminate_upload(env: UploadEnv, actor: Actor, upload_id: uuid.UUID) -> None:
    """tus termination: the upload ends and its stored bytes go; evidence is never deleted."""
    state = await store.load(env.sessions, upload_id)
    if state is None or state.upload.owner_id != actor.id:
        raise UploadRefused(404, "error.not_found")
    if state.upload.state == "complete":
        raise UploadRefused(409, "upload.complete_no_delete")

    async def work(session: AsyncSession) -> bool:
        return await store.mark(session, upload_id, "terminated", hash_state=None)

    if await store.in_transaction(env.sessions, work):
        keys = [f.storage_key for f in state.fragments]
        await discard_storage(env, state.upload, keys, state.upload.multipart_id)


async def expire_uploads(env: UploadEnv, now: datetime | None = None) -> int:
    """Abandoned uploads past their expiry: mark them expired and free their storage."""
    now = now or utcnow()

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        stmt = select(Upload.id).where(Upload.state == "receiving", col(Upload.expires_at) <= now)
        return list(await session.exec(stmt))

    count = 0
    for upload_id in await store.in_transaction(env.sessions, due):
        state = await store.load(env.sessions, upload_id)

        async def work(session: AsyncSession, upload_id: uuid.UUID = upload_id) -> bool:
            return await store.mark(session, upload_id, "expired", hash_state=None)

        if state is not None and await store.in_transaction(env.sessions, work):
            keys = [f.storage_key for f in state.fragments]
            await discard_storage(env, state.upload, keys, state.upload.multipart_id)
            count += 1
    return count


async def sweep_orphan_multiparts(
    sessions: async_sessionmaker[AsyncSession], storage: Storage, older_than: timedelta
) -> int:
    """Abort multipart uploads under `evidence/` that no receiving upload owns (a process died
    between starting one and recording it)."""
    cutoff = utcnow() - older_than
    async with sessions() as session:
        live = set(
            await session.exec(
                select(Upload.multipart_id).where(
                    Upload.state == "receiving", col(Upload.multipart_id).is_not(None)
                )
            )
        )
    count = 0
    for pending in storage.pending_multiparts("evidence/"):
        started = pending.initiated
        if pending.upload_id in live or (started is not None and started > cutoff):
            continue
        with suppress(StorageError):
            storage.abort_multipart(pending.key, pending.upload_id)
            count += 1
    return count
