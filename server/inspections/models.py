"""Inspections: one joint visit's record, its officers and its findings."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, text
from sqlmodel import Field, SQLModel

from server.core.models import timestamp_field

__all__ = ["FINDING_OUTCOMES", "INSPECTION_RESULTS", "Finding", "Inspection", "InspectionOfficer"]

INSPECTION_RESULTS = ("pass", "rectify", "case", "absent", "obstructed")
FINDING_OUTCOMES = ("pass", "fail", "na")


class Inspection(SQLModel, table=True):
    """A joint inspection (综合查一次) of one merchant; its id is made by the phone."""

    __tablename__ = "inspection"
    __table_args__ = (
        CheckConstraint(
            "result IN ('pass', 'rectify', 'case', 'absent', 'obstructed')",
            name="inspection_result",
        ),
        CheckConstraint("score >= 0", name="inspection_score"),
    )

    id: uuid.UUID = Field(primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    visit_date: date = Field(index=True)
    started_at: datetime | None = timestamp_field(nullable=True)
    finished_at: datetime | None = timestamp_field(nullable=True)
    result: str = Field(max_length=16)
    score: int = Field(default=0, description="points from failed items")
    key_failed: bool = Field(default=False)
    summary: str = Field(default="", sa_type=Text)
    action_code: str = Field(max_length=32, unique=True, description="行政行为码")
    published_at: datetime | None = timestamp_field(nullable=True)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp_field()


class InspectionOfficer(SQLModel, table=True):
    """An officer who took part in an inspection."""

    __tablename__ = "inspection_officer"

    inspection_id: uuid.UUID = Field(
        foreign_key="inspection.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID = Field(foreign_key="app_user.id", primary_key=True, index=True)


class Finding(SQLModel, table=True):
    """The outcome of one check item in one inspection."""

    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint("outcome IN ('pass', 'fail', 'na')", name="finding_outcome"),
        # The colour recompute reads only failed findings: a small index answers it alone.
        Index(
            "ix_finding_failed",
            "inspection_id",
            "check_item_id",
            "corrected_on_site",
            postgresql_where=text("outcome = 'fail'"),
            sqlite_where=text("outcome = 'fail'"),
        ),
    )

    inspection_id: uuid.UUID = Field(
        foreign_key="inspection.id", primary_key=True, ondelete="CASCADE"
    )
    check_item_id: uuid.UUID = Field(foreign_key="check_item.id", primary_key=True, index=True)
    outcome: str = Field(max_length=8)
    corrected_on_site: bool = Field(default=False)
    note: str = Field(default="", sa_type=Text)
