"""department checks a plan leaves for a later day

A joint visit goes ahead with the items its team may check; the items that need an officer of
a department no team had that day, and random checks no team could fit in, are kept as
follow-ups of the plan version and owed until an inspection checks them.

Revision ID: 4e1b7a9c2d63
Revises: 89dbc63d8a26
Create Date: 2026-12-09 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "4e1b7a9c2d63"
down_revision: str | None = "89dbc63d8a26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.CheckConstraint("code IN ('no_specialist', 'carried')", name="follow_up_code"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_follow_up_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchant.id"], name=op.f("fk_follow_up_merchant_id_merchant")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_follow_up_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    op.create_index(op.f("ix_follow_up_merchant_id"), "follow_up", ["merchant_id"])
    op.create_index(op.f("ix_follow_up_plan_id"), "follow_up", ["plan_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_up_plan_id"), table_name="follow_up")
    op.drop_index(op.f("ix_follow_up_merchant_id"), table_name="follow_up")
    op.drop_table("follow_up")
