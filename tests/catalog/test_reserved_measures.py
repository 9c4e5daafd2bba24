"""The catalogue's 区级保留措施 column: which decision measures of a matter are reserved to the
district (级别管辖). Blank reserves the major ones, 无 none; an unknown measure is refused on
its line; the export writes it back as the import reads it."""

from openpyxl import load_workbook
from sqlmodel import Session, select

from server.catalog.models import Matter
from server.import_cli import export_group
from tests.catalog.test_import import ITEMS
from tests.org.test_import import invoke, workbook

MAJOR = [
    "large_fine",
    "demote_qualification",
    "revoke_licence",
    "suspend",
    "close",
    "restrict_practice",
]
MATTERS = [
    ["事项编码", "事项名称", "部门", "层级", "领域", "法律依据", "区级保留措施"],
    [
        "SC-001",
        "食品经营许可公示",
        "scjg",
        "街道",
        "市场监管",
        "《食品安全法》",
        "吊销许可证件；罚款",
    ],
    ["XF-001", "消防通道", "消防", "区级", "消防安全", "《消防法》", ""],
    ["ZH-001", "门前三包", "zhzf", "街道", "市容环卫", "《条例》", "无"],
    ["ZH-002", "占道经营", "zhzf", "街道", "市容环卫", "《条例》", "没收违法所得、流放"],
]


def _reserved(engine) -> dict[str, list[str]]:
    with Session(engine) as session:
        return {m.code: m.reserved_measures for m in session.exec(select(Matter))}


def test_the_column_sets_each_matters_reserved_measures_and_refuses_unknown_words(
    database_url, sync_engine, district, tmp_path
):
    path = workbook(tmp_path / "清单.xlsx", {"事项": MATTERS, "检查项": ITEMS[:2]})
    result = invoke(database_url, "catalogue", str(path))
    assert result.exit_code == 1, result.output
    assert "事项" in result.output and "第5行" in result.output and "流放" in result.output
    reserved = _reserved(sync_engine)
    assert reserved == {
        "SC-001": ["fine", "revoke_licence"],
        "XF-001": MAJOR,
        "ZH-001": [],
    }

    out = tmp_path / "导出.xlsx"
    assert invoke(database_url, "catalogue", str(out), group=export_group).exit_code == 0
    rows = list(load_workbook(out)["事项"].iter_rows(values_only=True))
    exported = {row[0]: row[6] for row in rows[1:]}
    assert exported["SC-001"] == "罚款；吊销许可证件" and exported["ZH-001"] == "无"
    again = invoke(database_url, "catalogue", str(out))
    assert again.exit_code == 0 and "更新0" in again.output
    assert _reserved(sync_engine) == reserved


def test_a_sheet_without_the_column_keeps_what_each_matter_reserves(
    database_url, sync_engine, district, tmp_path
):
    first = workbook(tmp_path / "a.xlsx", {"事项": MATTERS[:4]})
    assert invoke(database_url, "catalogue", str(first)).exit_code == 0
    older = [row[:6] for row in MATTERS[:4]]
    second = workbook(tmp_path / "b.xlsx", {"事项": older})
    assert invoke(database_url, "catalogue", str(second)).exit_code == 0
    assert _reserved(sync_engine)["ZH-001"] == []
