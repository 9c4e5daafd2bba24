"""Enforcement cases (案件) opened against a merchant from an inspection's findings, and their
way through the office: steps, legal reviews, the decision and transfers between units.

A case is held by one unit at a time: a street's team (`holding_team_id`) or a department at
district level (`holding_department_id`). Its status is its stage; `withdrawn` no longer counts
towards the merchant's colour, every other status does (server/colour reads this table).
"""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = [
    "CASE_STATUSES",
    "CaseDecision",
    "CaseItem",
    "CaseOfficer",
    "CaseReview",
    "CaseStep",
    "CaseTransfer",
    "EnforcementCase",
]

CASE_STATUSES = (
    "open",  # 立案
    "investigating",  # 调查
    "review",  # 法制审核
    "decided",  # 决定
    "served",  # 送达
    "closed",  # 结案
    "transferred",  # 移送, awaiting the receiving unit
    "withdrawn",  # 撤销: no longer counts
)
CASE_STATUS_CHECK = "status IN ({})".format(", ".join(f"'{s}'" for s in CASE_STATUSES))
UNIT_CHECK = "holding_team_id IS NULL OR holding_department_id IS NULL"


class EnforcementCase(SQLModel, table=True):
    """A case opened (立案) for investigation; `case_no` is its action code (AJ…)."""

    __tablename__ = "enforcement_case"
    __table_args__ = (
        CheckConstraint(CASE_STATUS_CHECK, name="case_status"),
        CheckConstraint(UNIT_CHECK, name="case_one_holder"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id", index=True)
    case_no: str = Field(max_length=32, unique=True, description="行政行为码 (AJ…)")
    opened_on: date
    status: str = Field(default="open", max_length=13)
    summary: str = Field(default="", sa_type=Text)
    closed_on: date | None = None
    opened_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    holding_team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)
    holding_department_id: uuid.UUID | None = Field(
        default=None, foreign_key="department.id", index=True
    )
    stage_since: date | None = Field(default=None, description="the day the stage began")
    due_on: date | None = Field(default=None, index=True, description="the stage's deadline")
    review_round: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="how many times it went to legal review",
    )
    proposal: dict | None = Field(
        default=None, sa_type=JSON, description="the decision put to legal review"
    )
    created_at: datetime = timestamp_field()


class CaseItem(SQLModel, table=True):
    """A failed check item of the inspection the case was opened for."""

    __tablename__ = "case_item"

    case_id: uuid.UUID = Field(
        foreign_key="enforcement_case.id", primary_key=True, ondelete="CASCADE"
    )
    check_item_id: uuid.UUID = Field(foreign_key="check_item.id", primary_key=True, index=True)


class CaseOfficer(SQLModel, table=True):
    """An officer of the inspection the case was opened from."""

    __tablename__ = "case_officer"

    case_id: uuid.UUID = Field(
        foreign_key="enforcement_case.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID = Field(foreign_key="app_user.id", primary_key=True, index=True)


class CaseStep(SQLModel, table=True):
    """One act in a case's history: who, when, what it noted and which papers it names."""

    __tablename__ = "case_step"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="enforcement_case.id", index=True, ondelete="CASCADE")
    step: str = Field(max_length=16)
    status: str = Field(max_length=13, description="the case's status after the step")
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    actor_name: str = Field(max_length=64)
    at: datetime = timestamp_field()
    day: date
    note: str = Field(default="", sa_type=Text)
    documents: list = Field(default_factory=list, sa_type=JSON)
    due_on: date | None = Field(default=None, description="the deadline of the stage it began")


class CaseReview(SQLModel, table=True):
    """A legal reviewer's (法制审核) answer to a proposed decision, at one level of a round."""

    __tablename__ = "case_review"
    __table_args__ = (
        CheckConstraint("verdict IN ('approve', 'return')", name="case_review_verdict"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="enforcement_case.id", index=True, ondelete="CASCADE")
    round: int
    level: int
    reviewer_id: uuid.UUID = Field(foreign_key="app_user.id")
    verdict: str = Field(max_length=8)
    note: str = Field(default="", sa_type=Text)
    at: datetime = timestamp_field()


class CaseDecision(SQLModel, table=True):
    """The decision (决定) of a case, with its own action code (CF, JQ, BY …)."""

    __tablename__ = "case_decision"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('penalty', 'mitigated', 'no_penalty')", name="case_decision_kind"
        ),
        CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="case_decision_amount"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="enforcement_case.id", unique=True, ondelete="CASCADE")
    kind: str = Field(max_length=12)
    measures: list = Field(default_factory=list, sa_type=JSON)
    amount_cents: int | None = None
    action_code: str = Field(max_length=32, unique=True)
    decided_on: date
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    holding_team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id")
    holding_department_id: uuid.UUID | None = Field(default=None, foreign_key="department.id")
    note: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()


class CaseTransfer(SQLModel, table=True):
    """A case sent (移送) from one unit to another, with its own action code (YS…); the
    receiving unit accepts it or returns it with reasons."""

    __tablename__ = "case_transfer"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'returned')", name="case_transfer_status"
        ),
        CheckConstraint(
            "(to_team_id IS NULL) <> (to_department_id IS NULL)", name="case_transfer_to"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="enforcement_case.id", index=True, ondelete="CASCADE")
    action_code: str = Field(max_length=32, unique=True)
    from_team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id")
    from_department_id: uuid.UUID | None = Field(default=None, foreign_key="department.id")
    to_team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)
    to_department_id: uuid.UUID | None = Field(
        default=None, foreign_key="department.id", index=True
    )
    reason: str = Field(sa_type=Text)
    documents: list = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="pending", max_length=8, index=True)
    status_before: str = Field(max_length=13, description="the case's status when it was sent")
    sent_on: date
    sent_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    due_on: date | None = None
    answered_on: date | None = None
    answered_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    answer_note: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()
