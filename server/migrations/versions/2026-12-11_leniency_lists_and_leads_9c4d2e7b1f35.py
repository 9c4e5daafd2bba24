"""flexible-enforcement lists and the entries decisions apply; leads passed to streets

The 不予处罚 and 减轻处罚 lists come in versions (`leniency_list`), each with its source
document and period; their entries (`leniency_entry`) are tied to check items
(`leniency_entry_item`); a decision records the entry it applied per item
(`decision_leniency`). A lead (`lead`, `lead_item`) is a matter passed to a street for a visit.
A change to the lists marks every kept day packet stale, as a catalogue change does: the phones
show which items a merchant may be let off.

Revision ID: 9c4d2e7b1f35
Revises: 6a2f8c1d9e47
Create Date: 2026-12-11 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.core.models import AwareDateTime
from server.migrations.packet_triggers import SQLITE_BUMP, TABLE_WINDOW

revision: str = "9c4d2e7b1f35"
down_revision: str | None = "6a2f8c1d9e47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString
LISTS = ("leniency_list", "leniency_entry", "leniency_entry_item")
EVENTS = ("insert", "update", "delete")


def _fk(table: str, column: str, target: str, **kw: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def _lists_up() -> None:
    op.create_table(
        "leniency_list",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", _STR(length=32), nullable=False),
        sa.Column("kind", _STR(length=12), nullable=False),
        sa.Column("name", _STR(length=255), nullable=False),
        sa.Column("document", _STR(length=255), nullable=False),
        sa.Column("document_no", _STR(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.CheckConstraint("kind IN ('no_penalty', 'mitigated')", name="leniency_list_kind"),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="leniency_list_period"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leniency_list")),
        sa.UniqueConstraint("code", name=op.f("uq_leniency_list_code")),
    )
    op.create_table(
        "leniency_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("list_id", sa.Uuid(), nullable=False),
        sa.Column("no", _STR(length=16), nullable=False),
        sa.Column("conduct", sa.Text(), nullable=False),
        sa.Column("first_violation", sa.Boolean(), nullable=False),
        sa.Column("correction", _STR(length=8), nullable=False),
        sa.Column("minor_harm", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "correction IN ('none', 'on_site', 'deadline')", name="leniency_entry_correction"
        ),
        _fk("leniency_entry", "list_id", "leniency_list", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leniency_entry")),
        sa.UniqueConstraint("list_id", "no", name="leniency_entry_no"),
    )
    op.create_index(op.f("ix_leniency_entry_list_id"), "leniency_entry", ["list_id"])
    op.create_table(
        "leniency_entry_item",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("check_item_id", sa.Uuid(), nullable=False),
        _fk("leniency_entry_item", "entry_id", "leniency_entry", ondelete="CASCADE"),
        _fk("leniency_entry_item", "check_item_id", "check_item"),
        sa.PrimaryKeyConstraint("entry_id", "check_item_id", name=op.f("pk_leniency_entry_item")),
    )
    op.create_index(
        op.f("ix_leniency_entry_item_check_item_id"), "leniency_entry_item", ["check_item_id"]
    )
    op.create_table(
        "decision_leniency",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("check_item_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        _fk("decision_leniency", "decision_id", "case_decision", ondelete="CASCADE"),
        _fk("decision_leniency", "check_item_id", "check_item"),
        _fk("decision_leniency", "entry_id", "leniency_entry"),
        sa.PrimaryKeyConstraint("decision_id", "check_item_id", name=op.f("pk_decision_leniency")),
    )
    op.create_index(op.f("ix_decision_leniency_entry_id"), "decision_leniency", ["entry_id"])


def _leads_up() -> None:
    op.create_table(
        "lead",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("action_code", _STR(length=32), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("from_team_id", sa.Uuid(), nullable=True),
        sa.Column("from_department_id", sa.Uuid(), nullable=True),
        sa.Column("to_street_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", _STR(length=8), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_at", AwareDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Uuid(), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=False),
        sa.Column("visit_by", sa.Date(), nullable=True),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'returned')", name="lead_status"),
        _fk("lead", "answered_by", "app_user"),
        _fk("lead", "from_department_id", "department"),
        _fk("lead", "from_team_id", "team"),
        _fk("lead", "merchant_id", "merchant"),
        _fk("lead", "sent_by", "app_user"),
        _fk("lead", "to_street_id", "street"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead")),
        sa.UniqueConstraint("action_code", name=op.f("uq_lead_action_code")),
    )
    for column in ("merchant_id", "status", "to_street_id"):
        op.create_index(op.f(f"ix_lead_{column}"), "lead", [column])
    op.create_table(
        "lead_item",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("check_item_id", sa.Uuid(), nullable=False),
        _fk("lead_item", "lead_id", "lead", ondelete="CASCADE"),
        _fk("lead_item", "check_item_id", "check_item"),
        sa.PrimaryKeyConstraint("lead_id", "check_item_id", name=op.f("pk_lead_item")),
    )


def _triggers() -> list[str]:
    """A write to the lists bumps every kept packet, as a catalogue change does."""
    if op.get_bind().dialect.name == "postgresql":
        return [
            f"""CREATE TRIGGER day_packet_{table}_{event} AFTER {event.upper()} ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION day_packet_catalogue_changed()"""
            for table in LISTS
            for event in EVENTS
        ]
    return [
        f"""CREATE TRIGGER day_packet_{table}_{event} AFTER {event.upper()} ON {table}
        BEGIN
            INSERT INTO day_packet (route_id, day, gen)
            SELECT r.id, p.day, 1 FROM route r JOIN plan p ON p.id = r.plan_id
            WHERE {TABLE_WINDOW["sqlite"]} {SQLITE_BUMP};
        END"""
        for table in LISTS
        for event in EVENTS
    ]


def upgrade() -> None:
    _lists_up()
    _leads_up()
    for statement in _triggers():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in LISTS:
        for event in EVENTS:
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER IF EXISTS day_packet_{table}_{event}{on}")
    op.drop_table("lead_item")
    for column in ("merchant_id", "status", "to_street_id"):
        op.drop_index(op.f(f"ix_lead_{column}"), table_name="lead")
    op.drop_table("lead")
    op.drop_index(op.f("ix_decision_leniency_entry_id"), table_name="decision_leniency")
    op.drop_table("decision_leniency")
    op.drop_index(op.f("ix_leniency_entry_item_check_item_id"), table_name="leniency_entry_item")
    op.drop_table("leniency_entry_item")
    op.drop_index(op.f("ix_leniency_entry_list_id"), table_name="leniency_entry")
    op.drop_table("leniency_entry")
    op.drop_table("leniency_list")
