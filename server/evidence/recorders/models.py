"""Body-worn recorders (执法记录仪): who carried which on which day, and their clips."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["CLIP_STATES", "Recorder", "RecorderAssignment", "RecorderClip"]

CLIP_STATES = ("linked", "unmatched", "assigned", "dismissed")


class Recorder(SQLModel, table=True):
    """A body-worn recorder, known by the device id printed on it."""

    __tablename__ = "recorder"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    device_id: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=64)
    street_id: uuid.UUID | None = Field(default=None, foreign_key="street.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_field()


class RecorderAssignment(SQLModel, table=True):
    """Which officer carried a recorder on a given day."""

    __tablename__ = "recorder_assignment"
    __table_args__ = (UniqueConstraint("recorder_id", "day"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    recorder_id: uuid.UUID = Field(foreign_key="recorder.id", index=True)
    officer_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    day: date = Field(index=True)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp_field()


class RecorderClip(SQLModel, table=True):
    """A recorder clip in custody and where it belongs: a visit, or the review queue."""

    __tablename__ = "recorder_clip"
    __table_args__ = (
        CheckConstraint(
            "state IN ('linked', 'unmatched', 'assigned', 'dismissed')", name="recorder_clip_state"
        ),
        CheckConstraint("time_source IN ('filename', 'metadata', 'none')", name="clip_time_source"),
    )

    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", primary_key=True)
    recorder_id: uuid.UUID = Field(foreign_key="recorder.id", index=True)
    officer_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    started_at: datetime | None = timestamp_field(nullable=True)
    duration_s: float | None = None
    time_source: str = Field(default="none", max_length=16)
    state: str = Field(max_length=16, index=True)
    reason: str = Field(default="", max_length=255, description="why it waits for review")
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id", index=True)
    reviewed_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field()
