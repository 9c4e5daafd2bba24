"""What the phone sent for an inspection: the body (for idempotency), both clocks, presence."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from server.core.models import timestamp_field

__all__ = ["InspectionRecord"]


class InspectionRecord(SQLModel, table=True):
    """The signed on-site record (现场检查笔录) behind an inspection, as the phone made it."""

    __tablename__ = "inspection_record"
    __table_args__ = (
        # A visit holds one real inspection; 未遇 records (the shop was closed) may repeat, as
        # the team may come back later the same day. Two phones sending at once meet here.
        Index(
            "ix_inspection_record_one_per_visit",
            "visit_key",
            unique=True,
            postgresql_where=text("presence <> 'closed'"),
            sqlite_where=text("presence <> 'closed'"),
        ),
    )

    inspection_id: uuid.UUID = Field(
        foreign_key="inspection.id", primary_key=True, ondelete="CASCADE"
    )
    visit_key: uuid.UUID = Field(index=True, description="the joint visit's id")
    body_sha256: str = Field(max_length=64, description="canonical JSON of the body as sent")
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    submitted_by: uuid.UUID = Field(foreign_key="app_user.id")
    received_at: datetime = timestamp_field()
    device_sent_at: datetime | None = timestamp_field(nullable=True)
    clock_offset_seconds: int = Field(default=0, description="phone clock minus server clock")
    presence: str = Field(max_length=16, description="qr, manual or closed")
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    flags: list[str] = Field(default_factory=list, sa_type=JSON, description="for review")
