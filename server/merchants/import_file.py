"""A merchant list (CSV or XLSX) as a table of the kernel's spreadsheet reader."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.core.workbook import RowSource, Table, WorkbookError
from server.core.workbook import open_rows as open_table
from server.core.workbook_out import write_workbook

__all__ = [
    "COLUMN_LABELS",
    "MERCHANTS",
    "REQUIRED",
    "ImportFileError",
    "RowSource",
    "open_rows",
    "write_merchant_template",
]

ImportFileError = WorkbookError

# Canonical column → names a spreadsheet may use; the first is the template's label.
MERCHANTS = Table(
    key="merchants",
    names=("商户", "merchants"),
    columns={
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
    },
    required=("uscc", "name", "street", "lng", "lat"),
)
COLUMN_LABELS = {column: MERCHANTS.label(column) for column in MERCHANTS.columns}
REQUIRED = MERCHANTS.required


@contextmanager
def open_rows(path: str | Path) -> Iterator[RowSource]:
    """Open a CSV or XLSX merchant list; raise ImportFileError if it cannot be read."""
    with open_table(path, MERCHANTS) as source:
        yield source


EXAMPLE = (
    "91330102MA2XXXXXX0",
    "示例餐馆",
    "解放路1号",
    "湖滨街道",
    120.168,
    30.259,
    "WGS84",
    "餐饮",
    "张三",
    "13800000000",
)


def write_merchant_template(path: str | Path) -> None:
    """An empty merchant list with its headers and one example row."""
    write_workbook(path, [(MERCHANTS, [EXAMPLE])])
