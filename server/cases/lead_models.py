"""Leads (线索): a matter a department or a street passes to a street for a visit. The street
accepts it, and it becomes a due visit of those items (the planner's `referral` reason) until an
inspection has checked them, or returns it with its reasons."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["LEAD_STATUSES", "Lead", "LeadItem"]

LEAD_STATUSES = ("pending", "accepted", "returned")


class Lead(SQLModel, table=True):
    """A lead with its own action code (XS…), sent by a unit (or a district supervisor of
    none) to a street."""

    __tablename__ = "lead"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'returned')", name="lead_status"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    action_code: str = Field(max_length=32, unique=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    from_team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id")
    from_department_id: uuid.UUID | None = Field(default=None, foreign_key="department.id")
    to_street_id: uuid.UUID = Field(foreign_key="street.id", index=True)
    reason: str = Field(sa_type=Text)
    evidence: str = Field(default="", sa_type=Text, description="what backs the lead")
    status: str = Field(default="pending", max_length=8, index=True)
    sent_on: date
    sent_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    due_on: date | None = Field(default=None, description="answer by")
    answered_on: date | None = None
    answered_at: datetime | None = timestamp_field(nullable=True)
    answered_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    answer_note: str = Field(default="", sa_type=Text)
    visit_by: date | None = Field(default=None, description="visit by, once accepted")
    created_at: datetime = timestamp_field()


class LeadItem(SQLModel, table=True):
    """A check item the lead asks to be checked."""

    __tablename__ = "lead_item"

    lead_id: uuid.UUID = Field(foreign_key="lead.id", primary_key=True, ondelete="CASCADE")
    check_item_id: uuid.UUID = Field(foreign_key="check_item.id", primary_key=True)
