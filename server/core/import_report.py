"""What an import of a workbook did: per sheet, rows added, updated, unchanged and rejected,
each rejected row with its sheet, line, key and reason as a person can act on them."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from server.core.i18n import t
from server.core.inputs import shown
from server.core.workbook import RowSource, Table, WorkbookError, open_workbook

__all__ = [
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_UNREADABLE",
    "ImportReport",
    "Rejected",
    "RowError",
    "SheetCounts",
    "read_sheets",
]

# Exit status of every import command: all rows in, some rows left out, nothing could be read.
EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


class RowError(Exception):
    """What is wrong with one row, as the message `key` of server.core.i18n."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(t(key, **values))


class Rejected(NamedTuple):
    sheet: str
    line: int
    key: str
    reason: str


@dataclass
class SheetCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.rejected


@dataclass
class ImportReport:
    file: str
    sheets: dict[str, SheetCounts] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)

    def counts(self, sheet: str) -> SheetCounts:
        return self.sheets.setdefault(sheet, SheetCounts())

    def reject(self, sheet: str, line: int, key: str, reason: str) -> None:
        """Leave a row out; its key as the reasons quote a value, invisible and
        direction-changing characters written out, so the line reads as the row is."""
        self.counts(sheet).rejected += 1
        self.rejected.append(Rejected(sheet, line, shown(key, len(key)), reason))

    def read_rows(
        self,
        table: Table,
        source: RowSource,
        key_of: Callable[[list[str]], str],
        store: Callable[[RowSource, list[str], int], str],
    ) -> None:
        """Each row of the sheet through `store(source, cells, line)`, which answers "added",
        "updated" or "unchanged" or raises RowError; a row whose key came earlier in the sheet
        is rejected as a repeat. Blank rows are skipped."""
        seen: dict[str, int] = {}
        counts = self.counts(table.title)
        for line, cells in source.rows:
            if source.blank(cells):
                continue
            key = key_of(cells)
            if key in seen:
                self.reject(table.title, line, key, t("import.repeated", line=seen[key]))
                continue
            try:
                outcome = store(source, cells, line)
            except RowError as exc:
                self.reject(table.title, line, key, str(exc))
                continue
            seen[key] = line
            setattr(counts, outcome, getattr(counts, outcome) + 1)

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.rejected else EXIT_OK

    def summary(self) -> str:
        parts = [
            t(
                "import.summary_sheet",
                sheet=sheet,
                total=c.total,
                added=c.added,
                updated=c.updated,
                unchanged=c.unchanged,
                rejected=c.rejected,
            )
            for sheet, c in self.sheets.items()
        ]
        return "；".join(parts) if parts else t("import.summary_empty")

    def rejects_text(self) -> str:
        return "\n".join(
            f"  {r.sheet} 第{r.line}行 {r.key}：{r.reason}"
            if r.key
            else f"  {r.sheet} 第{r.line}行：{r.reason}"
            for r in self.rejected
        )

    def write_rejects(self, path: Path) -> None:
        # utf-8-sig: Excel on a Chinese desktop opens it without garbling.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["工作表", "行号", "代码", "原因"])
            out.writerows(self.rejected)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "sheets": {
                name: {
                    "added": c.added,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                    "rejected": c.rejected,
                }
                for name, c in self.sheets.items()
            },
            "rejected": [r._asdict() for r in self.rejected],
        }


def read_sheets(
    path: str | Path,
    steps: Iterable[tuple[Table, Callable[[Table, RowSource], None]]],
    expected: Iterable[Table],
) -> None:
    """Read each table's sheet of the workbook at `path`, in order, through its step. Sheets
    may be left out, but not all of them, and every present sheet's header is checked before
    any row is read (a sheet lacking a required column stops the import with nothing read)."""
    with open_workbook(path) as book:
        present = [(t_, step) for t_, step in steps if any(t_.is_named(n) for n in book.titles)]
        if not present:
            names = "、".join(table.title for table in expected)
            raise WorkbookError(t("import.no_sheets", expected=names, found="、".join(book.titles)))
        for table, _ in present:
            book.sheet(table)
        for table, step in present:
            source = book.sheet(table)
            assert source is not None
            step(table, source)
