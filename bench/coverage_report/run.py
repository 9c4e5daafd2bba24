"""Time the coverage figures (`onevisit plan coverage`) over a year of plans.

    python bench/coverage_report/run.py [--merchants 30000] [--visits 40] [--db sqlite|postgresql]

Instance: the demo district (`load_demo`) with `--merchants` merchants, then a year of plans
written straight to the tables: every street, every day of the 365 up to the demo's day, one to
three versions of each street-day (edits write whole versions), each with about `--visits`
visits (a busy district: 15 streets × 40 is 600 visits a day), reasons drawn as the planner
gives them, one in seven left unassigned; and 5,000 more rectification orders with deadlines in
the year, most of them verified since. Timed, best of three: the year for every street and for
one street, and one day, as the command and the console read them (`coverage`), and the year's
JSON as the command prints it.
"""

import argparse
import json
import logging
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import Engine, func, insert, text
from sqlmodel import Session, select

from server.core.db import make_sync_engine
from server.demo.loader import load_demo
from server.merchants.models import Merchant
from server.migrate import upgrade
from server.org.models import Street
from server.planning.coverage import coverage
from server.planning.coverage_text import coverage_json
from server.planning.models import JointVisit, Plan, Route
from server.rectifications.models import RectificationOrder

POSTGRES = "postgresql://root@127.0.0.1:5432/test"
DAY = date(2026, 12, 7)
REASONS = [
    (["due:red"], 20),
    (["due:yellow"], 25),
    (["due:green"], 10),
    (["random"], 15),
    (["complaint"], 5),
    (["complaint", "due:red"], 2),
    (["reinspection"], 12),
    (["reinspection", "due:yellow"], 3),
    (["rerating"], 3),
    (["due:red", "random"], 5),
]
CODES = ["capacity", "closed", "no_specialist", "recusal", "too_far"]


def database(kind: str, workdir: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench-coverage.db'}", None
    schema = f"bench_coverage_{secrets.token_hex(4)}"
    with make_sync_engine(POSTGRES).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}", schema


def street_day(
    rng: random.Random, plan_id: uuid.UUID, shops: list[uuid.UUID], visits: int
) -> tuple[list[dict], list[dict]]:
    """One version's routes and visits."""
    routes = [
        {"id": uuid.uuid4(), "plan_id": plan_id, "number": n, "name": f"{n}组"}
        | {"start_minute": 510, "end_minute": 990}
        for n in (1, 2, 3)
    ]
    reasons, weights = zip(*REASONS, strict=True)
    rows, seq = [], {r["id"]: 0 for r in routes}
    for merchant_id in rng.sample(shops, min(len(shops), max(1, int(rng.gauss(visits, 8))))):
        routed = rng.random() > 1 / 7
        route_id = rng.choice(routes)["id"] if routed else None
        if route_id:
            seq[route_id] += 1
        rows.append(
            {
                "id": uuid.uuid4(),
                "plan_id": plan_id,
                "key": uuid.uuid4(),
                "merchant_id": merchant_id,
                "route_id": route_id,
                "seq": seq[route_id] if route_id else None,
                "service_minutes": 25,
                "priority": 0,
                "checks": [],
                "needs": [],
                "reasons": rng.choices(reasons, weights)[0],
                "unassigned_code": None if routed else rng.choice(CODES),
            }
        )
    return routes, rows


def year_of_plans(engine: Engine, visits: int) -> int:
    """Every street's days of the year, one to three versions each; the visits written."""
    rng = random.Random(7)
    with Session(engine) as session:
        shops: dict[uuid.UUID, list[uuid.UUID]] = {}
        for street_id, merchant_id in session.exec(
            select(Merchant.street_id, Merchant.id).order_by(Merchant.uscc)
        ):
            shops.setdefault(street_id, []).append(merchant_id)
        streets = list(session.exec(select(Street.id).order_by(Street.code)))
        written = 0
        for n in range(365):
            day = DAY - timedelta(days=n)
            plans, routes, rows = [], [], []
            for street_id in streets:
                for version in range(1, rng.randint(1, 3) + 1):
                    plan_id = uuid.uuid4()
                    plans.append(
                        {"id": plan_id, "street_id": street_id, "day": day, "version": version}
                        | {"status": "published", "change": "build", "stats": {}}
                    )
                    more_routes, more_rows = street_day(rng, plan_id, shops[street_id], visits)
                    routes += more_routes
                    rows += more_rows
            for model, batch in ((Plan, plans), (Route, routes), (JointVisit, rows)):
                session.connection().execute(insert(model.__table__), batch)
            written += len(rows)
        session.commit()
    return written


def more_orders(engine: Engine, count: int) -> None:
    rng = random.Random(11)
    with Session(engine) as session:
        ids = list(session.exec(select(Merchant.id).order_by(Merchant.uscc)))
        rows = []
        for _ in range(count):
            deadline = DAY - timedelta(days=rng.randint(0, 380))
            verified = rng.random() < 0.8
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "merchant_id": rng.choice(ids),
                    "issued_on": deadline - timedelta(days=15),
                    "deadline": deadline,
                    "status": "verified" if verified else "open",
                    "verified_on": deadline + timedelta(days=rng.randint(0, 40))
                    if verified
                    else None,
                }
            )
        session.connection().execute(insert(RectificationOrder.__table__), rows)
        session.commit()


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(engine: Engine, db: str) -> None:
    with Session(engine) as session:
        hubin = [session.exec(select(Street.id).where(Street.code == "hubin")).one()]
        counts = {
            model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Merchant, Plan, JointVisit, RectificationOrder)
        }
        start = DAY - timedelta(days=364)
        year = best_of(3, lambda: coverage(session, start, DAY))
        street = best_of(3, lambda: coverage(session, start, DAY, hubin))
        day = best_of(3, lambda: coverage(session, DAY, DAY))
        figures = coverage(session, start, DAY)
        dumped = best_of(3, lambda: json.dumps(coverage_json(figures, None), ensure_ascii=False))
    visits = figures.totals.total
    print(f"coverage {db}: {counts}")
    print(
        f"  the year's newest versions: {visits.due} visits, {visits.routed} routed; "
        f"overdue on the last day {figures.days[-1].overdue_total}"
    )
    print(
        f"  a year, every street {year:.2f} s; a year, one street {street:.2f} s; "
        f"a day, every street {day:.3f} s; the year's JSON {dumped:.3f} s (best of 3)"
    )


def main() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=30_000)
    parser.add_argument("--visits", type=int, default=40, help="visits a street-day")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-coverage-") as tmp:
        url, schema = database(args.db, Path(tmp))
        try:
            upgrade(url)
            engine = make_sync_engine(url)
            started = time.perf_counter()
            load_demo(engine, merchants=args.merchants, today=DAY)
            written = year_of_plans(engine, args.visits)
            more_orders(engine, 5000)
            print(f"loaded in {time.perf_counter() - started:.0f} s ({written} visit rows)")
            measure(engine, args.db)
            engine.dispose()
        finally:
            if schema:
                with make_sync_engine(POSTGRES).begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
