"""The demo builds its district as a district does: it writes its organisation and catalogue as
workbooks and loads them through `onevisit import org` and `import catalogue`'s importers."""

from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from server.audit.models import AuditEvent
from server.demo.cli import demo
from server.demo.loader import load_demo
from server.demo.workbooks import CATALOGUE_FILE, ORG_FILE, DemoImportRefused
from server.import_cli import export_group, import_group
from server.org.models import User

TODAY = date(2026, 11, 27)


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Each sheet's header and rows, the rows sorted (an export sorts them its own way)."""
    book = load_workbook(path, read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        header, *rows = [
            tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)
        ]
        sheets[sheet.title] = [header, *sorted(rows, key=str)]
    book.close()
    return sheets


def _cli(database_url: str, group: click.Group, *args: str) -> Result:
    return CliRunner().invoke(group, list(args), env={"DATABASE_URL": database_url})


@pytest.fixture
def books(sync_engine: Engine, tmp_path: Path) -> Path:
    summary = load_demo(sync_engine, merchants=20, today=TODAY, workbooks=tmp_path / "books")
    assert summary.loaded
    for report in summary.imports:
        assert not report.rejected, report.rejects_text()
        assert all(c.added == c.total > 0 for c in report.sheets.values()), report.summary()
    return tmp_path / "books"


def test_the_exported_district_is_what_the_demo_wrote(
    database_url: str, sync_engine: Engine, books: Path, tmp_path: Path
):
    for kind, written in (("org", ORG_FILE), ("catalogue", CATALOGUE_FILE)):
        out = tmp_path / f"{kind}.xlsx"
        result = _cli(database_url, export_group, kind, str(out))
        assert result.exit_code == 0, result.output
        exported, wrote = _sheets(out), _sheets(books / written)
        if kind == "org":
            # The export holds the officers in service: the demo switches two accounts off.
            with Session(sync_engine) as session:
                off = set(session.exec(select(User.username).where(col(User.active).is_(False))))
            assert len(off) == 2
            wrote["人员"] = [row for row in wrote["人员"] if row[0] not in off]
        assert exported == wrote
    # What the catalogue's rows say a person would see: guidance, grants by street, scenarios.
    catalogue = _sheets(books / CATALOGUE_FILE)
    assert sum(1 for row in catalogue["检查项"] if row[-1]) > 5
    assert {row[1] for row in catalogue["赋权"][1:]} >= {"全部", "kaixuan", "nanxing"}
    assert len(catalogue["场景"]) == 1 + 9


def test_the_demos_workbooks_import_back_into_the_demo_unchanged(
    database_url: str, sync_engine: Engine, books: Path
):
    for kind, written in (("org", ORG_FILE), ("catalogue", CATALOGUE_FILE)):
        result = _cli(database_url, import_group, kind, str(books / written))
        assert result.exit_code == 0, result.output
        assert "新增0，更新0" in result.output and "拒绝0" in result.output
        assert "更新1" not in result.output and "新增1" not in result.output
    with Session(sync_engine) as session:
        imports = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).in_(["org.import", "catalogue.import"]))
            .order_by(col(AuditEvent.at))
        ).all()
        updates = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(col(AuditEvent.action).like("%.import.update"))
        ).one()
    # The demo's own two imports, by the demo, then the two here; not a row left out.
    assert [(e.action, e.actor) for e in imports[:2]] == [
        ("org.import", "demo"),
        ("catalogue.import", "demo"),
    ]
    assert all(e.detail["rejected"] == [] for e in imports) and updates == 0


def test_a_demo_row_the_importers_refuse_stops_the_load_and_stores_nothing(sync_engine: Engine):
    far_away = (10.0, 10.0, 11.0, 11.0)  # no street office lies in this district
    with pytest.raises(DemoImportRefused, match="办公点不在辖区范围内"):
        load_demo(sync_engine, merchants=5, today=TODAY, bbox=far_away)
    with Session(sync_engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_the_command_says_what_the_imports_did_and_keeps_the_workbooks(
    database_url: str, tmp_path: Path
):
    env = {"DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    args = ["--merchants", "10", "--workbooks", str(tmp_path / "books")]
    result = CliRunner().invoke(demo, args, env=env)
    assert result.exit_code == 0, result.output
    output = "".join(result.output.split())  # the console wraps long lines
    assert f"{ORG_FILE}：街道：共15行，新增15，更新0，未变0，拒绝0" in output
    assert f"{CATALOGUE_FILE}：事项：共45行，新增45" in output
    assert {p.name for p in (tmp_path / "books").iterdir()} == {ORG_FILE, CATALOGUE_FILE}
