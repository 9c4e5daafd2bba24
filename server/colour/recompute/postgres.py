"""What a recompute does on PostgreSQL besides the statements: memory for its session, a large
run staged in two halves at once, and the merchant's indexes built again around a large
rewrite."""

import threading
from collections.abc import Callable

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from server.colour.recompute.sql import PART_TABLES
from server.colour.recompute.steps import stage

__all__ = ["HALVES", "PG_MEMORY", "OtherHalf", "pg_memory", "splits", "take_in", "write_merchants"]

# The recompute sorts and joins millions of rows in temporary tables: give this one session the
# memory to do it without spilling to disk (the settings end with the transaction).
# Compiling these one-off queries to machine code (JIT) costs more than it saves.
PG_MEMORY = {
    "work_mem": "256MB",
    "temp_buffers": "1GB",
    "maintenance_work_mem": "256MB",
    "jit": "off",
}


def pg_memory(conn: Connection) -> None:
    for name, value in PG_MEMORY.items():
        try:
            # temp_buffers cannot change once the session has used a temporary table.
            with conn.begin_nested():
                conn.exec_driver_sql(f"SET LOCAL {name} = '{value}'")
        except DBAPIError:
            pass


# Rewriting a large share of the merchant rows makes every changed row a new entry in each of the
# merchant's indexes, in random order: beyond this share (and size), building the indexes again
# once is cheaper. The primary key stays: foreign keys hang on it.
REBUILD_SHARE = 0.25
REBUILD_MIN_ROWS = 50_000
REBUILD_LOCK_WAIT = "2s"

_MERCHANT_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
  AND c.contype IN ('u', 'x')
WHERE x.indrelid = CAST('merchant' AS regclass) AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f'
                  AND f.conindid = x.indexrelid)
ORDER BY i.relname"""


def _rebuilds_indexes(rows: int, merchants: int) -> bool:
    return rows >= REBUILD_MIN_ROWS and rows >= REBUILD_SHARE * merchants


def _merchants_to_ourselves(conn: Connection) -> bool:
    """Take the merchant table for the rest of the transaction if no one else is using it now.

    Dropping an index locks out every reader of the table; waiting for one that is busy would
    queue every later reader behind the wait, so a busy table keeps its indexes instead."""
    wait = text("SELECT set_config('lock_timeout', :wait, true)")
    previous = conn.exec_driver_sql("SHOW lock_timeout").scalar_one()
    try:
        with conn.begin_nested():
            conn.execute(wait, {"wait": REBUILD_LOCK_WAIT})
            conn.exec_driver_sql("LOCK TABLE merchant IN ACCESS EXCLUSIVE MODE")
    except DBAPIError:
        return False
    conn.execute(wait, {"wait": previous})
    return True


def _without_merchant_indexes(conn: Connection, update: Callable[[], int]) -> int:
    """Run `update` with the merchant's secondary indexes and unique constraints dropped, then
    build them again as they were (the update changes none of the unique columns)."""
    found = conn.exec_driver_sql(_MERCHANT_INDEXES).all()
    for index, _definition, constraint, _rule in found:
        if constraint:
            conn.exec_driver_sql(f'ALTER TABLE merchant DROP CONSTRAINT "{constraint}"')
        else:
            conn.exec_driver_sql(f'DROP INDEX "{index}"')
    count = update()
    for _index, definition, constraint, rule in found:
        if constraint:
            conn.exec_driver_sql(f'ALTER TABLE merchant ADD CONSTRAINT "{constraint}" {rule}')
        else:
            conn.exec_driver_sql(definition)
    return count


def write_merchants(conn: Connection, update: Callable[[], int], rows: int, merchants: int) -> int:
    """Run `update`, which rewrites `rows` of the `merchants` rows: around it the indexes are
    dropped and built again when that is cheaper and the table can be had at once."""
    if _rebuilds_indexes(rows, merchants) and _merchants_to_ourselves(conn):
        return _without_merchant_indexes(conn, update)
    return update()


# On PostgreSQL a large run stages its merchants in two halves at once, on two connections that
# see the same snapshot: the staging is most of a run's time and one connection uses one core.
# The halves split the merchant ids (random UUIDs) in the middle; the writes stay in the
# caller's transaction.
SPLIT_MIN_MERCHANTS = 100_000
MIDDLE = "80000000-0000-0000-0000-000000000000"
HALVES = ((None, MIDDLE), (MIDDLE, None))


def splits(conn: Connection) -> bool:
    """Whether this run is large enough to stage in two halves."""
    if conn.dialect.name != "postgresql":
        return False
    # The planner's row estimate is enough to choose, and costs nothing.
    estimate = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = CAST('merchant' AS regclass)"
    ).scalar_one()
    return estimate >= SPLIT_MIN_MERCHANTS


class OtherHalf(threading.Thread):
    """Stages the second half on its own connection, in the caller's snapshot, and keeps the
    tables it built as COPY data for the caller's connection to load."""

    def __init__(
        self, conn: Connection, snapshot: str, stages: list[str], params: dict[str, object]
    ) -> None:
        super().__init__(name="recompute-half", daemon=True)
        self.engine, self.snapshot = conn.engine, snapshot
        self.stages, self.params = stages, params
        self.copied: dict[str, list[bytes]] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            options = {"isolation_level": "REPEATABLE READ"}
            with self.engine.connect().execution_options(**options) as conn:
                # The first statement of the transaction: from here on it sees what the
                # caller's transaction saw when it exported the snapshot.
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'")
                pg_memory(conn)
                stage(conn, self.stages, self.params, lambda _name: None)
                raw = conn.connection.driver_connection
                with raw.cursor() as cursor:  # type: ignore[union-attr]
                    for table in PART_TABLES:
                        with cursor.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy:
                            self.copied[table] = [bytes(block) for block in copy]
                conn.rollback()  # the temporary tables go with it
        except BaseException as exc:  # handed to the caller, which stages this half itself
            self.error = exc


def take_in(conn: Connection, copied: dict[str, list[bytes]]) -> None:
    """Load the other half's tables into the caller's own."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        for table, blocks in copied.items():
            with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                for block in blocks:
                    copy.write(block)
