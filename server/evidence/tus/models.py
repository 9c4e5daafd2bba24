"""The tables of uploads in flight: an upload's state lives in the database, so any server
process can continue it; its stored parts, and the bytes waiting past the last part."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, LargeBinary
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field
from server.evidence.models import KINDS_SQL

__all__ = ["UPLOAD_STATES", "Upload", "UploadFragment", "UploadPart"]

UPLOAD_STATES = ("receiving", "complete", "rejected", "terminated", "expired")


class Upload(SQLModel, table=True):
    """A tus upload: its state lives here so any server process can continue it."""

    __tablename__ = "upload"
    __table_args__ = (
        CheckConstraint(
            "state IN ('receiving', 'complete', 'rejected', 'terminated', 'expired')",
            name="upload_state",
        ),
        CheckConstraint(f"kind IN ({KINDS_SQL})", name="upload_kind"),
        CheckConstraint("length > 0 AND upload_offset BETWEEN 0 AND length", name="upload_offset"),
        CheckConstraint("length(declared_sha256) = 64", name="upload_sha256_shape"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=16)
    filename: str = Field(max_length=255)
    declared_type: str | None = Field(default=None, max_length=128)
    declared_sha256: str = Field(max_length=64)
    length: int = Field(sa_type=BigInteger)
    upload_offset: int = Field(default=0, sa_type=BigInteger)
    state: str = Field(default="receiving", max_length=16, index=True)
    error_code: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    captured_at: datetime | None = timestamp_field(nullable=True)
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    device: str | None = Field(default=None, max_length=128)
    inspection_id: uuid.UUID | None = Field(default=None, description="claimed visit; linked if")
    storage_key: str = Field(max_length=255, unique=True)
    content_type: str | None = Field(default=None, max_length=128, description="sniffed")
    multipart_id: str | None = Field(default=None, max_length=255)
    next_part: int = Field(default=1)
    hash_state: bytes | None = Field(default=None, sa_type=LargeBinary)
    hash_lost: bool = Field(default=False, description="verify by reading back at the end")
    evidence_id: uuid.UUID | None = Field(default=None, foreign_key="evidence.id", index=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field(index=True)
    completed_at: datetime | None = timestamp_field(nullable=True)


class UploadPart(SQLModel, table=True):
    """A stored part of an upload's multipart object (committed parts only)."""

    __tablename__ = "upload_part"

    upload_id: uuid.UUID = Field(foreign_key="upload.id", primary_key=True, ondelete="CASCADE")
    number: int = Field(primary_key=True)
    part_offset: int = Field(sa_type=BigInteger)
    size: int
    etag: str = Field(max_length=128)


class UploadFragment(SQLModel, table=True):
    """Bytes received after the last full part, kept as a small object until a part fills."""

    __tablename__ = "upload_fragment"

    upload_id: uuid.UUID = Field(foreign_key="upload.id", primary_key=True, ondelete="CASCADE")
    fragment_offset: int = Field(primary_key=True, sa_type=BigInteger)
    size: int
    storage_key: str = Field(max_length=255)
