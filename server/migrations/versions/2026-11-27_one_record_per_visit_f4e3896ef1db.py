"""one record per visit; a rectification order names the check item it puts right

Revision ID: f4e3896ef1db
Revises: 4cba98aaffab
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4e3896ef1db"
down_revision: str | None = "4cba98aaffab"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REAL = "presence <> 'closed'"
FK = "fk_rectification_order_check_item_id_check_item"

# Orders the server issued before this carried their item only in the requirement text:
# "<item title>" or "<item title>：<note>", one order per failed item of the inspection.
BACKFILL = """
UPDATE rectification_order SET check_item_id = (
    SELECT f.check_item_id FROM finding f JOIN check_item c ON c.id = f.check_item_id
    WHERE f.inspection_id = rectification_order.inspection_id
      AND f.outcome = 'fail' AND NOT f.corrected_on_site
      AND (rectification_order.requirement = c.title
           OR substr(rectification_order.requirement, 1, length(c.title) + 1) = c.title || '：')
    LIMIT 1
)
WHERE check_item_id IS NULL AND inspection_id IS NOT NULL
"""


def upgrade() -> None:
    doubled = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT visit_key FROM inspection_record WHERE {REAL} "
                "GROUP BY visit_key HAVING COUNT(*) > 1"
            )
        )
        .scalars()
        .all()
    )
    if doubled:
        # Which of two real records stands is a supervisor's call, not a migration's.
        raise RuntimeError(
            "visits with more than one inspection record; remove the extra ones first: "
            + ", ".join(str(key) for key in doubled)
        )
    op.create_index(
        "ix_inspection_record_one_per_visit",
        "inspection_record",
        ["visit_key"],
        unique=True,
        postgresql_where=sa.text(REAL),
        sqlite_where=sa.text(REAL),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode would copy and drop the table: that loses its day-packet triggers and, with
        # foreign keys on, deletes the merchants' rectification photos. SQLite adds a column
        # that references another table in place.
        op.execute(
            f"ALTER TABLE rectification_order ADD COLUMN check_item_id CHAR(32) "
            f"CONSTRAINT {FK} REFERENCES check_item (id)"
        )
    else:
        op.add_column("rectification_order", sa.Column("check_item_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(FK, "rectification_order", "check_item", ["check_item_id"], ["id"])
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE rectification_order DROP COLUMN check_item_id")
    else:
        op.drop_constraint(FK, "rectification_order", type_="foreignkey")
        op.drop_column("rectification_order", "check_item_id")
    op.drop_index("ix_inspection_record_one_per_visit", table_name="inspection_record")
