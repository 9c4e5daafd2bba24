"""The nightly recompute: every merchant's colour and due date as the district's day begins.

Overrides run out, rectification deadlines pass and due dates arrive by the calendar, not by any
record: without this run a shop would keep an expired override's colour. `onevisit codes nightly`
runs it at a set local time each day (or once, from cron or a timer, with --once); each day's run
is claimed by inserting its row in `nightly_run`, so any number of schedulers run it once. A day
missed while no scheduler was running is run when one starts.
"""

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from server.colour.models import NightlyRun
from server.colour.recompute import RecomputeReport, recompute_all
from server.core.clock import district_timezone, local_today, utcnow
from server.packets.store import move_packet_window, warm_packets
from server.policy.rules import Policy

__all__ = [
    "STALE_CLAIM",
    "Outcome",
    "claim",
    "due_today",
    "recompute_and_warm",
    "run_if_due",
    "serve_nightly",
]

log = logging.getLogger("onevisit.nightly")

# A claim this old with no end and no error belongs to a runner that died.
STALE_CLAIM = timedelta(hours=2)
RETRY_AFTER_FAILURE = timedelta(minutes=10)


def recompute_and_warm(
    engine: Engine, policy: Policy, *, now: datetime | None = None, dry_run: bool = False
) -> RecomputeReport:
    """Recompute every merchant in one transaction, then build today's and tomorrow's packets
    again (they show colours)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        report = recompute_all(conn, policy, now=now)
        if dry_run:
            transaction.rollback()
            return report
        move_packet_window(conn, local_today(now))
        transaction.commit()
    with Session(engine) as session:
        today = local_today(now)
        for day in (today, today + timedelta(days=1)):
            warm_packets(session, day, policy=policy)
    return report


def due_today(now: datetime, at: day_time) -> date | None:
    """The district day whose run is due at `now` (None before the set time)."""
    local = now.astimezone(district_timezone())
    return local.date() if local.time() >= at else None


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim(engine: Engine, day: date, now: datetime) -> bool:
    """Take `day`'s run for this process: True if no one has it (or its claimant is gone)."""
    with Session(engine) as session:
        session.add(NightlyRun(day=day, started_at=now, runner=_runner()))
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
        abandoned = (
            update(NightlyRun)
            .where(col(NightlyRun.day) == day, col(NightlyRun.finished_at).is_(None))
            .where(
                (col(NightlyRun.started_at) < now - STALE_CLAIM)
                | (
                    col(NightlyRun.error).is_not(None)
                    & (col(NightlyRun.started_at) < now - RETRY_AFTER_FAILURE)
                )
            )
            .values(started_at=now, runner=_runner(), error=None)
        )
        taken = session.exec(abandoned).rowcount  # type: ignore[attr-defined]
        session.commit()
        return taken == 1


@dataclass(frozen=True)
class Outcome:
    day: date | None
    ran: bool
    report: RecomputeReport | None = None
    error: str | None = None


def run_if_due(
    engine: Engine, policy: Policy, at: day_time, now: datetime | None = None
) -> Outcome:
    """Run today's recompute if its time has come and no one has run or is running it."""
    now = now or utcnow()
    day = due_today(now, at)
    if day is None or not claim(engine, day, now):
        return Outcome(day, ran=False)
    started = time.perf_counter()
    try:
        report = recompute_and_warm(engine, policy, now=now)
    except Exception as exc:
        log.exception("nightly recompute of %s failed", day)
        _finish(engine, day, error=f"{type(exc).__name__}: {exc}"[:2000])
        return Outcome(day, ran=True, error=str(exc))
    _finish(engine, day, report=report, seconds=time.perf_counter() - started)
    return Outcome(day, ran=True, report=report)


def _finish(
    engine: Engine,
    day: date,
    *,
    report: RecomputeReport | None = None,
    seconds: float = 0.0,
    error: str | None = None,
) -> None:
    with Session(engine) as session:
        run = session.get(NightlyRun, day)
        assert run is not None
        run.error = error
        if report is not None:
            run.finished_at = utcnow()
            run.merchants = report.merchants
            run.colour_changes = report.colour_changes
            run.due_changes = report.due_changes
            run.events = report.events
            run.overdue_orders = report.overdue_orders
            run.seconds = round(seconds, 1)
        session.add(run)
        session.commit()


def serve_nightly(
    engine: Engine, policy: Policy, at: day_time, *, check_every: float = 60.0
) -> None:
    """Run each day's recompute at `at` (district time), for ever; returns on KeyboardInterrupt."""
    log.info("nightly recompute at %s %s", at.strftime("%H:%M"), district_timezone())
    while True:
        try:
            outcome = run_if_due(engine, policy, at)
        except Exception:  # the database is away: try again at the next check
            log.exception("nightly check failed")
        else:
            if outcome.report is not None:
                log.info("nightly run of %s: %s", outcome.day, outcome.report.describe())
        time.sleep(check_every)
