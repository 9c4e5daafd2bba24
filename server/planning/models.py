"""Planning tables: the day's plan versions, joint visits, routes, draws, leave and recusals."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = [
    "DRAW_KINDS",
    "PLAN_STATUSES",
    "ROUTE_ROLES",
    "Draw",
    "DrawSeed",
    "FollowUp",
    "JointVisit",
    "OfficerLeave",
    "OpeningHours",
    "Plan",
    "Recusal",
    "Route",
    "RouteOfficer",
    "VisitItem",
]

PLAN_STATUSES = ("draft", "published")
ROUTE_ROLES = ("member", "specialist")
DRAW_KINDS = ("merchants", "teams", "specialists")


class OfficerLeave(SQLModel, table=True):
    """An officer away (leave, training, sick) from `starts_on` to `ends_on`, both included."""

    __tablename__ = "officer_leave"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="officer_leave_span"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    starts_on: date = Field(index=True)
    ends_on: date = Field(index=True)
    reason: str = Field(default="", max_length=255)
    created_at: datetime = timestamp_field()


class Recusal(SQLModel, table=True):
    """A recorded conflict of interest (回避): the officer never inspects this merchant."""

    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("user_id", "merchant_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True, ondelete="CASCADE")
    reason: str = Field(default="", max_length=255)
    created_at: datetime = timestamp_field()


class OpeningHours(SQLModel, table=True):
    """One opening period of a merchant on a weekday (0 = Monday); minutes after midnight."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="opening_hours_weekday"),
        CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND closes_minute > opens_minute",
            name="opening_hours_span",
        ),
    )

    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", primary_key=True, ondelete="CASCADE")
    weekday: int = Field(primary_key=True)
    opens_minute: int = Field(primary_key=True)
    closes_minute: int


class DrawSeed(SQLModel, table=True):
    """The day's 双随机 seed, published (and never changed) before any draw uses it."""

    __tablename__ = "draw_seed"

    day: date = Field(primary_key=True)
    seed: str = Field(max_length=128)
    published_at: datetime = timestamp_field()
    published_by: str = Field(default="system", max_length=64)


class Draw(SQLModel, table=True):
    """One recorded random draw: its pool snapshot (and hash), parameters and result."""

    __tablename__ = "draw"
    __table_args__ = (
        UniqueConstraint("day", "kind", "scope", "seq"),
        CheckConstraint("kind IN ('merchants', 'teams', 'specialists')", name="draw_kind"),
        CheckConstraint("seq >= 1", name="draw_seq"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    day: date = Field(foreign_key="draw_seed.day", index=True)
    kind: str = Field(max_length=16)
    scope: str = Field(max_length=64, description="department or street code")
    seq: int = Field(default=1, description="redraws of the same scope when its pool changed")
    pool: list[Any] = Field(default_factory=list, sa_type=JSON)
    pool_hash: str = Field(max_length=64, description="SHA-256 of the canonical pool JSON")
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    result: list[Any] = Field(default_factory=list, sa_type=JSON)
    drawn_at: datetime = timestamp_field()


class Plan(SQLModel, table=True):
    """One version of a street's day plan; versions are append-only, so history is linear."""

    __tablename__ = "plan"
    __table_args__ = (
        # Two supervisors writing the same street and day race for the same version: one wins.
        UniqueConstraint("street_id", "day", "version"),
        CheckConstraint("status IN ('draft', 'published')", name="plan_status"),
        CheckConstraint("version >= 1", name="plan_version"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    street_id: uuid.UUID = Field(foreign_key="street.id", index=True)
    day: date = Field(index=True)
    version: int
    status: str = Field(default="draft", max_length=16)
    change: str = Field(default="build", max_length=32, description="what made this version")
    stats: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = timestamp_field()
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    published_at: datetime | None = timestamp_field(nullable=True)


class Route(SQLModel, table=True):
    """A team's ordered route for the day, from and back to its street office."""

    __tablename__ = "route"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    number: int = Field(description="team number within the street, from 1")
    name: str = Field(max_length=64)
    locked: bool = Field(default=False, description="kept as it is when the day is re-planned")
    start_minute: int
    end_minute: int
    travel_seconds: int = 0
    service_seconds: int = 0


class RouteOfficer(SQLModel, table=True):
    """An officer on a route: a street team member, or a specialist joining for the day."""

    __tablename__ = "route_officer"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'specialist')", name="route_officer_role"),
    )

    route_id: uuid.UUID = Field(foreign_key="route.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="app_user.id", primary_key=True, index=True)
    role: str = Field(default="member", max_length=16)


class JointVisit(SQLModel, table=True):
    """One joint visit (综合查一次) of one merchant; unassigned when `route_id` is empty."""

    __tablename__ = "joint_visit"
    __table_args__ = (
        UniqueConstraint("plan_id", "merchant_id"),
        UniqueConstraint("route_id", "seq"),
        CheckConstraint(
            "(route_id IS NULL AND seq IS NULL) OR (route_id IS NOT NULL AND seq >= 1)",
            name="joint_visit_placed",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    key: uuid.UUID = Field(description="the visit's id, kept across plan versions")
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    route_id: uuid.UUID | None = Field(
        default=None, foreign_key="route.id", index=True, ondelete="CASCADE"
    )
    seq: int | None = None
    eta_minute: int | None = None
    service_minutes: int
    priority: int = 0
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    checks: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSON, description="each department's check and why"
    )
    needs: list[str] = Field(
        default_factory=list, sa_type=JSON, description="departments whose officer it needs"
    )
    unassigned_code: str | None = Field(default=None, max_length=32)
    unassigned_reason: str | None = Field(default=None, sa_type=Text)


class VisitItem(SQLModel, table=True):
    """A check item a joint visit carries, with the department it is checked for."""

    __tablename__ = "visit_item"

    joint_visit_id: uuid.UUID = Field(
        foreign_key="joint_visit.id", primary_key=True, ondelete="CASCADE"
    )
    check_item_id: uuid.UUID = Field(foreign_key="check_item.id", primary_key=True, index=True)
    department_id: uuid.UUID = Field(foreign_key="department.id")


class FollowUp(SQLModel, table=True):
    """A department check a plan version leaves for a later day: items the visit's team may not
    check (no officer of their department could come), or a random check no team could fit
    in. Owed from the day after the plan's day until an inspection checks one of its items."""

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint("code IN ('no_specialist', 'carried')", name="follow_up_code"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    department_id: uuid.UUID = Field(foreign_key="department.id")
    code: str = Field(max_length=16)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    items: list[str] = Field(default_factory=list, sa_type=JSON, description="check item ids")
