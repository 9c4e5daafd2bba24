"""Evidence: the write-once records in custody, what refers to them, and the holds that keep
them (the tables of uploads in flight are in server/evidence/tus/models.py, those of recorders
in server/evidence/recorders/models.py)."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Text, UniqueConstraint
from sqlalchemy import text as sql
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field
from server.core.settings import EVIDENCE_KINDS

__all__ = [
    "EVIDENCE_KINDS",
    "KINDS_SQL",
    "LINK_SUBJECTS",
    "Evidence",
    "EvidenceLink",
    "LegalHold",
]

LINK_SUBJECTS = ("inspection", "finding", "rectification", "case")
EVIDENCE_SOURCES = ("phone", "recorder")
# The kinds as an SQL list, for the CHECK constraints of every table holding a kind.
KINDS_SQL = ", ".join(f"'{k}'" for k in EVIDENCE_KINDS)


class Evidence(SQLModel, table=True):
    """One original file in custody: write-once (the database refuses changes to its bytes'
    description and any delete); expiry leaves a tombstone with `deleted_at`."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KINDS_SQL})", name="evidence_kind"),
        CheckConstraint("source IN ('phone', 'recorder')", name="evidence_source"),
        CheckConstraint("length(sha256) = 64", name="evidence_sha256_shape"),
        CheckConstraint("size > 0", name="evidence_size"),
        # The same file from the same owner is one evidence (while it is kept).
        Index(
            "uq_evidence_owner_sha256",
            "owner",
            "sha256",
            unique=True,
            sqlite_where=sql("deleted_at IS NULL"),
            postgresql_where=sql("deleted_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner: str = Field(max_length=64, description="user:<id> or recorder:<device id>")
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_type=BigInteger)
    content_type: str = Field(max_length=128, description="sniffed from the bytes")
    kind: str = Field(max_length=16, index=True)
    filename: str = Field(max_length=255)
    storage_key: str = Field(max_length=255, unique=True)
    source: str = Field(default="phone", max_length=16)
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    captured_at: datetime | None = timestamp_field(nullable=True)
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    device: str | None = Field(default=None, max_length=128)
    created_at: datetime = timestamp_field(index=True)
    deleted_at: datetime | None = timestamp_field(nullable=True)


class EvidenceLink(SQLModel, table=True):
    """A record that relies on a piece of evidence: it is kept as long as the record is."""

    __tablename__ = "evidence_link"
    __table_args__ = (
        CheckConstraint(
            "subject IN ('inspection', 'finding', 'rectification', 'case')",
            name="evidence_link_subject",
        ),
        UniqueConstraint("evidence_id", "subject", "subject_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", index=True)
    subject: str = Field(max_length=16)
    subject_id: str = Field(max_length=64)
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id", index=True)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp_field()


class LegalHold(SQLModel, table=True):
    """A legal hold: while it is not released, the evidence may not be deleted."""

    __tablename__ = "legal_hold"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", index=True)
    reason: str = Field(sa_type=Text)
    placed_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    placed_at: datetime = timestamp_field()
    released_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    released_at: datetime | None = timestamp_field(nullable=True)
    release_reason: str | None = Field(default=None, sa_type=Text)
