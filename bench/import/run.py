"""Benchmark `onevisit import merchants` against a bare bulk insert of the same rows.

    python bench/import/run.py [--rows 200000] [--small 50000] [--db sqlite|postgresql|both]

Anchor: the rows, already parsed, valid and converted, loaded into the merchant table by the
driver's fastest plain bulk insert: sqlite3 `executemany` (one transaction) on SQLite, psycopg
`COPY … FROM STDIN` on PostgreSQL. Importer: `import_merchants` end to end from the CSV file
(read, check, convert, upsert), in a subprocess so its peak RSS is its own.
"""

import argparse
import csv
import json
import logging
import math
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text
from sqlmodel import Session

from server.core.clock import utcnow
from server.core.db import make_sync_engine
from server.core.geo import wgs84_to_gcj02
from server.merchants.import_file import COLUMN_LABELS
from server.merchants.uscc import make_uscc
from server.migrate import upgrade
from server.org.district import STREETS, nearest_street
from server.org.service import ensure_district

POSTGRES = "postgresql://root@127.0.0.1:5432/test"
HEADER = list(COLUMN_LABELS.values())  # 统一社会信用代码, 名称 … 电话
KINDS = ["餐饮", "美容美发", "网吧", "宾馆", "小型加工场所", "直播电商", "零售"]
COLUMNS = (
    "id, uscc, name, address, lat, lng, street_id, business_type, contact, phone, "
    "colour, next_due, qr_token, active, created_at, updated_at"
)


def generate(path: Path, rows: int, seed: int = 20261127) -> None:
    """Valid merchants inside the district; one in ten located in GCJ-02 (as from AMap)."""
    rng, seen = random.Random(seed), set()
    by_code = {s.code: s for s in STREETS}
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        while len(seen) < rows:
            code = make_uscc(rng)
            if code in seen:
                continue
            seen.add(code)
            lat, lng = rng.uniform(30.215, 30.345), rng.uniform(120.155, 120.275)
            street = by_code[nearest_street(lat, lng).code]
            crs = ""
            if rng.random() < 0.1:
                (lat, lng), crs = wgs84_to_gcj02(lat, lng), "GCJ02"
            n = len(seen)
            out.writerow(
                [
                    code,
                    f"{rng.choice(KINDS)}商户{n:06d}",
                    f"杭州市上城区示范路{n % 997 + 1}号",
                    street.name if n % 2 else street.name.removesuffix("街道"),
                    f"{lng:.6f}",
                    f"{lat:.6f}",
                    crs,
                    rng.choice(KINDS),
                    f"联系人{n % 1000}",
                    f"138{n:08d}",
                ]
            )


class Database:
    """A fresh, migrated database with the district seeded; dropped on exit."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.schema = kind, None
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        else:
            self.schema = f"bench_import_{secrets.token_hex(4)}"
            with make_sync_engine(POSTGRES).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = f"{POSTGRES}?options={quote(f'-csearch_path={self.schema}')}"

    def __enter__(self) -> "Database":
        upgrade(self.url)
        self.engine = make_sync_engine(self.url)
        with Session(self.engine) as session:
            self.streets = ensure_district(session)
            session.commit()
            self.street_ids = {s.name: s.id for s in self.streets.values()}
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()
        if self.schema:
            engine = make_sync_engine(POSTGRES)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            engine.dispose()


def anchor_rows(db: Database, path: Path) -> list[tuple[object, ...]]:
    """The file's rows as the database stores them (WGS-84, street ids), parsed before timing."""
    from server.core.geo import to_wgs84

    sqlite, now = db.kind == "sqlite", utcnow()
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    ids = {n.removesuffix("街道"): i for n, i in db.street_ids.items()} | db.street_ids
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for uscc, name, address, street, lng, lat, crs, kind, contact, phone in list(
            csv.reader(fh)
        )[1:]:
            wlat, wlng = to_wgs84(float(lat), float(lng), "gcj02" if crs else "wgs84")
            sid, mid = ids[street], uuid.uuid4()
            rows.append(
                (
                    mid.hex if sqlite else mid,
                    uscc,
                    name,
                    address,
                    wlat,
                    wlng,
                    sid.hex if sqlite else sid,
                    kind,
                    contact,
                    phone,
                    "green",
                    None,
                    secrets.token_urlsafe(24),
                    True,
                    stamp,
                    stamp,
                )
            )
    return rows


class Clock:
    """Wall seconds, and CPU seconds of this process plus its PostgreSQL backend, if any.

    The CPU figure is steadier than the wall clock on a machine shared with other work.
    """

    def __init__(self, dbapi_connection: object, kind: str) -> None:
        self.backend = None
        if kind == "postgresql":
            with dbapi_connection.cursor() as cur:  # type: ignore[attr-defined]
                cur.execute("SELECT pg_backend_pid()")
                self.backend = Path(f"/proc/{cur.fetchone()[0]}/stat")

    def _cpu(self) -> float:
        cpu = time.process_time()
        if self.backend is not None:  # utime and stime, fields 14 and 15, in clock ticks
            fields = self.backend.read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return cpu

    def __enter__(self) -> "Clock":
        self.wall, self.cpu = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, self._cpu() - self.cpu


def run_anchor(db: Database, rows: list[tuple[object, ...]]) -> dict[str, float]:
    """Seconds (wall and CPU) for the bare bulk insert, commit included."""
    raw = db.engine.raw_connection()
    conn = raw.driver_connection
    with Clock(conn, db.kind) as clock:
        if db.kind == "sqlite":
            marks = ", ".join("?" * 16)
            conn.executemany(f"INSERT INTO merchant ({COLUMNS}) VALUES ({marks})", rows)
        else:
            with conn.cursor() as cur, cur.copy(f"COPY merchant ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
    raw.close()
    return {"seconds": clock.wall, "cpu": clock.cpu}


def run_importer(db: Database, path: Path) -> dict[str, float]:
    """The importer in a fresh process: its seconds, its report and its peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", db.kind, db.url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def worker(kind: str, url: str, path: str) -> None:
    from sqlalchemy.pool import StaticPool

    from server.core.settings import Settings
    from server.merchants.importer import import_merchants

    # One connection for the whole import, so its backend's CPU can be read.
    engine = make_sync_engine(url, poolclass=StaticPool)
    raw = engine.raw_connection()
    clock = Clock(raw.driver_connection, kind)
    raw.close()
    with clock:
        report = import_merchants(engine, path, settings=Settings(database_url=url))
    # VmHWM, not ru_maxrss: the latter carries the parent's peak across fork and exec.
    status = Path("/proc/self/status").read_text()
    peak = int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM:")).split()[1]) / 1024
    print(
        json.dumps(
            {
                "seconds": clock.wall,
                "cpu": clock.cpu,
                "peak_mb": peak,
                "imported": report.imported,
                "rejected": len(report.rejected),
            }
        )
    )


def bench(kind: str, files: dict[int, Path], repeat: int) -> str:
    """Best of `repeat` for the anchor and the importer at the large size; memory at both."""
    (small, small_path), (rows, path) = sorted(files.items())
    best = {"anchor": {"seconds": math.inf, "cpu": math.inf}}
    best["importer"] = dict(best["anchor"])
    for attempt in range(1, repeat + 1):
        with Database(kind, path.parent) as db:
            anchor = run_anchor(db, anchor_rows(db, path))
        with Database(kind, path.parent) as db:
            result = run_importer(db, path)
        assert result["imported"] == rows and not result["rejected"], result
        for name, run in (("anchor", anchor), ("importer", result)):
            for key in ("seconds", "cpu"):
                best[name][key] = min(best[name][key], run[key])
        peak = result["peak_mb"]
        print(
            f"  {kind} run {attempt}: anchor {rows / anchor['seconds']:,.0f} rows/s "
            f"({rows / anchor['cpu']:,.0f} per CPU-s), importer {rows / result['seconds']:,.0f} "
            f"rows/s ({rows / result['cpu']:,.0f} per CPU-s), peak RSS {peak:.0f} MB",
            file=sys.stderr,
        )
    with Database(kind, path.parent) as db:
        small_result = run_importer(db, small_path)
    anchor_rate, importer_rate = (
        rows / best["anchor"]["seconds"],
        rows / best["importer"]["seconds"],
    )
    cpu_ratio = best["anchor"]["cpu"] / best["importer"]["cpu"]
    return (
        f"import {kind}: {importer_rate:,.0f} rows/s vs anchor {anchor_rate:,.0f} rows/s "
        f"→ ratio {importer_rate / anchor_rate:.2f}; peak RSS {peak:.0f} MB "
        f"({small // 1000}k: {small_result['peak_mb']:.0f} MB, "
        f"{small / small_result['seconds']:,.0f} rows/s); CPU-time ratio {cpu_ratio:.2f}"
    )


def main() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000, help="the size that shows flat memory")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        files = {n: Path(tmp) / f"merchants-{n}.csv" for n in (args.small, args.rows)}
        for n, path in files.items():
            generate(path, n)
        kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        lines = [bench(kind, files, args.repeat) for kind in kinds]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
