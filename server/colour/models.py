"""Colour events, the explained current colour, overrides, re-rating requests and old QR tokens."""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["ColourEvent", "ColourOverride", "ColourState", "ReratingRequest"]

_COLOUR_SQL = "IN ('green', 'yellow', 'red')"
SOURCE_KINDS = ("inspection", "case", "complaint", "order", "override", "rerating")


class ColourEvent(SQLModel, table=True):
    """One change of a merchant's colour (or of its cause): append-only."""

    __tablename__ = "colour_event"
    __table_args__ = (
        CheckConstraint(f"to_colour {_COLOUR_SQL}", name="colour_event_to_colour"),
        CheckConstraint(
            f"from_colour IS NULL OR from_colour {_COLOUR_SQL}", name="colour_event_from_colour"
        ),
        Index("ix_colour_event_merchant_at", "merchant_id", "at"),
    )

    # An integer key: the log is written set-wise by the recompute and read in order.
    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id")
    at: datetime = timestamp_field()
    from_colour: str | None = Field(default=None, max_length=8)
    to_colour: str = Field(max_length=8)
    reason_code: str = Field(max_length=32)
    reason: str = Field(sa_type=Text, description="why, in plain Chinese")
    guidance: str = Field(default="", sa_type=Text, description="what brings it back to green")
    source_kind: str | None = Field(default=None, max_length=16)
    source_id: uuid.UUID | None = Field(default=None, description="the record that caused it")
    is_override: bool = Field(default=False)
    actor: str = Field(max_length=64)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")


class ColourState(SQLModel, table=True):
    """A merchant's current colour explained: why it has it and what brings it back to green.

    Kept as reason and guidance codes with their figures (texts are rendered on reading, in the
    reader's language), so the nightly recompute writes narrow rows. Derived data that a
    recompute rebuilds: no foreign key to merchant, whose check would lock every merchant row
    while a million explanations are written (merchants are deactivated, never deleted).
    """

    __tablename__ = "colour_state"

    merchant_id: uuid.UUID = Field(primary_key=True)
    reason_code: str = Field(max_length=32)
    reason_on: date | None = None
    reason_score: int | None = None
    reason_deadline: date | None = None
    reason_note: str | None = Field(default=None, sa_type=Text, description="an override's reason")
    reason_until: date | None = None
    source_kind: str | None = Field(default=None, max_length=16)
    source_id: uuid.UUID | None = None
    guidance_code: str = Field(max_length=16)
    green_from: date | None = Field(default=None, description="a yellow merchant's earliest green")
    adverse_on: date | None = Field(default=None, description="the last adverse event")
    override_id: uuid.UUID | None = Field(default=None, foreign_key="colour_override.id")
    updated_at: datetime = timestamp_field()


class ColourOverride(SQLModel, table=True):
    """A supervisor's manual colour, with its reason, from one day to another (inclusive)."""

    __tablename__ = "colour_override"
    __table_args__ = (
        CheckConstraint(f"colour {_COLOUR_SQL}", name="colour_override_colour"),
        CheckConstraint("ends_on >= starts_on", name="colour_override_period"),
        CheckConstraint("length(trim(reason)) > 0", name="colour_override_reason"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    colour: str = Field(max_length=8)
    reason: str = Field(sa_type=Text)
    starts_on: date
    ends_on: date
    created_at: datetime = timestamp_field()
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = timestamp_field(nullable=True)
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")


class ReratingRequest(SQLModel, table=True):
    """A merchant's request for a re-rating visit, due within the policy's months."""

    __tablename__ = "rerating_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'cancelled')", name="rerating_status"),
        CheckConstraint("via IN ('owner', 'staff')", name="rerating_via"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    requested_on: date
    reason: str = Field(default="", sa_type=Text)
    via: str = Field(default="owner", max_length=8)
    status: str = Field(default="pending", max_length=12)
    created_at: datetime = timestamp_field()
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")


class NightlyRun(SQLModel, table=True):
    """The nightly recompute of one district day: who claimed it, when it ended, what it changed.

    The row is the claim: whichever scheduler inserts the day first runs it; a claim left by a
    process that died (no end, no error, hours old) or one that failed may be taken over."""

    __tablename__ = "nightly_run"

    day: date = Field(primary_key=True)
    started_at: datetime = timestamp_field()
    finished_at: datetime | None = timestamp_field(nullable=True)
    runner: str = Field(default="", max_length=120)
    merchants: int = 0
    colour_changes: int = 0
    due_changes: int = 0
    events: int = 0
    overdue_orders: int = 0
    seconds: float = 0.0
    error: str | None = Field(default=None, sa_type=Text)
