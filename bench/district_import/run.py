"""Benchmark `onevisit import org` (5,000 officers) and `import catalogue` (50,000 items).

    python bench/district_import/run.py [--items 50000] [--officers 5000] [--db sqlite|postgresql]

Anchor: reading the same workbook with openpyxl in read-only mode, every cell of every sheet and
nothing else — the floor any XLSX importer pays. Importer: the import command's function end to
end (read, check, compare with the database, write, commit), in a subprocess so its peak RSS
(VmHWM) is its own; the catalogue is also imported at half the size, to show memory following
the catalogue's codes rather than the file.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from server.core.db import make_sync_engine
from server.migrate import upgrade
from server.org.district import DEPARTMENTS, STREETS
from server.org.service import ensure_district

PG = "postgresql://root@127.0.0.1:5432/test"


def org_book(path: Path, officers: int) -> None:
    book = Workbook(write_only=True)
    teams = book.create_sheet("队伍")
    teams.append(["代码", "名称", "街道", "部门"])
    codes = []
    for street in STREETS:
        for n in range(6):
            code = f"{street.code}-{n}"
            codes.append(code)
            teams.append([code, f"{street.name}第{n + 1}队", street.code, "zhzf"])
    people = book.create_sheet("人员")
    people.append(["用户名", "姓名", "角色", "队伍", "执法证号", "证件有效期至", "手机"])
    for n in range(officers):
        team = codes[n % len(codes)]
        people.append(
            [
                f"officer{n:05d}",
                f"执法员{n}",
                "执法人员",
                team,
                f"3301{n:08d}",
                "2028-06-30",
                f"138{n:08d}",
            ]
        )
    book.save(path)


def catalogue_book(path: Path, items: int) -> None:
    per_matter = 25
    matters = items // per_matter
    departments = [d.code for d in DEPARTMENTS]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("事项")
    sheet.append(["事项编码", "事项名称", "部门", "层级", "领域", "法律依据"])
    for m in range(matters):
        sheet.append(
            [
                f"M{m:05d}",
                f"执法事项{m}",
                departments[m % len(departments)],
                "街道" if m % 3 else "区级",
                f"领域{m % 25}",
                f"《某条例》第{m}条",
            ]
        )
    sheet = book.create_sheet("检查项")
    sheet.append(["检查项编码", "事项编码", "检查内容", "重点项", "不予处罚", "依据"])
    for i in range(items):
        m = i // per_matter
        sheet.append(
            [
                f"M{m:05d}-{i % per_matter:02d}",
                f"M{m:05d}",
                f"检查内容第{i}项",
                "是" if i % 7 == 0 else "否",
                "是" if i % 5 == 0 else "否",
                "第一款",
            ]
        )
    sheet = book.create_sheet("赋权")
    sheet.append(["事项编码", "街道", "生效日期", "截止日期"])
    for m in range(0, matters, 2):
        sheet.append(
            [f"M{m:05d}", "全部" if m % 4 else STREETS[m % len(STREETS)].code, "2026-01-01", ""]
        )
    sheet = book.create_sheet("场景")
    sheet.append(["场景编码", "场景名称", "来源", "行业", "检查项"])
    for s in range(72):
        codes = [f"M{(s * 20 + k) % matters:05d}-{k % per_matter:02d}" for k in range(20)]
        sheet.append([f"CJ{s:03d}", f"一件事{s}", "省级认领", f"行业{s}", "；".join(codes)])
    book.save(path)


def anchor(path: Path) -> float:
    start = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    book.close()
    assert cells > 0
    return time.perf_counter() - start


CHILD = """
import json, sys, time
from sqlmodel import Session
from server.audit.service import Actor
from server.core.db import make_sync_engine
from server.org.importer import import_org
from server.catalog.importer import import_catalogue
url, kind, path = sys.argv[1:4]
engine = make_sync_engine(url)
start = time.perf_counter()
with Session(engine) as session:
    if kind == "org":
        report = import_org(session, path, bbox=(30.0, 120.0, 30.5, 120.5), actor=Actor("bench"))
    else:
        report = import_catalogue(session, path, actor=Actor("bench"))
    session.commit()
seconds = time.perf_counter() - start
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
rows = sum(c.total for c in report.sheets.values())
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "rows": rows,
                  "rejected": len(report.rejected)}))
"""


def imported(url: str, kind: str, path: Path) -> dict[str, float]:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh(url: str) -> None:
    upgrade(url)
    engine = make_sync_engine(url)
    with Session(engine) as session:
        ensure_district(session)
        session.commit()
    engine.dispose()


def database(kind: str, work: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{work / name}.db"
    schema = f"bench_import_{name}_{os.getpid()}"
    engine = make_sync_engine(PG)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    engine.dispose()
    return f"{PG}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--officers", type=int, default=5_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind, size, build in (
            ("org", args.officers, org_book),
            ("catalogue", args.items, catalogue_book),
            ("catalogue", args.items // 2, catalogue_book),
        ):
            path = work / f"{kind}-{size}.xlsx"
            build(path, size)
            url = database(args.db, work, f"{kind}{size}")
            fresh(url)
            floor = anchor(path)
            first = imported(url, kind, path)
            again = imported(url, kind, path)  # the same file again: every row unchanged
            print(
                f"{kind} ({size:,} {'officers' if kind == 'org' else 'items'}, "
                f"{first['rows']:,} rows, {first['rejected']} rejected) on {args.db}: "
                f"import {first['seconds']:.1f} s "
                f"vs anchor {floor:.1f} s → ratio {floor / first['seconds']:.2f}; peak RSS "
                f"{first['peak_mb']:.0f} MB; re-import {again['seconds']:.1f} s, "
                f"peak {again['peak_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
