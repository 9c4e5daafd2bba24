"""What the phone declares about a file when it starts an upload (tus `Upload-Metadata`), read
and checked: a value that cannot be taken is a BadHeader naming its key."""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.core.inputs import sane_moment, shown
from server.evidence.filenames import safe_filename
from server.evidence.models import EVIDENCE_KINDS
from server.evidence.tus.protocol import BadHeader

__all__ = ["Declared", "Details", "declared_file", "details"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Declared:
    """The file the phone says it will send: its kind, its SHA-256 and its name."""

    kind: str
    sha256: str
    filename: str


@dataclass(frozen=True)
class Details:
    """What else the phone says of the file, each optional: the type it thinks it is, when, where
    and on what device it was taken, and the visit it is for."""

    declared_type: str | None
    captured_at: datetime | None
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    device: str | None
    inspection_id: uuid.UUID | None


def declared_file(meta: dict[str, str]) -> Declared:
    """The kind, hash and name every upload must declare; no value may hold a NUL (no text
    column takes it)."""
    kind = meta.get("kind", "")
    if kind not in EVIDENCE_KINDS:
        raise BadHeader("upload.kind_unknown", value=kind[:32])
    sha256 = meta.get("sha256", "").strip().lower()
    if not _SHA256.match(sha256):
        raise BadHeader("upload.sha256_invalid")
    filename = safe_filename(meta.get("filename"))
    if filename is None:
        raise BadHeader(
            "upload.filename_invalid", value=shown((meta.get("filename") or "").strip())
        )
    for key, value in meta.items():
        if "\x00" in value:
            raise BadHeader("upload.metadata_invalid", detail=key)
    return Declared(kind, sha256, filename)


def details(meta: dict[str, str], zone: str) -> Details:
    """The optional values; a local time without offset is read in `zone`."""
    device = (meta.get("device") or "").strip()
    if len(device) > 128:
        raise BadHeader("upload.metadata_invalid", detail="device")
    declared = (meta.get("filetype") or "").strip()[:128] or None
    return Details(
        declared_type=declared,
        captured_at=_moment(meta.get("captured_at"), zone),
        lat=_number(meta, "lat", -90, 90),
        lng=_number(meta, "lng", -180, 180),
        accuracy_m=_number(meta, "accuracy", 0, 1e6),
        device=device or None,
        inspection_id=_uuid(meta.get("inspection_id"), "inspection_id"),
    )


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
