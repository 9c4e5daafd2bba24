"""Benchmark `onevisit plan`: a whole district's day, end to end, and its route quality.

    python bench/plan/run.py [--due 2000] [--merchants 3000] [--teams 60] [--db sqlite|postgresql]
    python bench/plan/run.py --due 20000 --merchants 30000 --no-anchor      # the scale run

Instance: the demo district (`load_demo`) with `--due` merchants made due on the day (a busy
day, as after a holiday), each street's team topped up to `--teams` pairs in all, and three
specialists per specialised department. Timed: `build_plan` end to end (due list, draws, merge,
teams, VROOM routes, writing the plan) and its commit, in this process.

Anchor: the same street problems (the same visits, teams, skills, time windows and shift) solved
by VROOM at its highest exploration level (5). Ratio = the plan's total travel time over the
anchor's, with both assigned-visit counts shown, since travel only compares at equal work.
"""

import argparse
import logging
import secrets
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from server.auth.passwords import hash_password
from server.core.clock import local_today
from server.core.db import make_sync_engine
from server.core.plan_settings import PlanningSettings
from server.core.settings import load_settings
from server.demo.loader import load_demo
from server.merchants.models import Merchant
from server.migrate import upgrade
from server.org.models import Department, Street, Team, User
from server.planning.build import solve
from server.planning.models import JointVisit
from server.planning.routing import solve_street
from server.planning.service import build_plan

POSTGRES = "postgresql://root@127.0.0.1:5432/test"
SPECIALISTS_PER_DEPARTMENT = 12


def database(kind: str, workdir: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-plan-{uuid.uuid4().hex[:8]}.db'}", None
    schema = f"bench_plan_{secrets.token_hex(4)}"
    with make_sync_engine(POSTGRES).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}", schema


def staff_up(session: Session, teams: int, day: date) -> None:
    """Top street teams up to `teams` pairs in all, and give each specialised team a few more."""
    streets = list(session.exec(select(Street).order_by(Street.code)))
    street_team = {t.street_id: t for t in session.exec(select(Team)) if t.street_id}
    zhzf = session.exec(select(Department).where(Department.code == "zhzf")).one()
    password = hash_password("bench")
    per_street = max(2, round(2 * teams / len(streets)))
    serial = 0

    def add(**where: object) -> None:
        nonlocal serial
        serial += 1
        session.add(
            User(
                username=f"bench{serial}",
                name=f"压测{serial}",
                password_hash=password,
                role="inspector",
                cert_no=f"BENCH{serial:06d}",
                cert_valid_from=day - timedelta(days=400),
                cert_valid_until=day + timedelta(days=400),
                **where,
            )
        )

    for street in streets:
        have = session.exec(
            select(func.count())
            .select_from(User)
            .where(User.street_id == street.id)
            .where(User.role == "inspector")
        ).one()
        for _ in range(max(0, per_street - have)):
            add(street_id=street.id, team_id=street_team[street.id].id, department_id=zhzf.id)
    for team in session.exec(select(Team).where(col(Team.street_id).is_(None))):
        for _ in range(SPECIALISTS_PER_DEPARTMENT):
            add(team_id=team.id, department_id=team.department_id)
    session.commit()


def make_due(session: Session, due: int, day: date) -> int:
    ids = session.exec(select(Merchant.id).order_by(Merchant.uscc)).all()
    chosen = ids[:: max(1, len(ids) // due)][:due] if due < len(ids) else ids
    for start in range(0, len(chosen), 5000):
        session.exec(
            update(Merchant)
            .where(col(Merchant.id).in_(chosen[start : start + 5000]))
            .values(next_due=day)
        )
    session.commit()
    return len(chosen)


def main() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=3000)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=60)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--exploration", type=int, help="override PLAN_EXPLORATION")
    parser.add_argument("--no-anchor", action="store_true", help="skip the VROOM x=5 anchor")
    args = parser.parse_args()
    settings = load_settings().planning
    if args.exploration:
        settings = PlanningSettings(**{**settings.__dict__, "exploration": args.exploration})
    today = local_today()
    day = today + timedelta(days=7 - today.weekday())
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        url, schema = database(args.db, Path(tmp))
        try:
            upgrade(url)
            engine = make_sync_engine(url)
            load_demo(engine, merchants=args.merchants, today=today)
            with Session(engine) as session:
                staff_up(session, args.teams, day)
                due = make_due(session, args.due, day)
            captured: dict[str, list] = {}

            def solver(problems, s):  # keep the instance for the anchor
                captured["problems"] = problems
                captured["solutions"] = solve(problems, s)
                return captured["solutions"]

            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                # Timed whatever the calendar says of the Monday (a holiday, a year not loaded).
                plans = build_plan(
                    session,
                    day,
                    settings=settings,
                    today=today,
                    solver=solver,
                    non_working_day=True,
                )
                session.commit()
            elapsed = time.perf_counter() - started
            stats = {
                k: sum(p.stats.get(k, 0) for p in plans)
                for k in ("joint_visits", "department_checks", "unassigned")
            }
            teams = sum(p.routes for p in captured["problems"])
            print(
                f"plan {args.db}: {due} due merchants, {teams} teams, {len(plans)} streets → "
                f"{stats['joint_visits']} visits routed, {stats['unassigned']} unassigned, "
                f"{stats['department_checks']} department checks; "
                f"end to end {elapsed:.1f} s (goal ≤ 30 s; PLAN_EXPLORATION={settings.exploration})"
            )
            print(f"why unassigned: {why_unassigned(engine, plans)}")
            if not args.no_anchor:
                anchor(captured["problems"], captured["solutions"], settings)
            engine.dispose()
        finally:
            if schema:
                with make_sync_engine(POSTGRES).begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def why_unassigned(engine, plans: list) -> str:  # type: ignore[no-untyped-def]
    """The unassigned visits by reason, and the department checks left for later or held."""
    with Session(engine) as session:
        codes = session.exec(
            select(JointVisit.unassigned_code, func.count())
            .where(col(JointVisit.plan_id).in_([p.id for p in plans]))
            .where(col(JointVisit.route_id).is_(None))
            .group_by(JointVisit.unassigned_code)
        ).all()
    later = sum(p.stats.get("follow_ups", 0) for p in plans)
    held = sum(len(p.stats.get("skipped", [])) for p in plans)
    counts = ", ".join(f"{code} {n}" for code, n in sorted(codes, key=lambda c: -c[1]))
    return f"{counts}; {later} department checks left as follow-ups, {held} held by the caps"


def anchor(problems: list, solutions: list, settings: PlanningSettings) -> None:
    started = time.perf_counter()
    best = [solve_street(p, settings, exploration=5) for p in problems]
    seconds = time.perf_counter() - started
    ours = sum(sum(s.travel_s) for s in solutions)
    theirs = sum(sum(s.travel_s) for s in best)
    placed = sum(len(r) for s in solutions for r in s.routes)
    placed_anchor = sum(len(r) for s in best for r in s.routes)
    print(
        f"route quality: travel {ours / 60:.0f} min for {placed} visits vs anchor (VROOM x=5, "
        f"{seconds:.0f} s) {theirs / 60:.0f} min for {placed_anchor} visits → ratio "
        f"{ours / max(theirs, 1):.3f} (goal ≤ 1.05); per visit "
        f"{ours / max(placed, 1) / 60:.1f} vs {theirs / max(placed_anchor, 1) / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
