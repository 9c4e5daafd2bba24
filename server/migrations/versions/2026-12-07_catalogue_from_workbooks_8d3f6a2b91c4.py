"""the catalogue as a district's workbook describes it: empowerment by street and date,
scenarios for several business types with their source, the provision each item checks

Empowerment (赋权) was a flag on the matter (every street) plus pilot-street rows, with no
dates; a district's list gives each matter's streets (or all of them) and the days it holds.
`matter_empowerment` becomes one row per grant: a street or none (every street), from and to
days or none; the flag's matters become grants to every street, and the flag goes. A scenario
(监管一件事) may serve several business types (`scenario_business_type`) and says whether it
is a provincial one or the district's own; a check item keeps its legal provision (`basis`).

Revision ID: 8d3f6a2b91c4
Revises: 5b8e21c4d7a0
Create Date: 2026-12-07 10:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "8d3f6a2b91c4"
down_revision: str | None = "5b8e21c4d7a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUTO = sqlmodel.sql.sqltypes.AutoString


def _grants_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("matter_id", sa.Uuid(), nullable=False),
        sa.Column("street_id", sa.Uuid(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from",
            name=op.f("ck_matter_empowerment_matter_empowerment_period"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["matter.id"],
            name=op.f("fk_matter_empowerment_matter_id_matter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["street_id"],
            ["street.id"],
            name=op.f("fk_matter_empowerment_street_id_street"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_empowerment")),
    )


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("check_item", sa.Column("basis", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "scenario", sa.Column("source", _AUTO(length=16), nullable=False, server_default="local")
    )
    op.create_table(
        "scenario_business_type",
        sa.Column("scenario_id", sa.Uuid(), nullable=False),
        sa.Column("business_type", _AUTO(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenario.id"],
            name=op.f("fk_scenario_business_type_scenario_id_scenario"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "scenario_id", "business_type", name=op.f("pk_scenario_business_type")
        ),
    )
    op.create_index(
        "ix_scenario_business_type_business_type", "scenario_business_type", ["business_type"]
    )
    op.execute(
        "INSERT INTO scenario_business_type (scenario_id, business_type) "
        "SELECT id, business_type FROM scenario"
    )
    op.drop_index("ix_scenario_business_type", table_name="scenario")
    op.drop_column("scenario", "business_type")

    grants = [
        (m, s)
        for m, s in conn.execute(sa.text("SELECT matter_id, street_id FROM matter_empowerment"))
    ]
    grants += [
        (m, None)
        for (m,) in conn.execute(sa.text("SELECT id FROM matter WHERE empowered_to_all_streets"))
    ]
    op.drop_table("matter_empowerment")
    _grants_table("matter_empowerment")
    op.create_index("ix_matter_empowerment_matter_id", "matter_empowerment", ["matter_id"])
    op.create_index("ix_matter_empowerment_street_id", "matter_empowerment", ["street_id"])
    table = sa.table(
        "matter_empowerment",
        sa.column("id", sa.Uuid()),
        sa.column("matter_id", sa.Uuid()),
        sa.column("street_id", sa.Uuid()),
    )
    if grants:
        op.bulk_insert(
            table,
            [{"id": uuid.uuid4(), "matter_id": _uuid(m), "street_id": _uuid(s)} for m, s in grants],
        )
    # A plain DROP COLUMN (SQLite 3.35+): copying `matter` would lose its day-packet triggers.
    op.drop_column("matter", "empowered_to_all_streets")


def _uuid(value: object) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value.hex() if isinstance(value, bytes) else str(value))


def downgrade() -> None:
    conn = op.get_bind()
    op.add_column(
        "matter",
        sa.Column(
            "empowered_to_all_streets", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    grants = list(
        conn.execute(sa.text("SELECT DISTINCT matter_id, street_id FROM matter_empowerment"))
    )
    every = {_uuid(m) for m, s in grants if s is None}
    op.drop_table("matter_empowerment")
    op.create_table(
        "matter_empowerment",
        sa.Column("matter_id", sa.Uuid(), nullable=False),
        sa.Column("street_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["matter.id"],
            name=op.f("fk_matter_empowerment_matter_id_matter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["street_id"],
            ["street.id"],
            name=op.f("fk_matter_empowerment_street_id_street"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("matter_id", "street_id", name=op.f("pk_matter_empowerment")),
    )
    table = sa.table(
        "matter_empowerment", sa.column("matter_id", sa.Uuid()), sa.column("street_id", sa.Uuid())
    )
    rows = [{"matter_id": _uuid(m), "street_id": _uuid(s)} for m, s in grants if s is not None]
    if rows:
        op.bulk_insert(table, rows)
    matter = sa.table("matter", sa.column("id", sa.Uuid()), sa.column("empowered_to_all_streets"))
    for matter_id in every:
        conn.execute(
            matter.update().where(matter.c.id == matter_id).values(empowered_to_all_streets=True)
        )
    op.add_column("scenario", sa.Column("business_type", _AUTO(length=32), nullable=True))
    op.execute(
        "UPDATE scenario SET business_type = (SELECT MIN(b.business_type) "
        "FROM scenario_business_type b WHERE b.scenario_id = scenario.id)"
    )
    op.create_index("ix_scenario_business_type", "scenario", ["business_type"])
    op.drop_index("ix_scenario_business_type_business_type", table_name="scenario_business_type")
    op.drop_table("scenario_business_type")
    op.drop_column("scenario", "source")
    op.drop_column("check_item", "basis")
