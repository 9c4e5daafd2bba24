"""removed records mark kept day packets stale: DELETE of record rows, TRUNCATE of any packet source

The day-packet triggers watched inserts and updates only. A TRUNCATE fires neither (nor any
DELETE trigger), and a DELETE was not watched at all, so emptying `inspection` (a restore, a
clean-up by hand) left every kept packet showing history, failed items, open orders and "sent"
visits that were gone, until the packet was next rebuilt for another reason. Now a DELETE of
record rows marks their merchants' packets (SQLite: per row, so a DELETE without WHERE, its
TRUNCATE, marks them all; PostgreSQL: per statement), and on PostgreSQL a TRUNCATE of any table
a packet is drawn from marks every kept packet.

Revision ID: cff407a1e549
Revises: 17a0619aa2ed
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from server.migrations.packet_triggers import (
    TABLE_WINDOW,
    drop_removal_statements,
    removal_statements,
)

revision: str = "cff407a1e549"
down_revision: str | None = "17a0619aa2ed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in removal_statements(TABLE_WINDOW):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_removal_statements():
        op.execute(statement)
