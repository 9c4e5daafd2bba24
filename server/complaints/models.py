"""Complaints sent from a merchant's public page."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["COMPLAINT_STATUSES", "Complaint"]

COMPLAINT_STATUSES = ("received", "planned", "verified", "unfounded", "closed")


class Complaint(SQLModel, table=True):
    """A passer-by's complaint; verified on site it counts against the merchant's colour."""

    __tablename__ = "complaint"
    __table_args__ = (
        CheckConstraint(
            "status IN ('received', 'planned', 'verified', 'unfounded', 'closed')",
            name="complaint_status",
        ),
        CheckConstraint("length(trim(text)) > 0", name="complaint_text_present"),
        CheckConstraint(
            "(status = 'verified') <= (verified_on IS NOT NULL)", name="complaint_verified_on"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tracking_no: str = Field(max_length=24, unique=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    text: str = Field(sa_type=Text)
    contact: str = Field(default="", max_length=64, description="optional; never shown publicly")
    photo_key: str | None = Field(default=None, max_length=255)
    photo_sha256: str | None = Field(default=None, max_length=64)
    photo_type: str | None = Field(default=None, max_length=64)
    photo_size: int | None = None
    status: str = Field(default="received", max_length=12, index=True)
    client_hash: str | None = Field(default=None, max_length=64, description="keyed hash of IP")
    created_at: datetime = timestamp_field(index=True)
    verified_on: date | None = None
    handled_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    outcome_note: str = Field(default="", sa_type=Text)
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id")
