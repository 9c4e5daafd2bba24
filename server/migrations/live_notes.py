"""`live_note(note)`: how a trigger announces a change on the change feed from revision
89dbc63d8a26 on.

It notifies `onevisit_changes` with the note, as the triggers did before, and lists the note in
the transaction's own setting `onevisit.touched` (space-separated, each note once), which the
writing process reads just before it commits (server/core/local_writes.py): that process then
holds exactly those keys out of its caches until the notes are back. A list that grows past
TOUCHED_MAX characters (a bulk write) becomes `*`: the writer holds everything. A savepoint rolled
back takes its notes and its part of the list with it.
"""

from server.migrations.packet_triggers import CHANNEL

__all__ = [
    "LIVE_NOTE_FUNCTION",
    "TOUCHED_MAX",
    "TRUNCATED_FUNCTION",
]

TOUCHED_MAX = 8000

LIVE_NOTE_FUNCTION = f"""CREATE FUNCTION live_note(note text) RETURNS void AS $$
DECLARE
    touched text := COALESCE(NULLIF(current_setting('onevisit.touched', true), ''), ' ');
BEGIN
    PERFORM pg_notify('{CHANNEL}', note);
    IF touched = '*' OR position(' ' || note || ' ' IN touched) > 0 THEN
        RETURN;
    END IF;
    IF length(touched) + length(note) > {TOUCHED_MAX} THEN
        touched := '*';
    ELSE
        touched := touched || note || ' ';
    END IF;
    PERFORM set_config('onevisit.touched', touched, true);
END $$ LANGUAGE plpgsql"""

# The statement trigger of a TRUNCATE (revision 17a0619aa2ed), announcing `kind:*` by `notify`.
TRUNCATED_FUNCTION = """CREATE OR REPLACE FUNCTION live_truncated() RETURNS trigger AS $$
        BEGIN
            PERFORM {notify}TG_ARGV[0] || ':*');
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""
