"""every note the triggers send is also listed for the transaction that wrote it

The app process that commits a change used to stop answering from memory altogether for half a
second after any commit of its own, so that its clients read their writes before the change
feed brought the notes back. Now each trigger announces through `live_note`
(server/migrations/live_notes.py), which also lists the note in the transaction's setting
`onevisit.touched`: the writing process reads the list just before it commits and holds exactly
those keys out of its caches until the notes are back. PostgreSQL only: SQLite has no change
feed.

Revision ID: 89dbc63d8a26
Revises: 3c7a9e15f2d8
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from server.migrations.live_notes import LIVE_NOTE_FUNCTION, TRUNCATED_FUNCTION
from server.migrations.packet_triggers import (
    LIVE_NOTE,
    PG_NOTIFY,
    TABLE_WINDOW,
    notifying_functions,
)

revision: str = "89dbc63d8a26"
down_revision: str | None = "3c7a9e15f2d8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LIVE_NOTE_FUNCTION)
    for statement in notifying_functions(TABLE_WINDOW, LIVE_NOTE):
        op.execute(statement)
    op.execute(TRUNCATED_FUNCTION.format(notify=LIVE_NOTE))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in notifying_functions(TABLE_WINDOW, PG_NOTIFY):
        op.execute(statement)
    op.execute(TRUNCATED_FUNCTION.format(notify=PG_NOTIFY))
    op.execute("DROP FUNCTION IF EXISTS live_note(text)")
