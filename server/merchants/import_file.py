"""Reading a merchant list (CSV or XLSX) as a stream of rows, whatever its headers and encoding."""

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

__all__ = ["COLUMN_LABELS", "REQUIRED", "ImportFileError", "RowSource", "open_rows"]

# Canonical column → names a spreadsheet may use (compared after _header_key).
_ALIASES = {
    "uscc": "统一社会信用代码 社会信用代码 信用代码 uscc creditcode unifiedsocialcreditcode",
    "name": "名称 商户名称 企业名称 单位名称 主体名称 市场主体名称 店名 name merchantname",
    "address": "地址 经营地址 经营场所 详细地址 住所 address addr",
    "street": "街道 所属街道 街道名称 street",
    "lng": "经度 lng lon long longitude",
    "lat": "纬度 lat latitude",
    "crs": "坐标系 坐标类型 坐标系统 crs coordinatesystem srs",
    "business_type": "行业 行业类型 行业类别 业态 经营类别 businesstype industry type",
    "contact": "联系人 负责人 经营者 法定代表人 contact contactname",
    "phone": "电话 联系电话 手机 手机号 phone tel telephone mobile",
}
COLUMN_LABELS = {column: names.split()[0] for column, names in _ALIASES.items()}
REQUIRED = ("uscc", "name", "street", "lng", "lat")
_HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in exported sheets
_CHUNK = 1 << 20


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says what to fix."""


@dataclass
class RowSource:
    """Rows after the header: `(line, cells)` with cells aligned to `columns`."""

    columns: dict[str, int]
    rows: Iterator[tuple[int, list[str]]]
    progress: Callable[[], tuple[int, int]]


def _header_key(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().lstrip("*").lower()
    text = re.split(r"[(\[【]", text, maxsplit=1)[0]  # 统一社会信用代码（必填） → 统一社会信用代码
    return re.sub(r"[\s_\-.*]", "", text)


_KEYS = {_header_key(alias): col for col, names in _ALIASES.items() for alias in names.split()}


def _map_header(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _KEYS.get(_header_key(cell))
        if column and column not in columns:
            columns[column] = index
    return columns


def _find_header(rows: Iterator[tuple[int, list[str]]]) -> dict[str, int]:
    """Consume rows up to and including the header; return the column positions.

    The header is the first row naming two known columns, so a title above it is skipped.
    """
    first: dict[str, int] | None = None
    for line, cells in rows:
        if any(c.strip() for c in cells):
            columns = _map_header(cells)
            if len(columns) >= 2:
                first = columns
                break
            first = columns if first is None else first
        if line >= _HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError("文件是空的：没有表头和数据")
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in first]
    if missing:
        raise ImportFileError(
            f"缺少必需的列：{'、'.join(missing)}"
            f"（表头须含：{'、'.join(COLUMN_LABELS[c] for c in REQUIRED)}）"
        )
    return first


def _detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM), utf-16 with BOM, else GB18030 (Chinese Excel's default)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in head:
        raise ImportFileError("文件不是文本格式的 CSV（请使用 CSV 或 XLSX 文件）")
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
    raise ImportFileError("无法识别文件编码（请另存为 UTF-8 或 GBK 编码的 CSV）")


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Number the records as a spreadsheet numbers its rows (a quoted line break stays in one)."""
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, cells
    except csv.Error as exc:
        raise ImportFileError(f"第{line + 1}行附近 CSV 格式错误：{exc}") from exc


@contextmanager
def _csv_rows(path: Path) -> Iterator[RowSource]:
    encoding = _detect_encoding(path)
    total = path.stat().st_size
    with path.open(encoding=encoding, newline="") as text:
        sample = text.readline()
        text.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        records = _csv_records(csv.reader(text, delimiter=delimiter))
        columns = _find_header(records)
        # The byte offset under the text layer is a good enough measure of progress.
        yield RowSource(columns, records, lambda: (min(text.buffer.tell(), total), total))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and codes typed as numbers
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[RowSource]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(f"无法打开 XLSX 文件：{exc}") from exc
    try:
        sheet = book.worksheets[0]
        total = sheet.max_row or 0
        done = [0]

        def rows() -> Iterator[tuple[int, list[str]]]:
            # openpyxl yields missing rows as empty ones, so the count is the sheet's row number.
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                done[0] = line
                yield line, [_cell_text(v) for v in values]

        records = rows()
        columns = _find_header(records)
        yield RowSource(columns, records, lambda: (done[0], max(total, done[0])))
    finally:
        book.close()


@contextmanager
def open_rows(path: str | Path) -> Iterator[RowSource]:
    """Open a CSV or XLSX merchant list; raise ImportFileError if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"找不到文件：{path}")
    with path.open("rb") as fh:
        magic = fh.read(8)
    if not magic:
        raise ImportFileError("文件是空的：没有表头和数据")
    suffix = path.suffix.lower()
    if magic.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise ImportFileError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    if magic.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        with _xlsx_rows(path) as source:
            yield source
    elif suffix in (".csv", ".txt", ".tsv", ""):
        with _csv_rows(path) as source:
            yield source
    else:
        raise ImportFileError(f"不支持的文件类型 {suffix}（请使用 CSV 或 XLSX）")
