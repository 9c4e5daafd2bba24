"""`onevisit import merchants FILE`: load a merchant list and report every row left out.

Exit status: 0 when every row was imported, 1 when some were rejected, 2 when nothing could be
read (the file, or a database that is not ready).
"""

import csv
import sys
from pathlib import Path

import click
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from server.audit.service import Actor
from server.core.db import make_sync_engine
from server.core.progress import progress_bar
from server.core.settings import load_settings
from server.merchants.importer import (
    DatabaseNotReady,
    ImportFileError,
    ImportReport,
    import_merchants,
)

__all__ = ["merchants"]

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


def _write_rejects(report: ImportReport, path: Path) -> None:
    # utf-8-sig: Excel on a Chinese desktop opens it without garbling.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["行号", "统一社会信用代码", "原因"])
        out.writerows(report.rejected)


@click.command("merchants")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the rejected rows (line, credit code, reason) to this CSV file.",
)
def merchants(file: Path, report_path: Path | None) -> None:
    """Import merchants from a CSV or XLSX FILE (Chinese or English headers).

    Rows are matched by credit code: a known merchant is updated, keeping its id and QR code.
    Every rejected row is listed with its line number and the reason.
    """
    settings = load_settings()
    engine = make_sync_engine(settings.database_url)
    err = Console(stderr=True, highlight=False)
    db_errors = (SQLAlchemyError, engine.dialect.dbapi.Error)  # the importer works on the driver
    try:
        with progress_bar(err, f"导入 {file.name}") as on_progress:
            report = import_merchants(
                engine, file, settings=settings, on_progress=on_progress, actor=Actor("import")
            )
    except (ImportFileError, DatabaseNotReady) as exc:
        click.echo(f"无法导入 {file}：{exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    except db_errors as exc:
        click.echo(f"无法导入 {file}：数据库出错：{exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    finally:
        engine.dispose()
    click.echo(f"{file.name}：{report.summary()}")
    if report.rejected:
        click.echo("以下各行未导入：")
        click.echo(report.rejects_text())
    if report_path is not None:
        _write_rejects(report, report_path)
        click.echo(f"拒绝明细已写入 {report_path}")
    sys.exit(EXIT_REJECTED if report.rejected else EXIT_OK)
