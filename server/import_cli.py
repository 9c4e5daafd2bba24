"""`onevisit import …` and `onevisit export …`: a district's data in and out as workbooks.

Every import prints what it did per sheet and every row it left out (sheet, line, reason) and
exits 0 when every row went in, 1 when some were left out, 2 when nothing could be read. The
formats are in docs/data-import.md.
"""

import sys
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from server.audit.service import Actor
from server.core.db import make_sync_engine
from server.core.import_report import EXIT_UNREADABLE, ImportReport
from server.core.settings import load_settings
from server.core.workbook import WorkbookError
from server.data_kinds import KINDS
from server.merchants.cli import merchants

__all__ = ["export_group", "import_group"]

FILE = click.Path(dir_okay=False, path_type=Path)
_ACTOR = Actor("import")  # whoever runs the command: the audit rows name the command


@click.group("import", help="Import a district's data from spreadsheets.")
def import_group() -> None:
    pass


@click.group("export", help="Write a district's data out as the workbooks the import reads.")
def export_group() -> None:
    pass


import_group.add_command(merchants)


def _run(file: Path, report_path: Path | None, work: Callable[[Session], ImportReport]) -> None:
    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            report = work(session)
            session.commit()
    except WorkbookError as exc:
        click.echo(f"无法导入 {file}：{exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    except SQLAlchemyError as exc:
        click.echo(f"无法导入 {file}：数据库出错：{exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    finally:
        engine.dispose()
    click.echo(f"{file.name}：{report.summary()}")
    if report.rejected:
        click.echo("以下各行未导入：")
        click.echo(report.rejects_text())
    if report_path is not None:
        report.write_rejects(report_path)
        click.echo(f"拒绝明细已写入 {report_path}")
    sys.exit(report.exit_code)


_REPORT = click.option(
    "--report",
    "report_path",
    type=FILE,
    help="Also write the rejected rows (sheet, line, key, reason) to this CSV file.",
)


def _import_command(kind: str, help_text: str) -> None:
    @import_group.command(kind, help=help_text)
    @click.argument("file", type=FILE)
    @_REPORT
    def command(file: Path, report_path: Path | None) -> None:
        settings = load_settings()
        imports = KINDS[kind].imports
        assert imports is not None
        _run(file, report_path, lambda s: imports(s, file, settings, _ACTOR))


_import_command(
    "org",
    """Import streets, departments, teams and officers from an XLSX workbook.

    Rows are matched by code (officers by username): a known one is updated, and each change
    is written to the audit trail. Imported officers sign in once an administrator sets their
    password.
    """,
)
_import_command(
    "catalogue",
    """Import matters, check items, empowerment and scenarios from an XLSX workbook.

    Rows are matched by code: a known one is updated, each change written to the audit trail.
    Scenarios that are new or changed take on the merchants of their business types.
    """,
)
_import_command(
    "boundaries",
    """Import the streets' territories from a GeoJSON FeatureCollection of (Multi)Polygons,
    each with a `code` property naming its street (WGS-84, or GCJ-02/BD-09 declared by a
    `crs` property). From then on a merchant outside every street is refused at import.""",
)
_import_command(
    "leniency",
    """Import the flexible-enforcement lists (不予处罚, 减轻处罚) from an XLSX workbook: list
    versions with their source documents and periods, and their entries tied to check items.

    Rows are matched by code (entries by list and number); each change is audited.
    """,
)


@import_group.command("template")
@click.argument("kind", type=click.Choice([k.name for k in KINDS.values() if k.template]))
@click.argument("out", type=FILE)
def template(kind: str, out: Path) -> None:
    """Write an empty workbook of KIND with its headers, an example row and notes."""
    write = KINDS[kind].template
    assert write is not None
    write(out)
    click.echo(f"已写入模板 {out}")


def _export_command(kind: str, help_text: str) -> None:
    @export_group.command(kind, help=help_text)
    @click.argument("out", type=FILE)
    def command(out: Path) -> None:
        export = KINDS[kind].export
        assert export is not None
        engine = make_sync_engine(load_settings().database_url)
        try:
            with Session(engine) as session:
                export(session, out)
        finally:
            engine.dispose()
        click.echo(f"已导出 {out}")


_export_command(
    "org", "Write the organisation (active officers only) as the workbook `import org` reads."
)
_export_command("catalogue", "Write the catalogue as the workbook `import catalogue` reads.")
_export_command(
    "leniency", "Write the flexible-enforcement lists as the workbook `import leniency` reads."
)
