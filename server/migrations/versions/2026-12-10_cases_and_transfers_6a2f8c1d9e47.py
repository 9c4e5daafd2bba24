"""cases from filing to closing; transfers between units; measures reserved to the district

A case (`enforcement_case`) is now held by a unit (a street's team or a department) and goes
through its stages: open, investigating, review, decided, served, closed, or transferred while
a receiving unit answers. It names its failed items (`case_item`) and the inspection's officers
(`case_officer`), keeps its history (`case_step`), its legal reviews (`case_review`), its
decision (`case_decision`) and its transfers (`case_transfer`), each act with its own action
code. Each matter says which decision measures are reserved to the district
(`matter.reserved_measures`); existing matters reserve the major ones.

On SQLite `enforcement_case` is rebuilt by batch mode (nothing refers to it before this
revision); `matter`, which items and grants refer to, takes its column in place.

Revision ID: 6a2f8c1d9e47
Revises: 4e1b7a9c2d63
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.core.models import AwareDateTime

revision: str = "6a2f8c1d9e47"
down_revision: str | None = "4e1b7a9c2d63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('open', 'closed', 'transferred', 'withdrawn')"
NEW_STATUSES = (
    "status IN ('open', 'investigating', 'review', 'decided', 'served', 'closed', "
    "'transferred', 'withdrawn')"
)
ONE_HOLDER = "holding_team_id IS NULL OR holding_department_id IS NULL"
RESERVED = (
    '["large_fine", "demote_qualification", "revoke_licence", "suspend", "close", '
    '"restrict_practice"]'
)
_STR = sqlmodel.sql.sqltypes.AutoString


def _fk(table: str, column: str, target: str, **kw: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return _fk(table, "case_id", "enforcement_case", ondelete="CASCADE")


def _cases_up() -> None:
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holding_team_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("holding_department_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("stage_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("review_round", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("proposal", sa.JSON(), nullable=True))
        batch_op.alter_column("status", existing_type=sa.VARCHAR(length=12), type_=_STR(length=13))
        batch_op.drop_constraint("case_status", type_="check")
        batch_op.create_check_constraint("case_status", sa.text(NEW_STATUSES))
        batch_op.create_check_constraint("case_one_holder", sa.text(ONE_HOLDER))
        batch_op.create_index(batch_op.f("ix_enforcement_case_due_on"), ["due_on"])
        for column, target in (
            ("holding_team_id", "team"),
            ("holding_department_id", "department"),
        ):
            batch_op.create_index(batch_op.f(f"ix_enforcement_case_{column}"), [column])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_enforcement_case_{column}_{target}"), target, [column], ["id"]
            )


def _links_up() -> None:
    op.create_table(
        "case_item",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("check_item_id", sa.Uuid(), nullable=False),
        _case_fk("case_item"),
        _fk("case_item", "check_item_id", "check_item"),
        sa.PrimaryKeyConstraint("case_id", "check_item_id", name=op.f("pk_case_item")),
    )
    op.create_index(op.f("ix_case_item_check_item_id"), "case_item", ["check_item_id"])
    op.create_table(
        "case_officer",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _case_fk("case_officer"),
        _fk("case_officer", "user_id", "app_user"),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_case_officer")),
    )
    op.create_index(op.f("ix_case_officer_user_id"), "case_officer", ["user_id"])
    op.create_table(
        "case_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("step", _STR(length=16), nullable=False),
        sa.Column("status", _STR(length=13), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", _STR(length=64), nullable=False),
        sa.Column("at", AwareDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        _fk("case_step", "actor_id", "app_user"),
        _case_fk("case_step"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_step")),
    )
    op.create_index(op.f("ix_case_step_case_id"), "case_step", ["case_id"])
    op.create_table(
        "case_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=False),
        sa.Column("verdict", _STR(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", AwareDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("verdict IN ('approve', 'return')", name="case_review_verdict"),
        _case_fk("case_review"),
        _fk("case_review", "reviewer_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review")),
    )
    op.create_index(op.f("ix_case_review_case_id"), "case_review", ["case_id"])


def _acts_up() -> None:
    op.create_table(
        "case_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _STR(length=12), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("action_code", _STR(length=32), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("holding_team_id", sa.Uuid(), nullable=True),
        sa.Column("holding_department_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('penalty', 'mitigated', 'no_penalty')", name="case_decision_kind"
        ),
        sa.CheckConstraint(
            "amount_cents IS NULL OR amount_cents >= 0", name="case_decision_amount"
        ),
        _case_fk("case_decision"),
        _fk("case_decision", "decided_by", "app_user"),
        _fk("case_decision", "holding_department_id", "department"),
        _fk("case_decision", "holding_team_id", "team"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_decision")),
        sa.UniqueConstraint("action_code", name=op.f("uq_case_decision_action_code")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_decision_case_id")),
    )
    op.create_table(
        "case_transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("action_code", _STR(length=32), nullable=False),
        sa.Column("from_team_id", sa.Uuid(), nullable=True),
        sa.Column("from_department_id", sa.Uuid(), nullable=True),
        sa.Column("to_team_id", sa.Uuid(), nullable=True),
        sa.Column("to_department_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("status", _STR(length=8), nullable=False),
        sa.Column("status_before", _STR(length=13), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.Uuid(), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=False),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'returned')", name="case_transfer_status"
        ),
        sa.CheckConstraint(
            "(to_team_id IS NULL) <> (to_department_id IS NULL)", name="case_transfer_to"
        ),
        _fk("case_transfer", "answered_by", "app_user"),
        _case_fk("case_transfer"),
        _fk("case_transfer", "from_department_id", "department"),
        _fk("case_transfer", "from_team_id", "team"),
        _fk("case_transfer", "sent_by", "app_user"),
        _fk("case_transfer", "to_department_id", "department"),
        _fk("case_transfer", "to_team_id", "team"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfer")),
        sa.UniqueConstraint("action_code", name=op.f("uq_case_transfer_action_code")),
    )
    for column in ("case_id", "status", "to_department_id", "to_team_id"):
        op.create_index(op.f(f"ix_case_transfer_{column}"), "case_transfer", [column])


def upgrade() -> None:
    _cases_up()
    _links_up()
    _acts_up()
    op.add_column(
        "matter",
        sa.Column(
            "reserved_measures", sa.JSON(), server_default=sa.text(f"'{RESERVED}'"), nullable=False
        ),
    )


def downgrade() -> None:
    held = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM enforcement_case "
                "WHERE status IN ('investigating', 'review', 'decided', 'served')"
            )
        )
        .scalar()
    )
    if held:
        # Which of the old statuses such a case should go back to is the office's call.
        raise RuntimeError(f"{held} cases are part-way through their stages; close them first")
    if op.get_bind().dialect.name == "sqlite":  # in place: a rebuild would drop what refers to it
        op.execute("ALTER TABLE matter DROP COLUMN reserved_measures")
    else:
        op.drop_column("matter", "reserved_measures")
    for table in ("case_transfer", "case_decision", "case_review", "case_step"):
        op.drop_table(table)
    op.drop_table("case_officer")
    op.drop_table("case_item")
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        for column, target in (
            ("holding_team_id", "team"),
            ("holding_department_id", "department"),
        ):
            batch_op.drop_constraint(
                batch_op.f(f"fk_enforcement_case_{column}_{target}"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_enforcement_case_{column}"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_due_on"))
        batch_op.drop_constraint("case_one_holder", type_="check")
        batch_op.drop_constraint("case_status", type_="check")
        batch_op.create_check_constraint("case_status", sa.text(OLD_STATUSES))
        batch_op.alter_column("status", existing_type=_STR(length=13), type_=sa.VARCHAR(length=12))
        for column in (
            "proposal",
            "review_round",
            "due_on",
            "stage_since",
            "holding_department_id",
            "holding_team_id",
        ):
            batch_op.drop_column(column)
