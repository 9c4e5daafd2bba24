"""Rectification orders (责令整改) with their deadlines, and the photos a merchant sends back."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["OPEN_STATUSES", "ORDER_STATUSES", "RectificationOrder", "RectificationPhoto"]

ORDER_STATUSES = ("open", "verified", "overdue")
# An order stays to be verified while open, and after its deadline (overdue) too.
OPEN_STATUSES = ("open", "overdue")


class RectificationOrder(SQLModel, table=True):
    """An order to put something right by a deadline; a re-check (复查) verifies it."""

    __tablename__ = "rectification_order"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'verified', 'overdue')", name="rectification_status"),
        CheckConstraint("deadline >= issued_on", name="rectification_deadline"),
        CheckConstraint(
            "(status = 'verified') = (verified_on IS NOT NULL)", name="rectification_verified"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id", index=True)
    check_item_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="check_item.id",
        description="the failed item to put right; none when the order covers the whole visit",
    )
    issued_on: date
    deadline: date = Field(index=True)
    requirement: str = Field(default="", sa_type=Text, description="整改要求")
    key_item: bool = Field(default=False, description="concerns a key item (重点项)")
    status: str = Field(default="open", max_length=12, index=True)
    action_code: str | None = Field(default=None, max_length=32, unique=True)
    issued_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    verified_on: date | None = None
    verified_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    verify_inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id")
    owner_reported_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field()


class RectificationPhoto(SQLModel, table=True):
    """A photo of the put-right state, sent by the merchant through its owner link."""

    __tablename__ = "rectification_photo"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    order_id: uuid.UUID = Field(
        foreign_key="rectification_order.id", index=True, ondelete="CASCADE"
    )
    storage_key: str = Field(max_length=255, unique=True)
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=64)
    size: int
    note: str = Field(default="", sa_type=Text)
    uploaded_at: datetime = timestamp_field()
