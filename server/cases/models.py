"""Enforcement cases (立案) opened against a merchant."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["CASE_STATUSES", "EnforcementCase"]

CASE_STATUSES = ("open", "closed", "transferred", "withdrawn")


class EnforcementCase(SQLModel, table=True):
    """A case opened for investigation or penalty; a withdrawn case no longer counts."""

    __tablename__ = "enforcement_case"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'closed', 'transferred', 'withdrawn')", name="case_status"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id", index=True)
    case_no: str = Field(max_length=32, unique=True)
    opened_on: date
    status: str = Field(default="open", max_length=12)
    summary: str = Field(default="", sa_type=Text)
    closed_on: date | None = None
    opened_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp_field()
