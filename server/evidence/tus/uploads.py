"""The upload rules: who may start one, with what; its state; receiving it. (Where an upload
stands and what it may take is in server/evidence/tus/offsets.py; how one ends without becoming
evidence, in server/evidence/tus/discard.py.)"""

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.audit.service import Actor
from server.core.clock import utcnow
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.inputs import sane_moment, shown, unsafe_text
from server.core.principal import Principal
from server.core.settings import Settings
from server.evidence.models import EVIDENCE_KINDS
from server.evidence.schemas import UploadRead
from server.evidence.service import claim_visit, find_evidence, user_owner
from server.evidence.tus import offsets, store
from server.evidence.tus.env import UploadEnv
from server.evidence.tus.errors import UploadRefused
from server.evidence.tus.finish import finish
from server.evidence.tus.models import Upload
from server.evidence.tus.protocol import BadHeader, Checksum
from server.evidence.tus.receiver import Patch

__all__ = [
    "create_upload",
    "owned_upload",
    "receive_upload",
    "safe_filename",
    "upload_read",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DRIVE = re.compile(r"^[A-Za-z]:")
GONE_STATES = ("rejected", "terminated", "expired")


def safe_filename(name: str | None) -> str:
    """The file's own name, or BadHeader if it is empty, too long or looks like a path."""
    value = (name or "").strip()
    bad = (
        not value
        or len(value) > 255
        or value in (".", "..")
        or any(c in value for c in "/\\")
        or unsafe_text(value)  # control characters, and those that turn text (U+202E …)
        or _DRIVE.match(value)
    )
    if bad:
        raise BadHeader("upload.filename_invalid", value=shown(value))
    return value


def _number(meta: dict[str, str], key: str, low: float, high: float) -> float | None:
    if not meta.get(key):
        return None
    try:
        value = float(meta[key])
    except ValueError:
        raise BadHeader("upload.metadata_invalid", detail=key) from None
    if not low <= value <= high:
        raise BadHeader("upload.metadata_invalid", detail=key)
    return value


def _moment(raw: str | None, zone: str) -> datetime | None:
    """ISO 8601 (a time without offset is local time) or milliseconds since the epoch."""
    if not raw:
        return None
    try:
        if raw.isascii() and raw.isdigit():
            moment = datetime.fromtimestamp(int(raw) / 1000, UTC)
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        local = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))
    except (ValueError, OverflowError, OSError):
        raise BadHeader("upload.metadata_invalid", detail="captured_at") from None
    if not sane_moment(local):  # year 1 at +14:00 is before any moment a UTC clock has
        raise BadHeader("upload.metadata_invalid", detail="captured_at")
    return local.astimezone(UTC)  # SQLite keeps no offset: store every moment in UTC


def _uuid(raw: str | None, key: str) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadHeader("upload.metadata_invalid", detail=key) from None


async def create_upload(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    length: int,
    meta: dict[str, str],
) -> Upload:
    """A new upload from the creation request (raises BadHeader or UploadRefused)."""
    kind = meta.get("kind", "")
    if kind not in EVIDENCE_KINDS:
        raise BadHeader("upload.kind_unknown", value=kind[:32])
    sha256 = meta.get("sha256", "").strip().lower()
    if not _SHA256.match(sha256):
        raise BadHeader("upload.sha256_invalid")
    filename = safe_filename(meta.get("filename"))
    for key, value in meta.items():
        if "\x00" in value:  # no text column takes it
            raise BadHeader("upload.metadata_invalid", detail=key)
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
    device = (meta.get("device") or "").strip()
    if len(device) > 128:
        raise BadHeader("upload.metadata_invalid", detail="device")
    declared = (meta.get("filetype") or "").strip()[:128] or None
    upload_id = uuid.uuid4()
    now = utcnow()
    upload = Upload(
        id=upload_id,
        owner_id=principal.id,
        kind=kind,
        filename=filename,
        declared_type=declared,
        declared_sha256=sha256,
        length=length,
        captured_at=_moment(meta.get("captured_at"), settings.local_timezone),
        lat=_number(meta, "lat", -90, 90),
        lng=_number(meta, "lng", -180, 180),
        accuracy_m=_number(meta, "accuracy", 0, 1e6),
        device=device or None,
        inspection_id=_uuid(meta.get("inspection_id"), "inspection_id"),
        storage_key=f"evidence/{kind}/{upload_id}",
        expires_at=now + timedelta(hours=settings.upload_expiry_hours),
    )
    existing = await find_evidence(session, user_owner(principal.id), sha256)
    if existing is not None and existing.size == length:
        # Already in custody from this user: nothing needs to travel again.
        upload.state, upload.upload_offset = "complete", offsets.final_offset(upload)
        upload.evidence_id, upload.completed_at = existing.id, now
        upload.content_type = existing.content_type
        if upload.inspection_id is not None:  # sent again for another visit: link it there too
            actor = Actor(principal.username, principal.id)
            await claim_visit(session, existing.id, upload.inspection_id, actor)
    session.add(upload)
    return upload


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
