"""teams get a code and officers a phone: the organisation workbook names teams by code

The organisation is imported from a workbook (docs/data-import.md) whose officers name their
team by its code, and which carries an officer's mobile number. Both columns are optional, so
the teams and people made before keep working; a code, once given, is unique.

Revision ID: 5b8e21c4d7a0
Revises: b7e2c41d9a53
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5b8e21c4d7a0"
down_revision: str | None = "b7e2c41d9a53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "team", sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
    )
    op.create_index("ix_team_code", "team", ["code"], unique=True)
    op.add_column(
        "app_user", sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: copying the tables would lose the
    # day-packet triggers on them.
    op.drop_column("app_user", "phone")
    op.drop_index("ix_team_code", table_name="team")
    op.drop_column("team", "code")
