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

from server.catalog.exporter import export_catalogue, write_catalogue_template
from server.catalog.importer import import_catalogue
from server.core.db import make_sync_engine
from server.core.import_report import EXIT_UNREADABLE, ImportReport
from server.core.settings import load_settings
from server.core.workbook import WorkbookError
from server.merchants.cli import merchants
from server.merchants.import_file import write_merchant_template
from server.org.boundaries import import_boundaries
from server.org.exporter import export_org, write_org_template
from server.org.importer import import_org

__all__ = ["export_group", "import_group"]

FILE = click.Path(dir_okay=False, path_type=Path)
_ACTOR = "import"


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


@import_group.command("org")
@click.argument("file", type=FILE)
@_REPORT
def org(file: Path, report_path: Path | None) -> None:
    """Import streets, departments, teams and officers from an XLSX workbook.

    Rows are matched by code (officers by username): a known one is updated, and each change
    is written to the audit trail. Imported officers sign in once an administrator sets their
    password.
    """
    bbox = load_settings().district_bbox
    _run(file, report_path, lambda s: import_org(s, file, bbox=bbox, actor=_ACTOR))


@import_group.command("catalogue")
@click.argument("file", type=FILE)
@_REPORT
def catalogue(file: Path, report_path: Path | None) -> None:
    """Import matters, check items, empowerment and scenarios from an XLSX workbook.

    Rows are matched by code: a known one is updated, each change written to the audit trail.
    Scenarios that are new or changed take on the merchants of their business types.
    """
    _run(file, report_path, lambda s: import_catalogue(s, file, actor=_ACTOR))


@import_group.command("boundaries")
@click.argument("file", type=FILE)
@_REPORT
def boundaries(file: Path, report_path: Path | None) -> None:
    """Import the streets' territories from a GeoJSON FeatureCollection of (Multi)Polygons,
    each with a `code` property naming its street (WGS-84, or GCJ-02/BD-09 declared by a
    `crs` property). From then on a merchant outside every street is refused at import."""
    _run(file, report_path, lambda s: import_boundaries(s, file, actor=_ACTOR))


@import_group.command("template")
@click.argument("kind", type=click.Choice(["org", "catalogue", "merchants"]))
@click.argument("out", type=FILE)
def template(kind: str, out: Path) -> None:
    """Write an empty workbook of KIND with its headers, an example row and notes."""
    if kind == "org":
        write_org_template(out)
    elif kind == "catalogue":
        write_catalogue_template(out)
    else:
        write_merchant_template(out)
    click.echo(f"已写入模板 {out}")


@export_group.command("org")
@click.argument("out", type=FILE)
def export_org_command(out: Path) -> None:
    """Write the organisation (active officers only) as the workbook `import org` reads."""
    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            export_org(session, out)
    finally:
        engine.dispose()
    click.echo(f"已导出 {out}")


@export_group.command("catalogue")
@click.argument("out", type=FILE)
def export_catalogue_command(out: Path) -> None:
    """Write the catalogue as the workbook `import catalogue` reads."""
    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            export_catalogue(session, out)
    finally:
        engine.dispose()
    click.echo(f"已导出 {out}")
