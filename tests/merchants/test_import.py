"""Importing a merchant list: what a clerk sees after loading a spreadsheet."""

import random

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.catalog.models import Scenario, ScenarioBusinessType
from server.core.geo import haversine_m, wgs84_to_gcj02
from server.merchants.import_dedupe import SeenCodes
from server.merchants.models import Merchant, MerchantScenario
from tests.merchants.factories import (
    CHINESE,
    ENGLISH,
    FIELDS,
    merchant,
    rows_of,
    run,
    stored,
    write_csv,
    write_xlsx,
)


def test_a_csv_with_chinese_headers_lands_every_merchant(sync_engine, district, tmp_path):
    rows = rows_of(3)
    report = run(sync_engine, write_csv(tmp_path / "商户.csv", rows))
    assert (report.total, report.imported, report.updated, report.rejected) == (3, 3, 0, [])
    merchants = stored(sync_engine)
    assert set(merchants) == {r["uscc"] for r in rows}
    for row in rows:
        m = merchants[row["uscc"]]
        assert (m.name, m.address, m.business_type, m.contact, m.phone) == (
            row["name"],
            row["address"],
            "餐饮",
            "王小二",
            row["phone"],
        )
        assert (m.lat, m.lng) == (row["lat"], row["lng"])
        assert m.street_id == district["hubin"]
        assert m.colour == "green" and m.active and len(m.qr_token) == 32
    assert len({m.qr_token for m in merchants.values()}) == 3


def test_english_headers_in_any_case_and_spacing_are_understood(sync_engine, district, tmp_path):
    header = [
        " uscc",
        "NAME ",
        "address",
        "street",
        "longitude",
        "LATITUDE",
        "crs",
        "business type",
        "contact",
        "phone",
    ]
    rows = rows_of(2)
    assert run(sync_engine, write_csv(tmp_path / "m.csv", rows, header)).imported == 2
    assert run(sync_engine, write_csv(tmp_path / "n.csv", rows_of(2, 9), ENGLISH)).imported == 2


def test_an_xlsx_workbook_is_read_from_its_first_sheet(sync_engine, district, tmp_path):
    rows = rows_of(3)
    report = run(sync_engine, write_xlsx(tmp_path / "商户.xlsx", rows))
    assert (report.imported, report.rejected) == (3, [])
    merchants = stored(sync_engine)
    assert merchants[rows[0]["uscc"]].phone == rows[0]["phone"]
    assert merchants[rows[0]["uscc"]].lat == rows[0]["lat"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_chinese_excel_exports_are_read_in_their_encoding(
    sync_engine, district, tmp_path, encoding
):
    rows = rows_of(2)
    rows[0]["name"] = "钱塘江畔·老杭帮菜馆"
    report = run(sync_engine, write_csv(tmp_path / "m.csv", rows, encoding=encoding))
    assert (report.imported, report.rejected) == (2, [])
    assert stored(sync_engine)[rows[0]["uscc"]].name == "钱塘江畔·老杭帮菜馆"


def test_bad_rows_are_reported_with_their_line_while_good_rows_land(
    sync_engine, district, tmp_path
):
    rng = random.Random(5)
    good = [merchant(rng) for _ in range(3)]
    wrong_check = merchant(rng, uscc="91330100716105852E")
    rows = [
        good[0],  # line 2
        wrong_check,  # line 3
        merchant(rng, name=""),  # line 4
        merchant(rng, street="西湖"),  # line 5
        merchant(rng, lng="一二零"),  # line 6
        merchant(rng, lng=121.47, lat=31.23),  # line 7: Shanghai
        merchant(rng, lng=30.259, lat=120.168),  # line 8: swapped
        merchant(rng, crs="火星"),  # line 9
        good[1],  # line 10
        merchant(rng, uscc=good[0]["uscc"]),  # line 11: repeats line 2
        merchant(rng, phone="1" * 40),  # line 12
        good[2],  # line 13
    ]
    report = run(sync_engine, write_csv(tmp_path / "m.csv", rows))
    assert (report.total, report.imported) == (12, 3)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "统一社会信用代码校验位错误：应为 F，实为 E"),
        (4, "名称为空"),
        (5, "未知街道“西湖”（请填本区街道名称，如“湖滨街道”或“湖滨”）"),
        (6, "经度不是数字：“一二零”"),
        (
            7,
            "坐标不在辖区范围内：经度 121.47，纬度 31.23"
            "（辖区约为东经 120.12–120.32、北纬 30.18–30.38）",
        ),
        (8, "经度、纬度填反了（本区经度约 120，纬度约 30）"),
        (9, "未知坐标系“火星”（可用 WGS84、GCJ02、BD09）"),
        (11, "统一社会信用代码与第2行重复（已按第2行导入）"),
        (12, "电话过长（最多32字，实为40字）"),
    ]
    assert report.rejected[0].uscc == "91330100716105852E"
    assert (
        report.rejects_text().splitlines()[0] == "第3行：统一社会信用代码校验位错误：应为 F，实为 E"
    )
    merchants = stored(sync_engine)
    assert set(merchants) == {g["uscc"] for g in good}
    assert merchants[good[0]["uscc"]].name == good[0]["name"]  # the first of the repeats wins


def test_every_problem_of_a_row_is_named_at_once(sync_engine, district, tmp_path):
    rows = [merchant(random.Random(1), uscc="123", name="", street="", lat="")]
    report = run(sync_engine, write_csv(tmp_path / "m.csv", rows))
    assert (
        report.rejects_text()
        == "第2行：统一社会信用代码应为18位，实际3位；名称为空；街道为空；纬度为空"
    )


def test_running_the_same_file_again_changes_nothing(sync_engine, district, tmp_path):
    path = write_csv(tmp_path / "m.csv", rows_of(7))
    first = run(sync_engine, path, batch_size=3)
    before = stored(sync_engine)
    again = run(sync_engine, path, batch_size=3)
    assert (first.imported, first.updated, first.unchanged) == (7, 0, 0)
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 7, [])
    after = stored(sync_engine)
    assert {u: (m.id, m.qr_token, m.updated_at) for u, m in after.items()} == {
        u: (m.id, m.qr_token, m.updated_at) for u, m in before.items()
    }


def test_a_changed_row_updates_the_merchant_and_keeps_its_code(sync_engine, district, tmp_path):
    rows = rows_of(4)
    run(sync_engine, write_csv(tmp_path / "m.csv", rows))
    with Session(sync_engine) as session:  # inspections have since turned it red
        m = session.exec(select(Merchant).where(Merchant.uscc == rows[1]["uscc"])).one()
        m.colour = "red"
        session.add(m)
        session.commit()
    before = stored(sync_engine)[rows[1]["uscc"]]
    rows[1].update(name="湖滨小吃（新店名）", street="qingbo", lat=30.2431, lng=120.1642)
    rows.append(merchant(random.Random(99)))
    report = run(sync_engine, write_csv(tmp_path / "m2.csv", rows), batch_size=2)
    assert (report.imported, report.updated, report.unchanged) == (1, 1, 3)
    after = stored(sync_engine)[rows[1]["uscc"]]
    assert (after.id, after.qr_token, after.colour) == (before.id, before.qr_token, "red")
    assert (after.name, after.street_id) == ("湖滨小吃（新店名）", district["qingbo"])
    assert (after.lat, after.lng) == (30.2431, 120.1642)
    assert after.updated_at > before.updated_at
    assert len(stored(sync_engine)) == 5


def test_stray_spaces_are_trimmed_from_every_cell(sync_engine, district, tmp_path):
    row = merchant(random.Random(3))
    code = row["uscc"]
    spaced = {
        **row,
        "uscc": f" {code[:6]} {code[6:]}\u3000",
        "name": "\u3000湖滨小吃 ",
        "street": " 湖滨 ",
        "lng": f" {row['lng']}\u3000",
        "lat": f"\t{row['lat']}",
        "contact": "王小二\u3000",
        "phone": f" {row['phone']} ",
    }
    report = run(sync_engine, write_csv(tmp_path / "m.csv", [spaced]))
    assert report.rejected == []
    m = stored(sync_engine)[code]
    assert (m.name, m.contact, m.phone) == ("湖滨小吃", "王小二", row["phone"])
    assert (m.lat, m.lng) == (row["lat"], row["lng"])


def test_the_coordinate_system_column_is_honoured(sync_engine, district, tmp_path):
    rng = random.Random(4)
    true_lat, true_lng = 30.2590, 120.1680
    gcj_lat, gcj_lng = wgs84_to_gcj02(true_lat, true_lng)
    rows = [
        merchant(rng, lat=gcj_lat, lng=gcj_lng, crs="GCJ-02"),
        merchant(rng, lat=gcj_lat, lng=gcj_lng, crs=""),
    ]
    report = run(sync_engine, write_csv(tmp_path / "m.csv", rows))
    assert report.rejected == []
    merchants = stored(sync_engine)
    converted, taken_as_is = merchants[rows[0]["uscc"]], merchants[rows[1]["uscc"]]
    assert haversine_m(true_lat, true_lng, converted.lat, converted.lng) < 2
    assert haversine_m(true_lat, true_lng, taken_as_is.lat, taken_as_is.lng) > 300


def test_a_repeat_in_a_later_batch_is_caught(sync_engine, district, tmp_path):
    rows = rows_of(9)
    rows.insert(8, {**rows[1], "name": "后来的同码商户"})  # line 10 repeats line 3
    report = run(sync_engine, write_csv(tmp_path / "m.csv", rows), batch_size=2)
    assert (report.imported, [(r.line, r.uscc) for r in report.rejected]) == (
        9,
        [(10, rows[1]["uscc"])],
    )
    assert stored(sync_engine)[rows[1]["uscc"]].name == rows[1]["name"]


def test_merchants_join_the_scenarios_of_their_business_type(sync_engine, district, tmp_path):
    with Session(sync_engine) as session:
        for code, name, business_type in (
            ("food", "餐饮店", "餐饮"),
            ("hair", "美容美发", "美容美发"),
        ):
            scenario = Scenario(code=code, name=name)
            session.add(scenario)
            session.add(ScenarioBusinessType(scenario_id=scenario.id, business_type=business_type))
        session.commit()
    rows = [*rows_of(2), merchant(random.Random(8), business_type="网吧")]
    path = write_csv(tmp_path / "m.csv", rows)
    run(sync_engine, path)
    run(sync_engine, path)  # linking again is harmless
    with Session(sync_engine) as session:
        links = session.exec(
            select(Merchant.uscc, Scenario.code)
            .where(MerchantScenario.merchant_id == Merchant.id)
            .where(MerchantScenario.scenario_id == Scenario.id)
        ).all()
    assert sorted(links) == sorted((r["uscc"], "food") for r in rows[:2])


def test_an_import_is_written_to_the_audit_trail(sync_engine, district, tmp_path):
    rows = [*rows_of(2), merchant(random.Random(2), name="")]
    run(sync_engine, write_csv(tmp_path / "商户.csv", rows))
    with Session(sync_engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "merchant.import"))
        (event,) = events.all()
    assert event.detail["file"] == "商户.csv"
    assert (event.detail["imported"], event.detail["rejected"]) == (2, 1)


def test_progress_is_reported_up_to_the_whole_file(sync_engine, district, tmp_path):
    calls: list[tuple[int, int]] = []
    run(
        sync_engine,
        write_csv(tmp_path / "m.csv", rows_of(5)),
        on_progress=lambda *a: calls.append(a),
    )
    assert calls[-1][0] == calls[-1][1] == (tmp_path / "m.csv").stat().st_size


def test_line_numbers_are_the_rows_the_spreadsheet_shows(sync_engine, district, tmp_path):
    good, bad = rows_of(2)
    bad["name"] = ""
    book = Workbook()
    sheet = book.active
    sheet.append(["上城区商户名单（2026年11月）"])  # a title above the header
    sheet.append(CHINESE)
    sheet.append([good[f] for f in FIELDS])
    sheet.append([])
    sheet.append([bad[f] for f in FIELDS])
    book.save(tmp_path / "m.xlsx")
    report = run(sync_engine, tmp_path / "m.xlsx")
    assert (report.imported, report.rejects_text()) == (1, "第5行：名称为空")
    multiline = {**good, "uscc": bad["uscc"], "address": "湖滨路1号\n2楼"}  # Alt+Enter in a cell
    path = write_csv(tmp_path / "m.csv", [multiline, bad])
    assert run(sync_engine, path).rejects_text() == "第3行：名称为空"


def test_a_false_alarm_of_the_repeat_filter_loses_no_row(
    sync_engine, district, tmp_path, monkeypatch
):
    monkeypatch.setattr(SeenCodes, "add", lambda self, code: True)  # every code "maybe seen"
    rows = rows_of(4)
    rows.append({**rows[2], "name": "重复"})
    report = run(sync_engine, write_csv(tmp_path / "m.csv", rows))
    assert (report.imported, [(r.line, r.reason) for r in report.rejected]) == (
        4,
        [(6, "统一社会信用代码与第4行重复（已按第4行导入）")],
    )
