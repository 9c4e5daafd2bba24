"""Spreadsheets in and out: a table's rows streamed from CSV or XLSX whatever the headers say,
a workbook's sheets found by their names, and workbooks written row by row.

A district's lists come from many offices' Excel files: headers in Chinese or English, with
notes in brackets (「统一社会信用代码（必填）」), a title row above them, text saved as GBK. A
`Table` names its columns with every header a sheet may use; the reader finds the header row,
maps the columns and yields each later row as `(line, cells)` with `line` the row number a
person sees in Excel. Nothing holds more than a row at a time, so a file of any size reads in
flat memory. The domains' importers (merchants, org, catalog) build on this; it knows none of
them.
"""

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "RowSource",
    "Table",
    "Workbook",
    "WorkbookError",
    "header_key",
    "open_rows",
    "open_workbook",
]

_HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in exported sheets
_CHUNK = 1 << 20


class WorkbookError(Exception):
    """The file (or one of its sheets) cannot be read as a whole; the message says what to fix."""


def header_key(raw: object) -> str:
    """A header or sheet name compared loosely: width, case, spaces, `*` and notes ignored."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().lstrip("*").lower()
    text = re.split(r"[(\[【]", text, maxsplit=1)[0]  # 统一社会信用代码（必填） → 统一社会信用代码
    return re.sub(r"[\s_\-.*/]", "", text)


@dataclass(frozen=True)
class Table:
    """One kind of row: its sheet names, its columns and the headers each may appear under.

    `columns` maps a column to its names separated by spaces; the first is the label used in
    templates and messages. `required` columns must be in the header.
    """

    key: str
    names: tuple[str, ...]
    columns: dict[str, str]
    required: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.names[0]

    def label(self, column: str) -> str:
        return self.columns[column].split()[0]

    @property
    def labels(self) -> list[str]:
        return [self.label(c) for c in self.columns]

    def header(self, cells: list[str]) -> dict[str, int]:
        keys = {
            header_key(alias): column
            for column, names in self.columns.items()
            for alias in names.split()
        }
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            column = keys.get(header_key(cell))
            if column and column not in found:
                found[column] = index
        return found

    def is_named(self, title: str) -> bool:
        return header_key(title) in {header_key(n) for n in self.names}


@dataclass
class RowSource:
    """Rows after the header: `(line, cells)`; `get(cells, column)` reads one cell as text."""

    columns: dict[str, int]
    rows: Iterator[tuple[int, list[str]]]
    progress: Callable[[], tuple[int, int]]
    table: Table | None = None

    def label(self, column: str) -> str:
        return self.table.label(column) if self.table else column

    def get(self, cells: list[str], column: str) -> str:
        index = self.columns.get(column)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    def blank(self, cells: list[str]) -> bool:
        return not any(c.strip() for c in cells)


def _find_header(rows: Iterator[tuple[int, list[str]]], table: Table, where: str) -> dict[str, int]:
    """Consume rows up to and including the header; return the column positions. The header is
    the first row naming two known columns (one, for a table of one), so a title is skipped."""
    enough = min(2, len(table.columns))
    first: dict[str, int] | None = None
    for line, cells in rows:
        if any(c.strip() for c in cells):
            columns = table.header(cells)
            if len(columns) >= enough:
                first = columns
                break
            first = columns if first is None else first
        if line >= _HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise WorkbookError(f"{where}是空的：没有表头和数据")
    missing = [table.label(c) for c in table.required if c not in first]
    if missing:
        raise WorkbookError(
            f"{where}缺少必需的列：{'、'.join(missing)}"
            f"（表头须含：{'、'.join(table.label(c) for c in table.required)}）"
        )
    return first


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and codes typed as numbers
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()  # a date typed into a date cell
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM), utf-16 with BOM, else GB18030 (Chinese Excel's default)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in head:
        raise WorkbookError("文件不是文本格式的 CSV（请使用 CSV 或 XLSX 文件）")
    for encoding in ("utf-8-sig", "gb18030"):
        # Decode the whole file in chunks: flat memory, and a bad byte near the end is caught.
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise WorkbookError("无法识别文件编码（请另存为 UTF-8 或 GBK 编码的 CSV）")


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Number the records as a spreadsheet numbers its rows (a quoted line break stays in one)."""
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, cells
    except csv.Error as exc:
        raise WorkbookError(f"第{line + 1}行附近 CSV 格式错误：{exc}") from exc


@contextmanager
def _csv_rows(path: Path, table: Table) -> Iterator[RowSource]:
    encoding = _detect_encoding(path)
    total = path.stat().st_size
    with path.open(encoding=encoding, newline="") as text:
        sample = text.readline()
        text.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        records = _csv_records(csv.reader(text, delimiter=delimiter))
        columns = _find_header(records, table, "文件")
        # The byte offset under the text layer is a good enough measure of progress.
        yield RowSource(columns, records, lambda: (min(text.buffer.tell(), total), total), table)


def _sheet_rows(sheet: Any, table: Table, where: str) -> RowSource:
    total = sheet.max_row or 0
    done = [0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        # openpyxl yields missing rows as empty ones, so the count is the sheet's row number.
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            done[0] = line
            yield line, [_cell_text(v) for v in values]

    records = rows()
    columns = _find_header(records, table, where)
    return RowSource(columns, records, lambda: (done[0], max(total, done[0])), table)


def _checked_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"找不到文件：{path}")
    with path.open("rb") as fh:
        magic = fh.read(8)
    if not magic:
        raise WorkbookError("文件是空的：没有表头和数据")
    if magic.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        raise WorkbookError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    return path


def _is_xlsx(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm")


def _load(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise WorkbookError(f"无法打开 XLSX 文件：{exc}") from exc


@contextmanager
def open_rows(path: str | Path, table: Table) -> Iterator[RowSource]:
    """A CSV file, or an XLSX file's first sheet, read as rows of `table`."""
    path = _checked_path(path)
    if _is_xlsx(path):
        book = _load(path)
        try:
            yield _sheet_rows(book.worksheets[0], table, "文件")
        finally:
            book.close()
    elif path.suffix.lower() in (".csv", ".txt", ".tsv", ""):
        with _csv_rows(path, table) as source:
            yield source
    else:
        raise WorkbookError(f"不支持的文件类型 {path.suffix}（请使用 CSV 或 XLSX）")


class Workbook:
    """An XLSX file whose sheets hold different tables, found by their names."""

    def __init__(self, book: Any) -> None:
        self._book = book

    @property
    def titles(self) -> list[str]:
        return list(self._book.sheetnames)

    def sheet(self, table: Table) -> RowSource | None:
        """The rows of the sheet named like `table` (Chinese or English), or None if absent."""
        for title in self._book.sheetnames:
            if table.is_named(title):
                return _sheet_rows(self._book[title], table, f"工作表「{title}」")
        return None


@contextmanager
def open_workbook(path: str | Path) -> Iterator[Workbook]:
    path = _checked_path(path)
    if not _is_xlsx(path):
        raise WorkbookError("请使用 XLSX 工作簿（每类数据一个工作表）")
    book = _load(path)
    try:
        yield Workbook(book)
    finally:
        book.close()
