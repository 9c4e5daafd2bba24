"""Importing a merchant list (CSV or XLSX): every bad row reported, every good row stored.

Rows stream from the file in batches; each batch is stored by credit code and committed, so a
bad row never costs the good ones and a re-run of the same file changes nothing. Memory holds a
batch, the rejects and a fixed-size filter of the codes seen, whatever the size of the file.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, inspect
from sqlmodel import Session

from server.audit.service import Actor, record
from server.core.clock import utcnow
from server.core.settings import Settings, load_settings
from server.merchants.import_dedupe import SeenCodes, first_lines
from server.merchants.import_file import ImportFileError, RowSource, open_rows
from server.merchants.import_rows import MerchantRow, RowChecker
from server.merchants.import_store import MerchantStore, open_store

__all__ = [
    "BATCH_SIZE",
    "DatabaseNotReady",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "import_merchants",
]

BATCH_SIZE = 20_000
_PROGRESS_EVERY = 1000  # lines between progress reports, finer than a batch
Progress = Callable[[int, int], None]
Batch = list[tuple[int, MerchantRow]]


class DatabaseNotReady(Exception):
    """The database lacks the schema or the district's streets; the message says what to do."""


class Rejected(NamedTuple):
    """A row that was not imported: its line in the file, its credit code as typed, and why."""

    line: int
    uscc: str
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    total: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def rejects_text(self) -> str:
        """One line per rejected row: `第12行：统一社会信用代码校验位错误：应为 F，实为 E`."""
        return "\n".join(f"第{r.line}行：{r.reason}" for r in self.rejected)

    def summary(self) -> str:
        return (
            f"共 {self.total} 行：新增 {self.imported}，更新 {self.updated}，"
            f"未变 {self.unchanged}，拒绝 {len(self.rejected)}"
        )

    def add(self, stored: "_Stored") -> None:
        self.imported += stored.new
        self.updated += stored.updated
        self.unchanged += stored.rows - stored.new - stored.updated
        self.rejected.extend(stored.refused)


class _Stored(NamedTuple):
    rows: int
    new: int
    updated: int
    refused: list[Rejected]


def _store(store: MerchantStore, batch: Batch) -> _Stored:
    """Store a batch; if the database refuses it, store row by row to name the culprit."""
    try:
        return _Stored(len(batch), *store.flush([row for _, row in batch]), [])
    except store.refusals:
        store.raw.rollback()
    rows = new = updated = 0
    refused = []
    for line, row in batch:
        try:
            n, u = store.write([row])
        except store.refusals as exc:
            store.raw.rollback()
            refused.append(Rejected(line, row[0], f"数据库拒绝此行：{str(exc).splitlines()[0]}"))
            continue
        rows, new, updated = rows + 1, new + n, updated + u
    return _Stored(rows, new, updated, refused)


def _repeats(path: str | Path, held: Batch, report: ImportReport) -> Batch:
    """Reject each held row whose code an earlier stored row brought; return the others."""
    skip = {r.line for r in report.rejected}
    first = first_lines(path, {row[0] for _, row in held}, skip, upto=held[-1][0])
    keep: Batch = []
    for line, row in held:
        earlier = first.get(row[0], line)
        if earlier < line:
            reason = f"统一社会信用代码与第{earlier}行重复（已按第{earlier}行导入）"
            report.rejected.append(Rejected(line, row[0], reason))
        else:
            keep.append((line, row))  # a false alarm of the filter, or the first of its code
    return keep


def _require_schema(engine: Engine) -> None:
    if not inspect(engine).has_table("merchant"):
        raise DatabaseNotReady("数据库尚未初始化：请先运行 onevisit db upgrade")


def import_merchants(
    engine: Engine,
    path: str | Path,
    *,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    actor: Actor = Actor(),
) -> ImportReport:
    """Import the merchant list at `path`; raise ImportFileError if the file cannot be read.

    `on_progress(done, total)` is called every thousand lines or so: bytes for a CSV, rows for a
    workbook. The database must be migrated and hold the district's streets (DatabaseNotReady).
    """
    settings = settings or load_settings()
    _require_schema(engine)
    report = ImportReport(file=Path(path).name)
    try:
        _import(engine, Path(path), settings, report, on_progress, batch_size)
    except ImportFileError as exc:
        if report.imported or report.updated:  # what was stored before the break is on record
            _audit(engine, report, actor, error=str(exc))
        raise
    report.rejected.sort()
    _audit(engine, report, actor)
    return report


def _good_rows(
    source: RowSource,
    check: Callable[[list[str]], MerchantRow | str],
    report: ImportReport,
    held: Batch,
) -> Iterator[tuple[int, MerchantRow]]:
    """Rows that pass their checks; the others go to the report, maybe-repeated codes to `held`."""
    seen = SeenCodes()
    uscc_at = source.columns["uscc"]
    for line, cells in source.rows:
        if not any(cells):
            continue
        result = check(cells)
        if type(result) is str:
            if not "".join(cells).strip():
                continue  # a row of spaces is a blank row
            report.total += 1
            code = cells[uscc_at].strip() if uscc_at < len(cells) else ""
            report.rejected.append(Rejected(line, code, result))
            continue
        report.total += 1
        if seen.add(result[0]):
            held.append((line, result))
            continue
        yield line, result


def _import(
    engine: Engine,
    path: Path,
    settings: Settings,
    report: ImportReport,
    on_progress: Progress | None,
    batch_size: int,
) -> None:
    with open_rows(path) as source:
        store = open_store(engine, utcnow())
        try:
            streets = store.street_ids()
            if not streets:
                raise DatabaseNotReady("数据库中还没有街道：请先初始化辖区（街道）数据")
            territories = store.territories()
            check = RowChecker(source.columns, streets, settings.district_bbox, territories).check
            held: Batch = []
            batch: Batch = []
            if on_progress:
                on_progress(*source.progress())
            for line, row in _good_rows(source, check, report, held):
                batch.append((line, row))
                store.put(row)
                if len(batch) >= batch_size:
                    report.add(_store(store, batch))
                    batch = []
                if on_progress and line % _PROGRESS_EVERY == 0:
                    on_progress(*source.progress())
            if batch:
                report.add(_store(store, batch))
            if held and (keep := _repeats(path, held, report)):
                report.add(_store(store, keep))  # never put: stored by the plain path
            if on_progress:
                total = source.progress()[1]
                on_progress(total, total)
        finally:
            store.close()


def _audit(engine: Engine, report: ImportReport, actor: Actor, error: str | None = None) -> None:
    with Session(engine) as session:
        record(
            session,
            action="merchant.import",
            entity="merchant",
            actor=actor.name,
            actor_id=actor.id,
            ip=actor.ip,
            detail={
                "file": report.file,
                "total": report.total,
                "imported": report.imported,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
            }
            | ({"error": error} if error else {}),
        )
        session.commit()
