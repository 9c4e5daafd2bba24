"""The upload rules: who may start one, with what; its state; receiving it. (Where an upload
stands and what it may take is in server/evidence/tus/offsets.py; how one ends without becoming
evidence, in server/evidence/tus/discard.py.)"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime, timedelta

from server.audit.service import Actor
from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.principal import Principal
from server.core.settings import Settings
from server.evidence.schemas import UploadRead
from server.evidence.service import claim_visit, find_evidence, user_owner
from server.evidence.tus import offsets, store
from server.evidence.tus.env import UploadEnv
from server.evidence.tus.errors import UploadRefused
from server.evidence.tus.finish import finish
from server.evidence.tus.metadata import declared_file, details
from server.evidence.tus.models import Upload
from server.evidence.tus.protocol import BadHeader, Checksum
from server.evidence.tus.receiver import Patch

__all__ = ["create_upload", "owned_upload", "receive_upload", "upload_read"]


async def create_upload(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    length: int,
    meta: dict[str, str],
) -> Upload:
    """A new upload from the creation request (raises BadHeader or UploadRefused)."""
    declared = declared_file(meta)
    _check_length(settings, declared.kind, length)
    upload_id, now = uuid.uuid4(), utcnow()
    upload = Upload(
        id=upload_id,
        owner_id=principal.id,
        kind=declared.kind,
        filename=declared.filename,
        declared_sha256=declared.sha256,
        length=length,
        storage_key=f"evidence/{declared.kind}/{upload_id}",
        expires_at=now + timedelta(hours=settings.upload_expiry_hours),
        **asdict(details(meta, settings.local_timezone)),
    )
    await _complete_from_custody(session, upload, principal, now)
    session.add(upload)
    return upload


def _check_length(settings: Settings, kind: str, length: int) -> None:
    """An upload has bytes, and no more than its kind's limit (413 with the limit)."""
    if length == 0:
        raise BadHeader("upload.empty")
    limit = settings.upload_limits[kind]
    if length > limit:
        raise UploadRefused(
            413,
            "upload.too_large",
            kind=t(f"evidence.kind.{kind}"),
            limit=_mb(limit),
            size=_mb(length),
        )


async def _complete_from_custody(
    session: AsyncSession, upload: Upload, principal: Principal, now: datetime
) -> None:
    """A file already in custody from this user needs nothing to travel again: the upload is
    complete at once (and, sent again for another visit, linked there too)."""
    existing = await find_evidence(session, user_owner(principal.id), upload.declared_sha256)
    if existing is None or existing.size != upload.length:
        return
    upload.state, upload.upload_offset = "complete", offsets.final_offset(upload)
    upload.evidence_id, upload.completed_at = existing.id, now
    upload.content_type = existing.content_type
    if upload.inspection_id is not None:
        actor = Actor(principal.username, principal.id)
        await claim_visit(session, existing.id, upload.inspection_id, actor)


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


async def owned_upload(
    session: AsyncSession, principal: Principal, upload_id: uuid.UUID
) -> Upload | None:
    """The upload if this user started it; nobody else may see or touch it."""
    upload = await session.get(Upload, upload_id)
    return upload if upload is not None and upload.owner_id == principal.id else None


def upload_read(upload: Upload) -> UploadRead:
    state = "expired" if offsets.expired(upload) else upload.state
    return UploadRead(
        id=upload.id,
        state=state,
        state_label=t(f"upload.state.{state}"),
        offset=offsets.offset_of(upload),
        length=upload.length,
        kind=upload.kind,
        filename=upload.filename,
        evidence_id=upload.evidence_id,
        error_code=upload.error_code,
        error=upload.error,
        expires_at=upload.expires_at,
        created_at=upload.created_at,
    )


async def receive_upload(
    env: UploadEnv,
    actor: Actor,
    upload_id: uuid.UUID,
    client_offset: int,
    content_length: int | None,
    checksum: Checksum | None,
    body: AsyncIterator[bytes],
) -> Upload:
    """Take one PATCH body at `client_offset`; the upload as it stands afterwards."""
    state = await store.load(env.sessions, upload_id)
    if state is None or state.upload.owner_id != actor.id:
        raise UploadRefused(404, "error.not_found")
    offsets.check_append(state.upload, client_offset, content_length)
    if content_length != 0:
        patch = Patch(env, state, actor, checksum)
        if await patch.run(body):
            await finish(patch)
    after = await store.load(env.sessions, upload_id)
    assert after is not None
    return after.upload
