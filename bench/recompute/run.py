"""Benchmark `onevisit codes recompute` over 1,000,000 merchants with history on PostgreSQL.

    python bench/recompute/run.py [--merchants 1000000] [--sample 10000] [--keep] [--reuse SCHEMA]

The script makes its own data in a fresh schema of postgresql://root@127.0.0.1:5432/test
(`?options=-csearch_path=<schema>`), server-side with multi-row INSERT … SELECT: every merchant
with up to two years of visits (eight findings each), the rectification orders and cases those
visits led to, verified complaints, overrides and re-rating requests. It then times:

  naive     the per-merchant loop (server.colour.service.update_colour: load one merchant's
            records through the ORM, run the engine, write) over a random sample, rolled back;
  set-wise  `onevisit codes recompute` (a real subprocess) over every merchant: first run
            (every explanation written) and a second run the next night (little changes).

It prints the wall times, the per-merchant ratio of naive to set-wise, and drops the schema
(unless --keep).
"""

import argparse
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from datetime import time as day_time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text
from sqlmodel import Session

from server.colour.recompute import recompute_all
from server.colour.service import update_colour
from server.core.clock import local_today
from server.core.db import make_sync_engine
from server.migrate import upgrade
from server.org.service import ensure_district
from server.policy.rules import DEFAULT_POLICY

BASE = os.environ.get("BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[2]
GOAL_SECONDS = 60.0
# (code, is_key, on the no-penalty list) of the bench catalogue: 3 key items, 5 general ones.
ITEMS = [
    ("B-K1", True, False),
    ("B-K2", True, False),
    ("B-K3", True, False),
    ("B-G1", False, True),
    ("B-G2", False, True),
    ("B-G3", False, False),
    ("B-G4", False, False),
    ("B-G5", False, True),
]


def schema_url(schema: str) -> str:
    return f"{BASE}?options={quote(f'-csearch_path={schema}')}"


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<44} {now - started:7.1f} s", flush=True)
    return now


def generate(url: str, merchants: int) -> None:
    """Fill the schema with a district's worth of merchants and their history (server-side)."""
    engine = make_sync_engine(url)
    with Session(engine) as session:
        ensure_district(session)
        session.commit()
    score = " + ".join(
        f"((x.mask >> {k}) & 1) * {7 if key else 2}" for k, (_c, key, _np) in enumerate(ITEMS)
    )
    key_bits = sum(1 << k for k, (_c, key, _np) in enumerate(ITEMS) if key)
    clock = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.20261126)"))
        dept = conn.execute(text("SELECT id FROM department ORDER BY code LIMIT 1")).scalar_one()
        conn.execute(
            text("""INSERT INTO enforcement_domain (id, code, name)
                    VALUES (gen_random_uuid(), 'BENCH', '基准')""")
        )
        conn.execute(
            text("""INSERT INTO matter (id, code, name, domain_id, department_id, legal_basis,
                        level)
                    SELECT gen_random_uuid(), 'B-001', '基准事项', d.id, :dept,
                           '《基准条例》第一条', 'district'
                    FROM enforcement_domain d WHERE d.code = 'BENCH'"""),
            {"dept": dept},
        )
        for code, key, np in ITEMS:
            conn.execute(
                text("""INSERT INTO check_item (id, code, matter_id, title, guidance, is_key,
                            no_penalty_eligible)
                        SELECT gen_random_uuid(), :code, id, :code, '', :key, :np
                        FROM matter WHERE code = 'B-001'"""),
                {"code": code, "key": key, "np": np},
            )
        conn.execute(
            text(f"""
            INSERT INTO merchant (id, uscc, name, address, lat, lng, street_id, business_type,
                contact, phone, colour, next_due, qr_token, active, created_at, updated_at)
            SELECT gen_random_uuid(), lpad(i::text, 18, '0'), '基准商户' || i,
                   '基准路' || i || '号',
                   30.25 + random() * 0.05, 120.17 + random() * 0.05,
                   (SELECT array_agg(id ORDER BY code) FROM street)[1 + i % 15], '餐饮', '', '',
                   'green', CURRENT_DATE + (1 + i % 700), md5(i::text), true, now(), now()
            FROM generate_series(1, {merchants}) i""")
        )
        clock = step(f"{merchants:,} merchants", clock)
        # Three in four merchants visited one to four times over two years; the masks say which of
        # the eight items failed and which of those were put right on site.
        conn.execute(
            text("""
            CREATE TEMP TABLE bench_visit AS
            SELECT gen_random_uuid() AS id, m.id AS merchant_id,
                   CURRENT_DATE - (700 - v * 170 - (random() * 60)::int) AS day,
                   CASE WHEN random() < 0.12 THEN (random() * 255)::int
                        WHEN random() < 0.3 THEN 1 << (3 + (random() * 4)::int) ELSE 0 END AS mask,
                   (random() * 255)::int AS fixmask, random() AS roll
            FROM (SELECT id, (random() * 1000)::int AS n FROM merchant) m
            CROSS JOIN LATERAL generate_series(0, m.n % 4) v
            WHERE m.n < 750""")
        )
        conn.execute(
            text(f"""
            INSERT INTO inspection (id, merchant_id, visit_date, started_at, finished_at, result,
                score, key_failed, summary, action_code, published_at, created_by, created_at)
            SELECT x.id, x.merchant_id, x.day, x.day + time '09:00', x.day + time '10:00',
                   CASE WHEN x.roll < 0.02 THEN 'absent'
                        WHEN x.roll < 0.04 AND x.mask > 0 THEN 'case'
                        WHEN (x.mask & ~x.fixmask) > 0 THEN 'rectify' ELSE 'pass' END,
                   {score}, (x.mask & {key_bits}) > 0, '基准检查',
                   'B' || lpad((row_number() OVER ())::text, 14, '0'),
                   x.day + time '18:00', NULL, now()
            FROM bench_visit x""")
        )
        clock = step("inspections", clock)
        items = conn.execute(text("SELECT id FROM check_item WHERE code LIKE 'B-%' ORDER BY code"))
        ids = "ARRAY[" + ",".join(f"'{i}'::uuid" for (i,) in items) + "]"
        # Fifteen million rows: load them without the indexes, then build the indexes once.
        conn.execute(
            text("ALTER TABLE finding DROP CONSTRAINT fk_finding_inspection_id_inspection")
        )
        conn.execute(
            text("ALTER TABLE finding DROP CONSTRAINT fk_finding_check_item_id_check_item")
        )
        conn.execute(text("ALTER TABLE finding DROP CONSTRAINT pk_finding"))
        conn.execute(text("DROP INDEX ix_finding_check_item_id"))
        conn.execute(
            text(f"""
            INSERT INTO finding (inspection_id, check_item_id, outcome, corrected_on_site, note)
            SELECT x.id, ({ids})[k + 1],
                   CASE WHEN (x.mask >> k) & 1 = 1 THEN 'fail' ELSE 'pass' END,
                   (x.mask >> k) & 1 = 1 AND (x.fixmask >> k) & 1 = 1, ''
            FROM bench_visit x CROSS JOIN generate_series(0, {len(ITEMS) - 1}) k""")
        )
        conn.execute(
            text(
                "ALTER TABLE finding ADD CONSTRAINT pk_finding "
                "PRIMARY KEY (inspection_id, check_item_id)"
            )
        )
        conn.execute(text("CREATE INDEX ix_finding_check_item_id ON finding (check_item_id)"))
        conn.execute(
            text(
                "ALTER TABLE finding ADD CONSTRAINT fk_finding_inspection_id_inspection "
                "FOREIGN KEY (inspection_id) REFERENCES inspection (id) ON DELETE CASCADE"
            )
        )
        conn.execute(
            text(
                "ALTER TABLE finding ADD CONSTRAINT fk_finding_check_item_id_check_item "
                "FOREIGN KEY (check_item_id) REFERENCES check_item (id)"
            )
        )
        clock = step("findings", clock)
        conn.execute(
            text("""
            INSERT INTO rectification_order (id, merchant_id, inspection_id, issued_on, deadline,
                requirement, key_item, status, verified_on, created_at)
            SELECT gen_random_uuid(), i.merchant_id, i.id, i.visit_date, i.visit_date + 15,
                   '限期整改', false,
                   CASE WHEN i.visit_date < CURRENT_DATE - 60 THEN 'verified' ELSE 'open' END,
                   CASE WHEN i.visit_date < CURRENT_DATE - 60 THEN i.visit_date + 20 END, now()
            FROM inspection i WHERE i.result = 'rectify'""")
        )
        conn.execute(
            text("""
            INSERT INTO enforcement_case (id, merchant_id, inspection_id, case_no, opened_on,
                status, summary, created_at)
            SELECT gen_random_uuid(), i.merchant_id, i.id, 'AJ' || i.action_code, i.visit_date,
                   'closed', '', now()
            FROM inspection i WHERE i.result = 'case'""")
        )
        conn.execute(
            text("""
            INSERT INTO complaint (id, tracking_no, merchant_id, text, contact, status,
                created_at, verified_on, outcome_note)
            SELECT gen_random_uuid(), 'TSB' || lpad(n::text, 12, '0'), id, '基准投诉', '',
                   'verified', now(), CURRENT_DATE - (random() * 300)::int, ''
            FROM (SELECT id, row_number() OVER () AS n FROM merchant
                  WHERE random() < 0.01) m""")
        )
        conn.execute(
            text("""
            INSERT INTO colour_override (id, merchant_id, colour, reason, starts_on, ends_on,
                created_at)
            SELECT gen_random_uuid(), id, 'red', '基准人工调整', CURRENT_DATE - 5,
                   CURRENT_DATE + 25, now()
            FROM merchant WHERE random() < 0.001""")
        )
        conn.execute(
            text("""
            INSERT INTO rerating_request (id, merchant_id, requested_on, reason, via, status,
                created_at)
            SELECT gen_random_uuid(), id, CURRENT_DATE - 10, '', 'owner', 'pending', now()
            FROM merchant WHERE random() < 0.002""")
        )
        clock = step("orders, cases, complaints, overrides, re-ratings", clock)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    step("vacuum analyze", clock)
    engine.dispose()


def reset(url: str) -> None:
    """Back to the state right after generating: no colour explained yet, every merchant green."""
    engine = make_sync_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE colour_event, colour_state"))
        # The due dates the generator wrote (few of them what the engine will say).
        conn.execute(
            text(
                "UPDATE merchant SET colour = 'green', next_due = CURRENT_DATE + "
                "CAST(1 + CAST(uscc AS BIGINT) % 700 AS INTEGER)"
            )
        )
        conn.execute(text("UPDATE rerating_request SET status = 'pending'"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Full pages and fresh indexes, as generated: a plain vacuum would leave every page half
        # empty, room a first run on generated data does not have.
        conn.execute(text("VACUUM FULL ANALYZE merchant"))
    engine.dispose()


def counts(url: str) -> dict[str, int]:
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        result = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in (
                "merchant",
                "inspection",
                "finding",
                "rectification_order",
                "enforcement_case",
                "complaint",
                "colour_event",
                "colour_state",
            )
        }
    engine.dispose()
    return result


def naive(url: str, sample: int, now: datetime) -> float:
    """The per-merchant loop over a random sample, in one transaction that is rolled back."""
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                text("SELECT id FROM merchant TABLESAMPLE SYSTEM (2) LIMIT :n"), {"n": sample}
            )
        ]
    random.Random(1).shuffle(ids)
    with Session(engine) as session:
        started = time.perf_counter()
        for merchant_id in ids:
            update_colour(session, merchant_id, policy=DEFAULT_POLICY, now=now)
        session.flush()
        elapsed = time.perf_counter() - started
        session.rollback()
    engine.dispose()
    return elapsed / len(ids)


def database_cpu() -> float:
    """CPU seconds the local PostgreSQL server's processes have used (user + system), from
    /proc: every live backend and worker, and the children that already ended (a second
    connection of the run, parallel index builds)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            fields = rest.split()
            total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total / os.sysconf("SC_CLK_TCK")


def recompute_measured(url: str, now: datetime) -> tuple[float, float, dict[str, float], str]:
    """One recompute in this process: wall seconds, the database server's CPU seconds, the
    seconds of each stage, and the summary."""
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        cpu = database_cpu()
        started = time.perf_counter()
        with conn.begin():
            report = recompute_all(conn, DEFAULT_POLICY, now=now)
        wall = time.perf_counter() - started
        cpu = database_cpu() - cpu
    engine.dispose()
    summary = (
        f"{report.colour_changes:,} colours and {report.due_changes:,} due dates changed, "
        f"{report.events:,} events, {report.states:,} explanations written"
    )
    return wall, cpu, report.seconds, summary


def recompute_cli(url: str, var_dir: Path) -> tuple[float, str]:
    env = {**os.environ, "DATABASE_URL": url, "ONEVISIT_VAR_DIR": str(var_dir), "COLUMNS": "200"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "server", "codes", "recompute"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, " ".join(done.stdout.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--merchants", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument(
        "--reuse", metavar="SCHEMA", help="a kept schema: reset its colours, skip generating"
    )
    args = parser.parse_args()
    schema = args.reuse or f"bench_recompute_{uuid.uuid4().hex[:8]}"
    admin = make_sync_engine(BASE)
    url = schema_url(schema)
    print(f"schema {schema} on {BASE}")
    try:
        if args.reuse:
            reset(url)
        else:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            started = time.perf_counter()
            upgrade(url)
            step("migrate", started)
            generate(url, args.merchants)
        print("  rows:", ", ".join(f"{k} {v:,}" for k, v in counts(url).items()))
        now = datetime.combine(local_today(), day_time(4), UTC)
        per_naive = naive(url, args.sample, now) if args.sample else float("nan")
        print(
            f"naive loop: {per_naive * 1000:.2f} ms per merchant over {args.sample:,} "
            f"(≈ {per_naive * args.merchants / 60:.0f} min for {args.merchants:,})"
        )
        load = os.getloadavg()[0]
        first, first_cpu, stages, first_out = recompute_measured(url, now)
        print(
            f"set-wise, first run:  {first:6.1f} s wall, {first_cpu:5.1f} s database CPU "
            f"({first_out})"
        )
        print("  stages:", ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
        second, second_cpu, stages, second_out = recompute_measured(url, now)
        print(
            f"set-wise, next night: {second:6.1f} s wall, {second_cpu:5.1f} s database CPU "
            f"({second_out})"
        )
        print("  stages:", ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
        var_dir = Path(os.environ.get("TMPDIR", "/tmp")) / schema
        command, command_out = recompute_cli(url, var_dir)
        print(f"`onevisit codes recompute` as a command: {command:.1f} s ({command_out})")
        print(
            f"load average of the machine when the runs began: {load:.1f} on {os.cpu_count()} cores"
        )
        ratio = per_naive * args.merchants / first
        print(
            f"\nrecompute of {args.merchants:,} merchants: {first:.1f} s "
            f"(goal ≤ {GOAL_SECONDS:.0f} s: {'met' if first <= GOAL_SECONDS else 'NOT met'})"
        )
        print(f"naive per-merchant loop / set-wise, per merchant: {ratio:.0f}×")
        print("  after:", ", ".join(f"{k} {v:,}" for k, v in counts(url).items()))
    finally:
        if not (args.keep or args.reuse):
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
