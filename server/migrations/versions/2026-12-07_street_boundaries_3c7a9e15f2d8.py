"""streets' territories from the district's boundary file

`onevisit import boundaries FILE.geojson` keeps each street's (Multi)Polygon, in WGS-84, with
its bounding box, so that a merchant outside every street is caught at import.

Revision ID: 3c7a9e15f2d8
Revises: 8d3f6a2b91c4
Create Date: 2026-12-07 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7a9e15f2d8"
down_revision: str | None = "8d3f6a2b91c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "street_boundary",
        sa.Column("street_id", sa.Uuid(), nullable=False),
        sa.Column("polygons", sa.JSON(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("min_lng", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("max_lng", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["street_id"],
            ["street.id"],
            name=op.f("fk_street_boundary_street_id_street"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("street_id", name=op.f("pk_street_boundary")),
    )


def downgrade() -> None:
    op.drop_table("street_boundary")
