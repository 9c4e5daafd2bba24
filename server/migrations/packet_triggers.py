"""The triggers that mark kept day packets stale and feed the app processes' change feed.

Shared by the migrations that create them; the window of kept plans is a parameter, so a later
revision can change only that. A write to what a packet shows bumps the `gen` of every kept route
it appears in (creating the row when the route has none yet), so a build that read the old gen
cannot store its packet (server/packets/store.py).
"""

from alembic import op

__all__ = [
    "CLOCK_WINDOW",
    "TABLE_WINDOW",
    "create_statements",
    "drop_removal_statements",
    "drop_statements",
    "removal_statements",
]

# Which published plans are kept, per dialect. The first revision read the database's own
# calendar; the app's clock is the only calendar now, and it writes `packet_window.kept_from`
# (the nightly run moves it to yesterday). No row yet: every published plan is kept.
CLOCK_WINDOW = {
    "postgresql": "p.status = 'published' AND p.day >= CURRENT_DATE - 1",
    "sqlite": "p.status = 'published' AND p.day >= date('now', '-1 day')",
}
_KEPT_FROM = "(SELECT kept_from FROM packet_window WHERE id = 1)"
TABLE_WINDOW = {
    "postgresql": f"p.status = 'published' AND p.day >= COALESCE({_KEPT_FROM}, DATE '0001-01-01')",
    "sqlite": f"p.status = 'published' AND p.day >= COALESCE({_KEPT_FROM}, '0001-01-01')",
}


def create_statements(window: dict[str, str]) -> list[str]:
    """Create the triggers for the current dialect, keeping the plans `window` names."""
    dialect = op.get_bind().dialect.name
    return _sqlite(window["sqlite"]) if dialect == "sqlite" else _postgresql(window["postgresql"])


# What a packet shows of a merchant, an officer and the catalogue. A write to any of it bumps the
# `gen` of every kept route (published, from yesterday on) it appears in, creating the row when
# the route has none yet, so a build that read the old gen cannot store its packet.
MERCHANT_COLUMNS = (
    "name",
    "address",
    "lat",
    "lng",
    "colour",
    "qr_token",
    "uscc",
    "active",
    "street_id",
)
USER_COLUMNS = ("name", "username", "cert_no", "department_id")
CATALOGUE = {
    "check_item": ("code", "title", "guidance", "is_key", "no_penalty_eligible"),
    "matter": ("legal_basis",),
    "department": ("code", "name"),
}
MERCHANT_TABLES = ("inspection", "rectification_order")

# The app processes' caches (server/core/changefeed.py) listen here for `kind:key` notes.
CHANNEL = "onevisit_changes"
# How a trigger announces a note: the first revisions called pg_notify; `live_note` (from
# revision 5b1e7d2c9a40, server/migrations/live_notes.py) also lists the note for the writing
# process. Followed by the note's expression and ")".
PG_NOTIFY = f"pg_notify('{CHANNEL}', "
LIVE_NOTE = "live_note("
NOTIFY_EACH_UP_TO = 100  # a statement changing more merchants says "merchant:*"
QUIET = "current_setting('onevisit.bulk', true) IS DISTINCT FROM 'on'"
LIVE = {  # table: (events, kind, key column, only outside bulk rewrites)
    "user_session": ("INSERT OR UPDATE OR DELETE", "session", "token_hash", False),
    "app_user": ("UPDATE", "user", "id", False),
    "plan": ("INSERT OR UPDATE", "plan", "day", False),
    "day_packet": ("INSERT OR UPDATE", "packet", "route_id", False),
    "colour_state": ("INSERT OR UPDATE", "merchant", "merchant_id", True),
    "colour_event": ("INSERT", "merchant", "merchant_id", True),
}

PG_BUMP = "ON CONFLICT (route_id) DO UPDATE SET gen = day_packet.gen + 1"


def _pg_visits(window: str) -> str:
    return f"""INSERT INTO day_packet (route_id, day, gen)
    SELECT DISTINCT jv.route_id, p.day, 1 FROM joint_visit jv JOIN plan p ON p.id = jv.plan_id
    WHERE jv.route_id IS NOT NULL AND {window} AND jv.merchant_id"""


def _distinct(columns: tuple[str, ...], sqlite: bool) -> str:
    if sqlite:
        return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"({old}) IS DISTINCT FROM ({new})"


def _postgresql(window: str, notify: str = PG_NOTIFY) -> list[str]:
    visits = _pg_visits(window)
    # Merchant rows: per row, and not while a bulk recompute (which sets onevisit.bulk and
    # marks every kept packet itself) rewrites hundreds of thousands of them.
    sql = [
        f"""CREATE FUNCTION day_packet_merchant_changed() RETURNS trigger AS $$
        BEGIN
            {visits} = NEW.id {PG_BUMP};
            PERFORM {notify}'merchant:' || NEW.id);
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER day_packet_merchant AFTER UPDATE ON merchant FOR EACH ROW
        WHEN ({_distinct(MERCHANT_COLUMNS, False)}
              AND {QUIET})
        EXECUTE FUNCTION day_packet_merchant_changed()""",
        # Inspections and orders: per statement, over the rows it wrote (bulk loads included).
        f"""CREATE FUNCTION day_packet_records_changed() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM plan p WHERE {window}) THEN
                {visits} IN (SELECT merchant_id FROM changed) {PG_BUMP};
            END IF;
            IF (SELECT count(DISTINCT merchant_id) FROM changed) > {NOTIFY_EACH_UP_TO} THEN
                PERFORM {notify}'merchant:*');
            ELSE
                PERFORM {notify}'merchant:' || m)
                FROM (SELECT DISTINCT merchant_id AS m FROM changed) AS each_merchant;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE FUNCTION day_packet_officer_changed() RETURNS trigger AS $$
        BEGIN
            INSERT INTO day_packet (route_id, day, gen)
            SELECT DISTINCT ro.route_id, p.day, 1 FROM route_officer ro
            JOIN route r ON r.id = ro.route_id JOIN plan p ON p.id = r.plan_id
            WHERE ro.user_id = NEW.id AND {window} {PG_BUMP};
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER day_packet_officer AFTER UPDATE ON app_user FOR EACH ROW
        WHEN ({_distinct(USER_COLUMNS, False)}) EXECUTE FUNCTION day_packet_officer_changed()""",
        f"""CREATE FUNCTION day_packet_catalogue_changed() RETURNS trigger AS $$
        BEGIN
            INSERT INTO day_packet (route_id, day, gen)
            SELECT r.id, p.day, 1 FROM route r JOIN plan p ON p.id = r.plan_id
            WHERE {window} {PG_BUMP};
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    ]
    for table in MERCHANT_TABLES:
        for event in ("INSERT", "UPDATE"):
            sql.append(
                f"""CREATE TRIGGER day_packet_{table}_{event.lower()} AFTER {event} ON {table}
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
                EXECUTE FUNCTION day_packet_records_changed()"""
            )
    for table in CATALOGUE:
        sql.append(
            f"""CREATE TRIGGER day_packet_{table} AFTER UPDATE ON {table} FOR EACH STATEMENT
            EXECUTE FUNCTION day_packet_catalogue_changed()"""
        )
    sql.append(
        f"""CREATE FUNCTION live_changed() RETURNS trigger AS $$
        DECLARE changed record;
        BEGIN
            IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
            PERFORM {notify}TG_ARGV[0] || ':' || (to_jsonb(changed) ->> TG_ARGV[1]));
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""
    )
    for table, (events, kind, column, quiet) in LIVE.items():
        when = f"WHEN ({QUIET})" if quiet else ""
        sql.append(
            f"""CREATE TRIGGER live_{table} AFTER {events} ON {table} FOR EACH ROW {when}
            EXECUTE FUNCTION live_changed('{kind}', '{column}')"""
        )
    return sql


SQLITE_BUMP = "ON CONFLICT (route_id) DO UPDATE SET gen = gen + 1"


def _sqlite_visits(merchant: str, window: str) -> str:
    return f"""INSERT INTO day_packet (route_id, day, gen)
        SELECT DISTINCT jv.route_id, p.day, 1 FROM joint_visit jv JOIN plan p ON p.id = jv.plan_id
        WHERE jv.route_id IS NOT NULL AND {window} AND jv.merchant_id = {merchant}
        {SQLITE_BUMP};"""


def _sqlite(window: str) -> list[str]:
    sql = [
        f"""CREATE TRIGGER day_packet_merchant
        AFTER UPDATE OF {", ".join(MERCHANT_COLUMNS)} ON merchant
        WHEN {_distinct(MERCHANT_COLUMNS, True)}
        BEGIN {_sqlite_visits("NEW.id", window)} END""",
        f"""CREATE TRIGGER day_packet_officer AFTER UPDATE OF {", ".join(USER_COLUMNS)} ON app_user
        WHEN {_distinct(USER_COLUMNS, True)}
        BEGIN
            INSERT INTO day_packet (route_id, day, gen)
            SELECT DISTINCT ro.route_id, p.day, 1 FROM route_officer ro
            JOIN route r ON r.id = ro.route_id JOIN plan p ON p.id = r.plan_id
            WHERE ro.user_id = NEW.id AND {window} {SQLITE_BUMP};
        END""",
    ]
    for table in MERCHANT_TABLES:
        for event in ("INSERT", "UPDATE"):
            sql.append(
                f"""CREATE TRIGGER day_packet_{table}_{event.lower()} AFTER {event} ON {table}
                BEGIN {_sqlite_visits("NEW.merchant_id", window)} END"""
            )
    for table, columns in CATALOGUE.items():
        sql.append(
            f"""CREATE TRIGGER day_packet_{table} AFTER UPDATE OF {", ".join(columns)} ON {table}
            WHEN {_distinct(columns, True)}
            BEGIN
                INSERT INTO day_packet (route_id, day, gen)
                SELECT r.id, p.day, 1 FROM route r JOIN plan p ON p.id = r.plan_id
                WHERE {window} {SQLITE_BUMP};
            END"""
        )
    return sql


def _trigger_names() -> list[tuple[str, str]]:
    names = [("day_packet_merchant", "merchant"), ("day_packet_officer", "app_user")]
    names += [
        (f"day_packet_{table}_{event}", table)
        for table in MERCHANT_TABLES
        for event in ("insert", "update")
    ]
    return names + [(f"day_packet_{table}", table) for table in CATALOGUE]


def drop_statements() -> list[str]:
    """Drop every trigger and function `create_statements` makes."""
    if op.get_bind().dialect.name == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _ in _trigger_names()]
    names = _trigger_names() + [(f"live_{table}", table) for table in LIVE]
    sql = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in names]
    return sql + [
        f"DROP FUNCTION IF EXISTS {what}_changed()"
        for what in (
            "day_packet_merchant",
            "day_packet_records",
            "day_packet_officer",
            "day_packet_catalogue",
            "live",
        )
    ]


# Rows taken away. The triggers above watch writes; a record removed (DELETE, or PostgreSQL's
# TRUNCATE, which fires no row trigger and no DELETE trigger) changes a packet as much: a
# merchant's history, the failed items of its last visit, its open orders, a visit shown as sent.
# Kept apart from `create_statements` (a later revision's own), so a revision that moves the
# window recreates both sets.
RECORD_TABLES = ("inspection", "rectification_order", "finding", "inspection_record")
# Each record table's merchant: of a removed row (SQLite), of the rows a statement removed
# (PostgreSQL). Findings and sent records name it through their inspection.
_THROUGH_INSPECTION = (
    "(SELECT i.merchant_id FROM inspection i WHERE i.id = OLD.inspection_id)",
    "SELECT i.merchant_id FROM removed JOIN inspection i ON i.id = removed.inspection_id",
)
_MERCHANT_OF = {
    "inspection": ("OLD.merchant_id", "SELECT merchant_id FROM removed"),
    "rectification_order": ("OLD.merchant_id", "SELECT merchant_id FROM removed"),
    "finding": _THROUGH_INSPECTION,
    "inspection_record": _THROUGH_INSPECTION,
}
# Every table a day packet is drawn from (server/packets/day.py, route_read.py): a TRUNCATE
# of any of them marks every kept packet stale.
PACKET_SOURCES = (
    *RECORD_TABLES,
    "merchant",
    "street",
    "app_user",
    "department",
    "check_item",
    "matter",
    "plan",
    "route",
    "route_officer",
    "joint_visit",
    "visit_item",
)


def removal_statements(window: dict[str, str]) -> list[str]:
    """Triggers that mark kept packets stale when records are removed, for the current dialect.

    PostgreSQL: a DELETE of record rows marks the packets of their merchants (per statement,
    over the rows it removed) and tells the change feed; a TRUNCATE of any table a packet is
    drawn from marks every kept packet. SQLite has no TRUNCATE: emptying a table is a DELETE
    without WHERE, and as these are row triggers SQLite visits every row (it skips its quick
    whole-table erase when the table has triggers), so each removed record marks its packets."""
    if op.get_bind().dialect.name == "sqlite":
        return [
            f"""CREATE TRIGGER day_packet_{table}_delete AFTER DELETE ON {table}
            BEGIN {_sqlite_visits(_MERCHANT_OF[table][0], window["sqlite"])} END"""
            for table in RECORD_TABLES
        ]
    return _pg_removals(window["postgresql"])


def _pg_removals(pg_window: str, notify: str = PG_NOTIFY) -> list[str]:
    visits = _pg_visits(pg_window)
    sql = []
    for table in RECORD_TABLES:
        merchants = f"SELECT DISTINCT m FROM ({_MERCHANT_OF[table][1]}) AS rows_of(m)"
        sql.append(
            f"""CREATE FUNCTION day_packet_{table}_removed() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM plan p WHERE {pg_window}) THEN
                    {visits} IN ({merchants}) {PG_BUMP};
                END IF;
                IF (SELECT count(*) FROM ({merchants}) AS each_merchant) > {NOTIFY_EACH_UP_TO} THEN
                    PERFORM {notify}'merchant:*');
                ELSE
                    PERFORM {notify}'merchant:' || m)
                    FROM ({merchants}) AS each_merchant;
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql"""
        )
        sql.append(
            f"""CREATE TRIGGER day_packet_{table}_delete AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
            EXECUTE FUNCTION day_packet_{table}_removed()"""
        )
    sql.append(
        f"""CREATE FUNCTION day_packet_source_truncated() RETURNS trigger AS $$
        BEGIN
            INSERT INTO day_packet (route_id, day, gen)
            SELECT r.id, p.day, 1 FROM route r JOIN plan p ON p.id = r.plan_id
            WHERE {pg_window} {PG_BUMP};
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""
    )
    for table in PACKET_SOURCES:
        sql.append(
            f"""CREATE TRIGGER day_packet_{table}_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION day_packet_source_truncated()"""
        )
    return sql


def drop_removal_statements() -> list[str]:
    """Drop every trigger and function `removal_statements` makes."""
    if op.get_bind().dialect.name == "sqlite":
        return [f"DROP TRIGGER IF EXISTS day_packet_{table}_delete" for table in RECORD_TABLES]
    sql = [f"DROP TRIGGER IF EXISTS day_packet_{t}_delete ON {t}" for t in RECORD_TABLES]
    sql += [f"DROP TRIGGER IF EXISTS day_packet_{t}_truncate ON {t}" for t in PACKET_SOURCES]
    sql += [f"DROP FUNCTION IF EXISTS day_packet_{t}_removed()" for t in RECORD_TABLES]
    return [*sql, "DROP FUNCTION IF EXISTS day_packet_source_truncated()"]


def notifying_functions(window: dict[str, str], notify: str) -> list[str]:
    """PostgreSQL: every trigger function above that announces a note, as CREATE OR REPLACE,
    announcing with `notify` (PG_NOTIFY or LIVE_NOTE)."""
    pg_window = window["postgresql"]
    made = _postgresql(pg_window, notify) + _pg_removals(pg_window, notify)
    return [
        statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for statement in made
        if statement.lstrip().startswith("CREATE FUNCTION") and f"PERFORM {notify}" in statement
    ]
