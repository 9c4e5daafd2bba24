"""What the evidence API takes and sends: a hold's reason in, Read shapes out, never table
models."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated

from msgspec import Meta

__all__ = [
    "AssignmentRead",
    "EvidenceLinkRead",
    "EvidenceRead",
    "HoldRead",
    "HoldRequest",
    "LinkRead",
    "UploadRead",
]


@dataclass
class UploadRead:
    """A tus upload's state; `evidence_id` is set once the last byte has landed and passed."""

    id: uuid.UUID
    state: str
    state_label: str
    offset: int
    length: int
    kind: str
    filename: str
    evidence_id: uuid.UUID | None
    error_code: str | None
    error: str | None
    expires_at: datetime
    created_at: datetime


@dataclass
class EvidenceLinkRead:
    subject: str
    subject_id: str
    inspection_id: uuid.UUID | None


@dataclass
class HoldRead:
    id: uuid.UUID
    reason: str
    placed_at: datetime
    released_at: datetime | None


@dataclass
class EvidenceRead:
    """An evidence record: the original's hash, size and type, and when and where it was taken."""

    id: uuid.UUID
    sha256: str
    size: int
    content_type: str
    kind: str
    filename: str
    source: str
    captured_at: datetime | None
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    device: str | None
    created_at: datetime
    uploaded_by: uuid.UUID | None
    legal_hold: bool
    retain_until: date | None
    deleted_at: datetime | None
    links: list[EvidenceLinkRead] = field(default_factory=list)
    holds: list[HoldRead] = field(default_factory=list)


@dataclass
class AssignmentRead:
    id: uuid.UUID
    device_id: str
    officer_id: uuid.UUID
    day: date


@dataclass
class LinkRead:
    url: str
    expires_at: datetime


@dataclass
class HoldRequest:
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]
