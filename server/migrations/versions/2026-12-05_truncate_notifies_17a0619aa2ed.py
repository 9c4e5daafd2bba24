"""TRUNCATE announces itself on the change feed: the app processes forget every kept entry of that kind

A TRUNCATE fires no row trigger, so `TRUNCATE user_session` (or a restore that empties tables
this way) used to leave every process serving the removed sessions from memory. A statement
trigger on each table the in-memory caches (server/core/changefeed.py) follow notifies `kind:*`. PostgreSQL
only: SQLite has no TRUNCATE and no change feed.

Revision ID: 17a0619aa2ed
Revises: 7c2e51d0a9b3
Create Date: 2026-12-05 00:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

from server.migrations.packet_triggers import CHANNEL

revision: str = "17a0619aa2ed"
down_revision: str | None = "7c2e51d0a9b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: the kind of kept entry its rows feed (sessions, routes, packets, public pages)
TRUNCATED = {
    "user_session": "session",
    "app_user": "user",
    "plan": "plan",
    "route": "plan",
    "route_officer": "plan",
    "day_packet": "packet",
    "merchant": "merchant",
    "street": "merchant",
    "colour_state": "merchant",
    "colour_event": "merchant",
    "inspection": "merchant",
    "rectification_order": "merchant",
    "finding": "merchant",
    "check_item": "merchant",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""CREATE FUNCTION live_truncated() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_ARGV[0] || ':*');
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""
    )
    for table, kind in TRUNCATED.items():
        op.execute(
            f"""CREATE TRIGGER live_{table}_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION live_truncated('{kind}')"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TRUNCATED:
        op.execute(f"DROP TRIGGER IF EXISTS live_{table}_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS live_truncated()")
