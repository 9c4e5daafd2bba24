"""`onevisit codes recompute`: every merchant's colour and due date, set-wise in the database."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, Date, DateTime, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError

from server.audit.service import SYSTEM_ACTOR
from server.colour.recompute_sql import PART_TABLES, TEMP_TABLES, statements
from server.colour.records import finding_tally
from server.colour.texts import GUIDANCE_CODES, REASON_CODES, guidance_template, reason_template
from server.core.clock import local_today, utcnow
from server.core.dialect import SqlDialect
from server.core.i18n import t
from server.merchants.models import Merchant
from server.packets.store import mark_all_stale, quiet_triggers
from server.policy.rules import RANK, Policy

__all__ = ["RecomputeReport", "recompute_all"]

log = logging.getLogger("onevisit.recompute")


@dataclass
class RecomputeReport:
    """What a recompute changed, and how long each part took."""

    today: date
    merchants: int = 0
    colour_changes: int = 0
    due_changes: int = 0
    events: int = 0
    states: int = 0
    overdue_orders: int = 0
    colours: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def describe(self, verb: str = "changed") -> str:
        return (
            f"recomputed {self.merchants} merchants as of {self.today} "
            f"in {sum(self.seconds.values()):.1f}s: {verb} {self.colour_changes} colours, "
            f"{self.due_changes} due dates; {self.events} colour events; "
            f"{self.overdue_orders} rectification orders now overdue"
        )


def _params(policy: Policy, today: date, now: datetime, actor: str) -> dict[str, object]:
    values: dict[str, object] = {
        "today": today,
        "now": now,
        "actor": actor,
        "yellow_min": policy.yellow_min,
        "red_min": policy.red_min,
        "lookback_months": 12 * policy.no_penalty_lookback_years,
        "complaint_rank": RANK[policy.verified_complaint_colour],
        "red_to_yellow_max": policy.red_to_yellow_max_score,
        "green_after": policy.green_after_months,
        "green_months": policy.interval("green"),
        "yellow_months": policy.interval("yellow"),
        "red_months": policy.interval("red"),
        "recheck_min": policy.recheck_min_days,
        "rerating_months": policy.rerating_within_months,
        "months_text": str(policy.green_after_months),
        "max_score_text": str(policy.red_to_yellow_max_score),
        "override_ended": t("colour.reason.override_ended"),
    }
    values |= {f"r_{code}": reason_template(code) for code in REASON_CODES}
    values |= {f"g_{code}": guidance_template(code) for code in GUIDANCE_CODES}
    return values


def _typed(sql: str) -> object:
    stmt = text(sql)
    binds = []
    if ":today" in sql:
        binds.append(bindparam("today", type_=Date()))
    if ":now" in sql:
        binds.append(bindparam("now", type_=DateTime(timezone=True)))
    return stmt.bindparams(*binds) if binds else stmt


def _run(conn: Connection, sql: str, params: dict[str, object]) -> int:
    stmt = _typed(sql)
    wanted = {k: v for k, v in params.items() if f":{k}" in sql}
    return conn.execute(stmt, wanted).rowcount or 0  # type: ignore[attr-defined]


# The recompute sorts and joins millions of rows in temporary tables: give this one session the
# memory to do it without spilling to disk (the settings end with the transaction).
# Compiling these one-off queries to machine code (JIT) costs more than it saves.
PG_MEMORY = {
    "work_mem": "256MB",
    "temp_buffers": "1GB",
    "maintenance_work_mem": "256MB",
    "jit": "off",
}


def _pg_memory(conn: Connection) -> None:
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


# On PostgreSQL a large run stages its merchants in two halves at once, on two connections that
# see the same snapshot: the staging is most of a run's time and one connection uses one core.
# The halves split the merchant ids (random UUIDs) in the middle; the writes stay in the
# caller's transaction.
SPLIT_MIN_MERCHANTS = 100_000
MIDDLE = "80000000-0000-0000-0000-000000000000"
HALVES = ((None, MIDDLE), (MIDDLE, None))


def _splits(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    # The planner's row estimate is enough to choose, and costs nothing.
    estimate = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = CAST('merchant' AS regclass)"
    ).scalar_one()
    return estimate >= SPLIT_MIN_MERCHANTS


def _stage(
    conn: Connection, stages: list[str], params: dict[str, object], lap: Callable[[str], None]
) -> None:
    for sql in stages:
        _run(conn, sql, params)
        if conn.dialect.name == "postgresql" and sql.startswith(
            ("CREATE INDEX", "CREATE TEMP TABLE rc_visit")
        ):
            # Temporary tables have no statistics until analysed; the planner needs them.
            conn.exec_driver_sql("ANALYZE rc_fact" if "INDEX" in sql[:20] else "ANALYZE rc_visit")
        lap(_stage_name(sql))


class _OtherHalf(threading.Thread):
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
                _pg_memory(conn)
                _stage(conn, self.stages, self.params, lambda _name: None)
                raw = conn.connection.driver_connection
                with raw.cursor() as cursor:  # type: ignore[union-attr]
                    for table in PART_TABLES:
                        with cursor.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy:
                            self.copied[table] = [bytes(block) for block in copy]
                conn.rollback()  # the temporary tables go with it
        except BaseException as exc:  # handed to the caller, which raises it
            self.error = exc


def _take_in(conn: Connection, copied: dict[str, list[bytes]]) -> None:
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        for table, blocks in copied.items():
            with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                for block in blocks:
                    copy.write(block)


def _stage_name(sql: str) -> str:
    words = sql.split()
    return words[3] if words[:3] == ["CREATE", "TEMP", "TABLE"] else " ".join(words[:3]).lower()


def _drop_temps(conn: Connection) -> None:
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def recompute_all(
    conn: Connection,
    policy: Policy,
    *,
    now: datetime | None = None,
    actor: str = SYSTEM_ACTOR,
) -> RecomputeReport:
    """Recompute every active merchant in the caller's transaction; returns what changed."""
    now = now or utcnow()
    today = local_today(now)
    dialect = SqlDialect(conn.dialect.name)
    tally = str(
        finding_tally().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    )
    stages, writes = statements(dialect, tally)
    params = _params(policy, today, now, actor)
    report = RecomputeReport(today=today)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        report.seconds[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    _drop_temps(conn)
    other: _OtherHalf | None = None
    if dialect.pg:
        if _splits(conn):
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            stages, writes = statements(dialect, tally, HALVES[0])
            other = _OtherHalf(conn, snapshot, statements(dialect, tally, HALVES[1])[0], params)
            other.start()
        _pg_memory(conn)
    # Hundreds of thousands of merchant rows may change: the per-row triggers that mark day
    # packets and tell the app processes stay quiet, and everything is marked once at the end.
    quiet_triggers(conn)
    report.overdue_orders = _run(
        conn,
        "UPDATE rectification_order SET status = 'overdue' "
        "WHERE status = 'open' AND deadline < :today",
        params,
    )
    _stage(conn, stages, params, lap)
    if other is not None:
        other.join()
        if other.error is None:
            _take_in(conn, other.copied)
            lap("other half")
        else:  # no second connection to be had (or it failed): stage everything here
            log.warning(
                "recompute: the second half failed (%s); staging it all on one", other.error
            )
            _drop_temps(conn)
            _stage(conn, statements(dialect, tally)[0], params, lap)
    report.merchants = conn.execute(text("SELECT COUNT(*) FROM rc_result")).scalar_one()
    rewrites = 0
    for name, sql in writes:
        if (
            name == "merchants"
            and dialect.pg
            and _rebuilds_indexes(rewrites, report.merchants)
            and _merchants_to_ourselves(conn)
        ):
            count = _without_merchant_indexes(conn, lambda sql=sql: _run(conn, sql, params))
        else:
            count = _run(conn, sql, params)
        if name == "changes":
            report.colour_changes, report.due_changes, report.states, rewrites = conn.execute(
                text(
                    "SELECT COALESCE(SUM(CASE WHEN colour <> old_colour THEN 1 ELSE 0 END), 0), "
                    f"COALESCE(SUM(CASE WHEN {dialect.distinct('due', 'old_due')} "
                    "THEN 1 ELSE 0 END), 0), COALESCE(SUM(state), 0), "
                    "COALESCE(SUM(merchant), 0) FROM rc_changed"
                )
            ).one()
        elif name == "events":
            report.events = count
        lap(f"write {name}")
    _drop_temps(conn)
    by_colour = (
        select(Merchant.colour, func.count()).where(Merchant.active).group_by(Merchant.colour)
    )
    report.colours = {colour: n for colour, n in conn.execute(by_colour)}
    mark_all_stale(conn, today)
    return report
