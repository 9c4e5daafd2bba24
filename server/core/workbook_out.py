"""Workbooks written row by row (templates, exports), in the tables' own sheet names and
header labels, so that what is written reads back in (server.core.workbook)."""

from collections.abc import Iterable
from pathlib import Path

from server.core.workbook import Table

__all__ = ["write_workbook"]


def write_workbook(
    path: str | Path,
    sheets: Iterable[tuple[Table, Iterable[Iterable[object]]]],
    notes: Iterable[str] = (),
) -> None:
    """Write each table as a sheet (header of labels, then its rows), streaming; `notes`, if
    any, go to a last sheet 说明 one line per row."""
    from openpyxl import Workbook as Book
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Book(write_only=True)
    for table, rows in sheets:
        sheet = book.create_sheet(table.title)
        header = []
        for label in table.labels:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
    lines = list(notes)
    if lines:
        sheet = book.create_sheet("说明")
        for line in lines:
            sheet.append([line])
    book.save(str(path))
