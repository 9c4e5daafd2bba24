"""`onevisit codes recompute`: every merchant's colour and due date, set-wise in the database."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, func, select, text

from server.audit.service import SYSTEM_ACTOR
from server.colour.recompute import postgres
from server.colour.recompute.sql import Part, statements
from server.colour.recompute.steps import drop_temps, run_sql, stage
from server.colour.records import finding_tally
from server.colour.texts import GUIDANCE_CODES, REASON_CODES, guidance_template, reason_template
from server.core.clock import local_today, utcnow
from server.core.dialect import SqlDialect
from server.core.i18n import t
from server.merchants.models import Merchant
from server.packets.store import mark_all_stale, quiet_triggers
from server.policy.rules import RANK, Policy
from server.rectifications.service import mark_overdue

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


class _Laps:
    """The seconds each stage and write took, kept in the report."""

    def __init__(self, report: RecomputeReport) -> None:
        self.report, self.clock = report, time.perf_counter()

    def __call__(self, name: str) -> None:
        self.report.seconds[name] = round(time.perf_counter() - self.clock, 3)
        self.clock = time.perf_counter()


@dataclass
class _Run:
    """One recompute: its connection, dialect, parameters and report."""

    conn: Connection
    dialect: SqlDialect
    tally: str
    params: dict[str, object]
    report: RecomputeReport
    lap: Callable[[str], None]

    def statements(self, part: Part = None) -> tuple[list[str], list[tuple[str, str]]]:
        return statements(self.dialect, self.tally, part)


def _stage_all(run: _Run) -> list[tuple[str, str]]:
    """Build the stage tables of every merchant (in two halves at once when the run is large);
    returns the writes to run."""
    conn, other = run.conn, None
    stages, writes = run.statements()
    if run.dialect.pg:
        if postgres.splits(conn):
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            stages, writes = run.statements(postgres.HALVES[0])
            upper = run.statements(postgres.HALVES[1])[0]
            other = postgres.OtherHalf(conn, snapshot, upper, run.params)
            other.start()
        postgres.pg_memory(conn)
    # Hundreds of thousands of merchant rows may change: the per-row triggers that mark day
    # packets and tell the app processes stay quiet, and everything is marked once at the end.
    quiet_triggers(conn)
    run.report.overdue_orders = mark_overdue(conn, run.report.today)
    stage(conn, stages, run.params, run.lap)
    if other is not None:
        other.join()
        if other.error is None:
            postgres.take_in(conn, other.copied)
            run.lap("other half")
        else:  # no second connection to be had (or it failed): stage everything here
            log.warning(
                "recompute: the second half failed (%s); staging it all on one", other.error
            )
            drop_temps(conn)
            stage(conn, run.statements()[0], run.params, run.lap)
    return writes


def _write(run: _Run, writes: list[tuple[str, str]]) -> None:
    """Run the writes in order, counting what they changed into the report."""
    conn, report = run.conn, run.report
    report.merchants = conn.execute(text("SELECT COUNT(*) FROM rc_result")).scalar_one()
    rewrites = 0
    for name, sql in writes:
        if name == "merchants" and run.dialect.pg:
            count = postgres.write_merchants(
                conn, lambda sql=sql: run_sql(conn, sql, run.params), rewrites, report.merchants
            )
        else:
            count = run_sql(conn, sql, run.params)
        if name == "changes":
            report.colour_changes, report.due_changes, report.states, rewrites = conn.execute(
                text(
                    "SELECT COALESCE(SUM(CASE WHEN colour <> old_colour THEN 1 ELSE 0 END), 0), "
                    f"COALESCE(SUM(CASE WHEN {run.dialect.distinct('due', 'old_due')} "
                    "THEN 1 ELSE 0 END), 0), COALESCE(SUM(state), 0), "
                    "COALESCE(SUM(merchant), 0) FROM rc_changed"
                )
            ).one()
        elif name == "events":
            report.events = count
        run.lap(f"write {name}")


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
    tally = str(
        finding_tally().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    )
    report = RecomputeReport(today=today)
    run = _Run(
        conn,
        SqlDialect(conn.dialect.name),
        tally,
        _params(policy, today, now, actor),
        report,
        _Laps(report),
    )
    drop_temps(conn)
    _write(run, _stage_all(run))
    drop_temps(conn)
    by_colour = (
        select(Merchant.colour, func.count()).where(Merchant.active).group_by(Merchant.colour)
    )
    report.colours = {colour: n for colour, n in conn.execute(by_colour)}
    mark_all_stale(conn, today)
    return report
