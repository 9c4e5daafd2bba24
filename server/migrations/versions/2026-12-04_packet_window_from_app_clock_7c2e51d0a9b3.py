"""kept day packets follow the app's clock: the triggers read packet_window, not the database's date

Revision ID: 7c2e51d0a9b3
Revises: f4e3896ef1db
Create Date: 2026-12-04 23:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.migrations.packet_triggers import (
    CLOCK_WINDOW,
    TABLE_WINDOW,
    create_statements,
    drop_statements,
)

revision: str = "7c2e51d0a9b3"
down_revision: str | None = "f4e3896ef1db"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "packet_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kept_from", sa.Date(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_packet_window_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packet_window")),
    )
    for statement in drop_statements() + create_statements(TABLE_WINDOW):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements() + create_statements(CLOCK_WINDOW):
        op.execute(statement)
    op.drop_table("packet_window")
