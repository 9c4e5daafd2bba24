"""Coverage: does the planner keep the colour code's promises over a year of working days?

    python bench/coverage/run.py [--merchants 3000] [--days 365] [--capacity 1.0] [--seed 1]
    python bench/coverage/run.py --capacity 0.7        # 30 % of the inspectors away each day

The demo district (`load_demo`, its staff and history) is planned every working day by
`build_plan` and each street's plan published; every routed visit is made and recorded, the
colour code recomputed each night; complaints come in every day (bench/coverage/sim.py). Then,
per class, the share of what fell due in the span that was met in time, with its denominators:
red, yellow and green by their interval (the stored `next_due`), complaints within
`complaint_visit_days`, re-checks within `recheck_days.max` of their order's deadline; the
backlog (overdue and not met) on each working morning; and the door entries saved by merging
department checks into joint visits (the published plans' own figures).

Goals: red ≥ 98 % and complaints and re-checks 100 % in time when capacity suffices; with
capacity cut, what is missed should be green and random checks first.
"""

import argparse
import logging
import secrets
import statistics
import sys
import tempfile
import time as stopwatch
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text

from bench.coverage.ledger import CLASSES
from bench.coverage.sim import Config, Result, simulate
from bench.coverage.world import DISTRICT
from server.core.clock import CLOCK
from server.core.db import make_sync_engine
from server.core.plan_settings import PlanningSettings
from server.core.settings import load_settings
from server.demo.loader import DEFAULT_SEED, load_demo
from server.migrate import upgrade
from server.policy.rules import DEFAULT_POLICY

POSTGRES = "postgresql://root@127.0.0.1:5432/test"
GOALS = {"red": 0.98, "complaint": 1.0, "recheck": 1.0}
START = date(2025, 12, 22)  # a Monday; a year on, every result still goes public within the
# years the official calendar (chinese-calendar) covers


def main() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=3000)
    parser.add_argument("--days", type=int, default=365, help="calendar days from --start")
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument(
        "--capacity", type=float, default=1.0, help="share of the inspectors at work each day"
    )
    parser.add_argument(
        "--complaints", type=float, help="complaints a day district-wide (default: 1 per 1,000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="the simulation's (and draws') seed")
    parser.add_argument("--demo-seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--exploration", type=int, help="override PLAN_EXPLORATION")
    parser.add_argument("--threads", type=int, help="override PLAN_THREADS")
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="a fresh SQLite file in a temp dir, or a fresh schema of the local PostgreSQL",
    )
    parser.add_argument("--database-url", help="an empty database to use instead")
    parser.add_argument("--quiet", action="store_true", help="only the figures at the end")
    args = parser.parse_args()
    if not 0 < args.capacity <= 1:
        parser.error("--capacity is a share of the staff, above 0 and at most 1")
    planning = load_settings().planning
    overrides = {"exploration": args.exploration, "threads": args.threads}
    planning = PlanningSettings(
        **{**planning.__dict__, **{k: v for k, v in overrides.items() if v}}
    )
    config = Config(
        start=args.start,
        days=args.days,
        capacity=args.capacity,
        complaints_per_day=(
            args.complaints if args.complaints is not None else args.merchants / 1000
        ),
        seed=args.seed,
        settings=planning,
    )
    with tempfile.TemporaryDirectory(prefix="bench-coverage-") as tmp:
        url, schema = args.database_url, None
        if url is None:
            url, schema = database(args.db, Path(tmp))
        try:
            started = stopwatch.perf_counter()
            upgrade(url)
            engine = make_sync_engine(url)
            CLOCK.set(_morning(args.start), frozen=True)
            try:
                load_demo(engine, merchants=args.merchants, seed=args.demo_seed, today=args.start)
            finally:
                CLOCK.release()
            loaded = stopwatch.perf_counter() - started
            progress = None if args.quiet else _progress(args.start)
            started = stopwatch.perf_counter()
            result = simulate(engine, config, DEFAULT_POLICY, on_day=progress)
            seconds = stopwatch.perf_counter() - started
            engine.dispose()
        finally:
            if schema:
                with make_sync_engine(POSTGRES).begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    report(args, config, result, loaded, seconds)


def database(kind: str, workdir: Path) -> tuple[str, str | None]:
    """A fresh database: a SQLite file, or a new schema of the local PostgreSQL (dropped after)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'coverage.db'}", None
    schema = f"bench_coverage_{secrets.token_hex(4)}"
    with make_sync_engine(POSTGRES).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}", schema


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(6), DISTRICT)


def _progress(start: date):  # type: ignore[no-untyped-def]
    began = stopwatch.perf_counter()

    def on_day(day: date, result: Result) -> None:
        if (day - start).days % 28 != 27:
            return
        assert result.ledger is not None
        overdue = result.ledger.backlog[-1][1] if result.ledger.backlog else Counter()
        print(
            f"  {day}: {result.working_days} working days, "
            f"{sum(result.placed_by_reason.values())} visits made; overdue this week: "
            + ", ".join(f"{k} {overdue[k]}" for k in CLASSES)
            + f" ({stopwatch.perf_counter() - began:.0f} s)",
            flush=True,
        )

    return on_day


def _days(values: list[int]) -> str:
    if not values:
        return ""
    return f" (median {statistics.median(values):g} d, max {max(values)} d)"


def _share(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "—"


def report(
    args: argparse.Namespace, config: Config, result: Result, loaded: float, seconds: float
) -> None:
    ledger = result.ledger
    assert ledger is not None
    tallies = ledger.tallies(result.last)
    print(
        f"coverage: {args.merchants} merchants, {result.start} … {result.last} "
        f"({result.working_days} working days), capacity {config.capacity:.2f} "
        f"({result.on_leave} officer-days on leave), {result.complaints} complaints "
        f"({config.complaints_per_day:g} a day); PLAN_EXPLORATION={config.settings.exploration}"
    )
    print("  fell due in the span → met by its deadline / late / still owed at the end:")
    for name in CLASSES:
        t = tallies[name]
        weekend = (
            f"; {t.late_off_day} of the late were due on a weekend, {t.next_working_day} met "
            f"the next working day → {_share(t.share_by_working_day)} by the working day"
            if t.late_off_day
            else ""
        )
        print(
            f"    {name:9} {t.due:5} → in time {t.in_time:5}, late {t.late:4}{_days(t.late_days)}, "
            f"owed {t.owed:4}{_days(t.owed_days)}: in time {_share(t.share)}{weekend}"
        )
    if result.recheck_owed:
        print(
            "  re-checks owed at the end: "
            + ", ".join(f"{k} {v}" for k, v in result.recheck_owed.most_common())
        )
    inherited = [
        f"{name} {t.inherited} (met {t.inherited_met}{_days(t.inherited_days)} after the start)"
        for name in CLASSES
        if (t := tallies[name]).inherited
    ]
    if inherited:
        print("  already overdue at the start: " + "; ".join(inherited))
    waiting = ledger.not_yet_due(result.last)
    print(
        f"  within their deadline at the end: {waiting['complaint']} complaints, "
        f"{waiting['recheck']} re-checks; due dates an open order set, met: "
        f"{ledger.recheck_dates_met()} (counted per order as re-checks); due dates that moved "
        f"without a visit: {ledger.moved}"
    )
    _backlog(ledger.backlog)
    stats = result.stats
    visits, checks = stats["joint_visits"], stats["department_checks"]
    print(
        f"  door entries: {checks} department checks in {visits} joint visits → "
        f"{stats['door_entries_saved']} door entries saved "
        f"({stats['door_entries_saved'] / max(1, checks):.0%} of the department checks)"
    )
    made = sum(result.placed_by_reason.values())
    print(
        f"  visits made {made} ({made / max(1, result.working_days):.0f} a working day), by first"
        " reason: " + ", ".join(f"{k} {v}" for k, v in result.placed_by_reason.most_common())
    )
    if result.revisits:
        often = sum(1 for n in result.visits_of.values() if n > result.working_days // 4)
        print(
            f"  visits to a shop visited within the week before: {sum(result.revisits.values())} ("
            + ", ".join(f"{k} {v}" for k, v in result.revisits.most_common(5))
            + f"); shops visited on more than a quarter of the working days: {often}, the most "
            f"visited {max(result.visits_of.values())} times"
        )
    print("  their results: " + ", ".join(f"{k} {v}" for k, v in result.outcomes.most_common()))
    if result.partial:
        print(
            "  visits that checked only some of the merchant's departments (each resets the "
            "colour's interval all the same): "
            + ", ".join(f"{k} {v}" for k, v in result.partial.most_common())
        )
    if result.unplaced:
        print(
            "  visits not routed on their day (visit-days; first reason, code): "
            + ", ".join(f"{k} {v}" for k, v in result.unplaced.most_common(10))
        )
    print(
        f"  priority kept: {result.inversions} visits were routed of a less pressing class than "
        f"one their street left out for want of time (in {result.inversion_plans} street-days; "
        "visits needing no specialist)"
    )
    if result.unstaffed:
        print(
            f"  visits waiting for a department with no inspector in the district: "
            f"{len(result.unstaffed_merchants)} merchants, "
            + ", ".join(f"{k} {v}" for k, v in result.unstaffed.most_common())
            + " visit-days"
        )
    rc = result.random_checks
    print(
        f"  random checks (department checks): drawn {rc['drawn']}, made {rc['made']}, "
        + ", ".join(f"{k} {v}" for k, v in sorted(rc.items()) if k not in ("drawn", "made"))
    )
    if result.follow_ups_owed:
        print(
            "  department checks owed by follow-ups at the end (department: reason): "
            + ", ".join(f"{k} {v}" for k, v in result.follow_ups_owed.most_common(10))
        )
    if result.renewed:
        print(f"  certificates renewed as they ran out: {result.renewed}")
    sec = result.seconds
    print(
        f"  time: demo loaded in {loaded:.0f} s; the span in {seconds:.0f} s "
        f"(recompute {sec['recompute']:.0f} s, planning {sec['plan']:.0f} s, "
        f"visits {sec['visits']:.0f} s)"
    )
    ratios = []
    for name, goal in GOALS.items():
        share = tallies[name].share
        if share is None:
            ratios.append(f"{name}_in_time — (none due)")
        else:
            ratios.append(f"{name}_in_time {share:.3f} / goal {goal:.2f} = {share / goal:.2f}")
    print(
        f"coverage, capacity {config.capacity:.2f}, {result.working_days} working days: "
        + "; ".join(ratios)
        + f"; yellow {_share(tallies['yellow'].share)}, green {_share(tallies['green'].share)}"
        + f"; door entries saved {stats['door_entries_saved']}"
    )


def _backlog(backlog: list) -> None:  # type: ignore[type-arg]
    if not backlog:
        return
    names = [*CLASSES, "recheck_date"]
    total = [(day, sum(c[n] for n in CLASSES)) for day, c in backlog]
    peak_day, peak = max(total, key=lambda d: d[1])
    first, last = backlog[0], backlog[-1]

    def line(counts: Counter[str]) -> str:
        return ", ".join(f"{n} {counts[n]}" for n in names if counts[n]) or "none"

    print(
        f"  backlog (overdue, not met, on the working morning): first day {line(first[1])}; "
        f"peak {peak} on {peak_day} ({line(dict(backlog)[peak_day])}); "
        f"last day {line(last[1])}"
    )
    mean = {n: statistics.fmean(c[n] for _, c in backlog) for n in CLASSES}
    print(
        "  backlog, mean over the working days: " + ", ".join(f"{n} {mean[n]:.1f}" for n in CLASSES)
    )


if __name__ == "__main__":
    main()
