"""`onevisit import merchants FILE`: exit status, messages, the rejects report, unreadable files."""

import csv
import os
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.core.db import make_sync_engine
from server.import_cli import import_group
from server.merchants.importer import DatabaseNotReady, ImportFileError
from tests.merchants.factories import merchant, rows_of, run, stored, write_csv, write_xlsx


def invoke(database_url: str, *args: str):
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test"}
    return CliRunner().invoke(import_group, ["merchants", *args], env=env)


def test_exit_0_when_every_row_is_imported(database_url, district, tmp_path):
    result = invoke(database_url, str(write_xlsx(tmp_path / "商户.xlsx", rows_of(3))))
    assert result.exit_code == 0, result.output
    assert "新增 3，更新 0，未变 0，拒绝 0" in result.stdout


def test_exit_1_lists_every_rejected_row_and_writes_the_report(database_url, district, tmp_path):
    rows = [*rows_of(2), merchant(random.Random(2), uscc="91330100716105852E")]
    report = tmp_path / "rejects.csv"
    result = invoke(database_url, str(write_csv(tmp_path / "m.csv", rows)), "--report", str(report))
    assert result.exit_code == 1
    assert "新增 2，更新 0，未变 0，拒绝 1" in result.stdout
    assert "第4行：统一社会信用代码校验位错误：应为 F，实为 E" in result.stdout
    with report.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["行号", "统一社会信用代码", "原因"],
            ["4", "91330100716105852E", "统一社会信用代码校验位错误：应为 F，实为 E"],
        ]


def test_exit_2_when_the_file_is_unreadable(database_url, district, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("名称,地址\n某店,某路\n", encoding="utf-8")
    result = invoke(database_url, str(path))
    assert result.exit_code == 2
    assert "缺少必需的列：统一社会信用代码、街道、经度、纬度" in result.stderr
    missing = invoke(database_url, str(tmp_path / "nowhere.csv"))
    assert (missing.exit_code, "找不到文件" in missing.stderr) == (2, True)


def test_exit_2_when_the_database_is_not_migrated(empty_database_url, tmp_path):
    result = invoke(empty_database_url, str(write_csv(tmp_path / "m.csv", rows_of(1))))
    assert result.exit_code == 2
    assert "请先运行 onevisit db upgrade" in result.stderr


def test_the_onevisit_command_runs_the_import(database_url, district, tmp_path):
    rows = [*rows_of(1), merchant(random.Random(3), street="西湖")]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "ONEVISIT_VAR_DIR": str(tmp_path),
    }
    path = write_csv(tmp_path / "m.csv", rows)
    done = subprocess.run(
        [sys.executable, "-m", "server", "import", "merchants", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "第3行：未知街道“西湖”" in done.stdout


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            "统一社会信用代码,名称,街道\n91330100716105852F,某店,湖滨\n",
            "m.csv",
            "缺少必需的列：经度、纬度",
        ),
        ("", "m.csv", "文件是空的"),
        ("\n\n", "m.csv", "文件是空的"),
        ("uscc,name\n", "m.pdf", "不支持的文件类型 .pdf"),
        ("anything", "m.xls", "不支持旧版 .xls"),
        ("PK\x03\x04 not really a workbook", "m.xlsx", "无法打开 XLSX 文件"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(
    sync_engine, district, tmp_path, content, name, message
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=message):
        run(sync_engine, path)
    assert stored(sync_engine) == {}


def test_a_file_in_an_unknown_encoding_is_refused(sync_engine, district, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("统一社会信用代码,名称\n".encode("gb18030") + b"\x81\x20\xff\xfe\n")
    with pytest.raises(ImportFileError, match="无法识别文件编码"):
        run(sync_engine, path)


def test_an_unmigrated_database_is_refused(empty_database_url, tmp_path):
    engine = make_sync_engine(empty_database_url)
    with pytest.raises(DatabaseNotReady, match="onevisit db upgrade"):
        run(engine, write_csv(tmp_path / "m.csv", rows_of(1)))
    engine.dispose()


def test_a_file_broken_halfway_keeps_the_batches_already_stored(sync_engine, district, tmp_path):
    rows = rows_of(5)
    rows[3]["address"] = "x" * 200_000  # more than a CSV reader takes in one cell
    with pytest.raises(ImportFileError, match="第5行附近 CSV 格式错误"):
        run(sync_engine, write_csv(tmp_path / "m.csv", rows), batch_size=2)
    assert set(stored(sync_engine)) == {r["uscc"] for r in rows[:2]}
    with Session(sync_engine) as session:
        (event,) = session.exec(select(AuditEvent)).all()
    assert event.detail["imported"] == 2 and "CSV 格式错误" in event.detail["error"]
    again = run(sync_engine, write_csv(tmp_path / "m.csv", rows[:3]), batch_size=2)
    assert (again.imported, again.unchanged) == (1, 2)
