"""Factories for merchant-list tests: valid rows, and the files a clerk would upload."""

import csv
import random
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.core.settings import Settings
from server.merchants.importer import ImportReport, import_merchants
from server.merchants.models import Merchant
from server.merchants.uscc import make_uscc

__all__ = [
    "CHINESE",
    "ENGLISH",
    "FIELDS",
    "merchant",
    "rows_of",
    "run",
    "stored",
    "write_csv",
    "write_xlsx",
]

SETTINGS = Settings()
CHINESE = [
    "统一社会信用代码",
    "名称",
    "地址",
    "街道",
    "经度",
    "纬度",
    "坐标系",
    "行业",
    "联系人",
    "电话",
]
ENGLISH = [
    "USCC",
    "Name",
    "Address",
    "Street",
    "Longitude",
    "Latitude",
    "CRS",
    "Business Type",
    "Contact",
    "Phone",
]
FIELDS = [
    "uscc",
    "name",
    "address",
    "street",
    "lng",
    "lat",
    "crs",
    "business_type",
    "contact",
    "phone",
]


def merchant(rng: random.Random, **changes: object) -> dict[str, object]:
    """A valid row for Hubin street (湖滨街道)."""
    n = rng.randrange(10_000)
    row = {
        "uscc": make_uscc(rng),
        "name": f"湖滨小吃{n}号店",
        "address": f"湖滨路{n}号",
        "street": "湖滨街道",
        "lng": round(120.168 + rng.uniform(-0.004, 0.004), 6),
        "lat": round(30.259 + rng.uniform(-0.004, 0.004), 6),
        "crs": "",
        "business_type": "餐饮",
        "contact": "王小二",
        "phone": f"1380000{n:04d}",
    }
    row.update(changes)
    return row


def rows_of(count: int, seed: int = 1) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [merchant(rng) for _ in range(count)]


def write_csv(
    path: Path, rows: list[dict[str, object]], header: list[str] = CHINESE, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows([row[f] for f in FIELDS] for row in rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, object]], header: list[str] = CHINESE) -> Path:
    """A workbook as Excel saves it: phone numbers typed as numbers, a second sheet of notes."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        values = [row[f] for f in FIELDS]
        values[FIELDS.index("phone")] = int(row["phone"])
        sheet.append(values)
    book.create_sheet("说明").append(["这一页不是商户"])
    book.save(path)
    return path


def stored(engine: Engine) -> dict[str, Merchant]:
    """The merchants in the database, by credit code."""
    with Session(engine) as session:
        return {m.uscc: m for m in session.exec(select(Merchant))}


def run(engine: Engine, path: Path, **kwargs: object) -> ImportReport:
    return import_merchants(engine, path, settings=SETTINGS, **kwargs)
