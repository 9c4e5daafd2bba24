"""`onevisit import catalogue FILE`: a district's 一张清单 — matters, check items, empowerment by
street and date, scenarios — every bad row named, the same file twice changing nothing."""

from datetime import date

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from server.audit.models import AuditEvent
from server.catalog.models import (
    CheckItem,
    EnforcementDomain,
    Matter,
    MatterEmpowerment,
    Scenario,
    ScenarioBusinessType,
)
from server.import_cli import export_group
from server.merchants.models import Merchant, MerchantScenario
from server.planning.gather import load_catalogue
from tests.org.test_import import invoke, workbook
from tests.support.factories import make_merchants

MATTERS = [
    ["事项编码", "事项名称", "部门", "层级", "领域", "法律依据"],
    ["SC-001", "食品经营许可公示", "scjg", "街道", "市场监管", "《食品安全法》"],
    ["XF-001", "消防通道", "消防", "区级", "消防安全", "《消防法》"],
    ["ZH-001", "门前三包", "zhzf", "街道", "市容环卫", "《杭州市市容环境卫生管理条例》"],
]
ITEMS = [
    ["检查项编码", "事项编码", "检查内容", "重点项", "不予处罚", "依据"],
    ["SC-001-01", "SC-001", "许可证是否公示", "否", "是", "第一百二十六条"],
    ["XF-001-01", "XF-001", "消防通道是否畅通", "是", "否", ""],
    ["ZH-001-01", "ZH-001", "门前是否整洁", "否", "否", ""],
]
EMPOWERMENT = [
    ["事项编码", "街道", "生效日期", "截止日期"],
    ["ZH-001", "全部", "", ""],
    ["SC-001", "hubin", "2026-01-01", "2026-06-30"],
    ["XF-001", "湖滨", "2026-03-01", ""],
]
SCENARIOS = [
    ["场景编码", "场景名称", "来源", "行业", "检查项"],
    ["CJ-01", "餐饮店一件事", "省级认领", "餐饮；小吃", "SC-001-01；XF-001-01；ZH-001-01"],
    ["CJ-02", "便利店一件事", "特色", "便利店", "ZH-001-01"],
]


def catalogue_book(path, **changes):
    sheets = {"事项": MATTERS, "检查项": ITEMS, "赋权": EMPOWERMENT, "场景": SCENARIOS}
    return workbook(path, {**sheets, **changes})


def test_a_catalogue_workbook_fills_an_empty_catalogue(
    database_url, sync_engine, district, tmp_path
):
    shop_id = make_merchants(sync_engine, 1)[0].id
    with Session(sync_engine) as session:
        session.get(Merchant, shop_id).business_type = "小吃"
        session.commit()
    result = invoke(database_url, "catalogue", str(catalogue_book(tmp_path / "清单.xlsx")))
    assert result.exit_code == 0, result.output
    assert "检查项：共3行，新增3，更新0，未变0，拒绝0" in result.stdout
    with Session(sync_engine) as session:
        matters = {m.code: m for m in session.exec(select(Matter))}
        items = {i.code: i for i in session.exec(select(CheckItem))}
        domains = {d.name for d in session.exec(select(EnforcementDomain))}
        grants = session.exec(select(MatterEmpowerment)).all()
        food = session.exec(select(Scenario).where(Scenario.code == "CJ-01")).one()
        types = set(
            session.exec(
                select(ScenarioBusinessType.business_type).where(
                    ScenarioBusinessType.scenario_id == food.id
                )
            )
        )
        joined = set(
            session.exec(
                select(MerchantScenario.scenario_id).where(MerchantScenario.merchant_id == shop_id)
            )
        )
        # What the planner sees on a day: empowerment in force that day only.
        spring = load_catalogue(session, date(2026, 3, 15)).empowered
        autumn = load_catalogue(session, date(2026, 9, 1)).empowered
    assert {"市场监管", "消防安全", "市容环卫"} <= domains  # new fields are created
    assert matters["XF-001"].level == "district" and matters["SC-001"].level == "street"
    assert items["XF-001-01"].is_key and items["SC-001-01"].no_penalty_eligible
    assert items["SC-001-01"].basis == "第一百二十六条"
    assert len(grants) == 3 and food.source == "provincial" and types == {"餐饮", "小吃"}
    assert joined == {food.id}  # the shop selling 小吃 takes on the scenario at once
    sc, xf, zh = (matters[c].id for c in ("SC-001", "XF-001", "ZH-001"))
    hubin = district["hubin"]
    assert {(sc, hubin), (xf, hubin), (zh, None)} <= spring
    assert (sc, hubin) not in autumn and {(xf, hubin), (zh, None)} <= autumn


def test_the_same_file_twice_changes_nothing_a_changed_row_is_audited_and_export_round_trips(
    database_url, sync_engine, district, tmp_path
):
    path = catalogue_book(tmp_path / "c.xlsx")
    assert invoke(database_url, "catalogue", str(path)).exit_code == 0
    again = invoke(database_url, "catalogue", str(path))
    assert again.exit_code == 0
    for sheet in ("事项：共3行", "检查项：共3行", "赋权：共3行", "场景：共2行"):
        assert f"{sheet}，新增0，更新0" in again.stdout
    items = [row[:] for row in ITEMS]
    items[2][3] = "否"  # 消防通道 no longer a key item
    grants = [row[:] for row in EMPOWERMENT]
    grants[2][3] = "2026-12-31"  # the pilot is extended
    changed = catalogue_book(tmp_path / "c2.xlsx", 检查项=items, 赋权=grants)
    result = invoke(database_url, "catalogue", str(changed))
    assert "检查项：共3行，新增0，更新1，未变2" in result.stdout
    assert "赋权：共3行，新增0，更新1，未变2" in result.stdout
    with Session(sync_engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "catalogue.import.update")
        ).all()
    assert sorted(e.entity for e in events) == ["check_item", "matter_empowerment"]
    item_event = next(e for e in events if e.entity == "check_item")
    assert item_event.detail["changes"] == {"is_key": [True, False]}

    out = tmp_path / "export.xlsx"
    assert invoke(database_url, "catalogue", str(out), group=export_group).exit_code == 0
    assert load_workbook(out).sheetnames == ["事项", "检查项", "赋权", "场景"]
    back = invoke(database_url, "catalogue", str(out))
    assert back.exit_code == 0, back.output
    assert "更新1" not in back.stdout and "新增1" not in back.stdout


def test_every_bad_row_is_named_and_the_good_rows_are_kept(
    database_url, sync_engine, district, tmp_path
):
    matters = [
        *MATTERS,
        ["GA-001", "治安", "公安", "区级", "治安", ""],
        ["SC-001", "重复", "scjg", "街道", "市场监管", ""],
        ["WS-001", "卫生", "wsjk", "乡镇", "卫生", ""],
    ]
    items = [
        *ITEMS,
        ["NO-001-01", "NO-001", "无主检查项", "否", "否", ""],
        ["SC-001-02", "SC-001", "台账", "也许", "否", ""],
    ]
    grants = [
        *EMPOWERMENT,
        ["ZH-001", "远方街道", "", ""],
        ["SC-001", "qingbo", "2026-07-01", "2026-06-01"],
        ["SC-001", "caihe", "下个月", ""],
    ]
    scenarios = [
        *SCENARIOS,
        ["CJ-03", "网吧一件事", "特色", "网吧", "SC-001-01；XX-9"],
        ["CJ-04", "某场景", "国家级", "理发", "ZH-001-01"],
    ]
    path = catalogue_book(
        tmp_path / "bad.xlsx", 事项=matters, 检查项=items, 赋权=grants, 场景=scenarios
    )
    result = invoke(database_url, "catalogue", str(path))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "事项 第5行 GA-001：未知部门“公安”" in out
    assert "事项 第6行 SC-001：与第2行重复" in out
    assert "事项 第7行 WS-001：层级“乡镇”不对" in out
    assert "检查项 第5行 NO-001-01：未知事项编码“NO-001”" in out
    assert "检查项 第6行 SC-001-02：重点项“也许”应填“是”或“否”" in out
    assert "赋权 第5行 ZH-001 远方街道：未知街道“远方街道”" in out
    assert "赋权 第6行 SC-001 qingbo 2026-07-01：截止日期 2026-06-01 早于生效日期 2026-07-01" in out
    assert "赋权 第7行 SC-001 caihe 下个月：生效日期“下个月”不是日期" in out
    assert "场景 第4行 CJ-03：检查项编码未知：XX-9" in out
    assert "场景 第5行 CJ-04：来源“国家级”不对" in out
    with Session(sync_engine) as session:
        codes = set(session.exec(select(Matter.code)))
        scenarios_kept = set(session.exec(select(Scenario.code)))
    assert codes == {"SC-001", "XF-001", "ZH-001"} and scenarios_kept == {"CJ-01", "CJ-02"}


def test_the_template_is_a_workbook_that_imports(database_url, sync_engine, district, tmp_path):
    template = tmp_path / "t.xlsx"
    assert invoke(database_url, "template", "catalogue", str(template)).exit_code == 0
    assert load_workbook(template).sheetnames == ["事项", "检查项", "赋权", "场景", "说明"]
    result = invoke(database_url, "catalogue", str(template))
    assert result.exit_code == 0, result.output
    with Session(sync_engine) as session:
        assert session.exec(select(Scenario.code).where(col(Scenario.code) == "CJ-01")).one()


def test_an_items_guidance_is_imported_exported_and_kept_by_a_sheet_without_it(
    database_url, sync_engine, district, tmp_path
):
    items = [[*row, ""] for row in ITEMS]
    items[0][-1] = "检查指引"
    items[2][-1] = "查看消防通道与安全出口是否被占用、锁闭"
    path = catalogue_book(tmp_path / "a.xlsx", 检查项=items)
    first = invoke(database_url, "catalogue", str(path))
    assert first.exit_code == 0, first.output

    def guidance() -> dict[str, str]:
        with Session(sync_engine) as session:
            return {i.code: i.guidance for i in session.exec(select(CheckItem))}

    assert guidance()["XF-001-01"] == "查看消防通道与安全出口是否被占用、锁闭"
    again = invoke(database_url, "catalogue", str(catalogue_book(tmp_path / "b.xlsx")))
    assert "检查项：共3行，新增0，更新0，未变3，拒绝0" in again.stdout, again.output
    assert guidance()["XF-001-01"] == "查看消防通道与安全出口是否被占用、锁闭"

    out = tmp_path / "export.xlsx"
    assert invoke(database_url, "catalogue", str(out), group=export_group).exit_code == 0
    rows = list(load_workbook(out)["检查项"].iter_rows(values_only=True))
    assert rows[0][-1] == "检查指引"
    assert ("XF-001-01", "查看消防通道与安全出口是否被占用、锁闭") in [(r[0], r[-1]) for r in rows]


def test_the_export_names_departments_by_code_and_fields_by_name(
    database_url, sync_engine, district, tmp_path
):
    with Session(sync_engine) as session:
        session.add(EnforcementDomain(code="XF", name="消防安全"))
        session.commit()
    path = catalogue_book(tmp_path / "c.xlsx")
    assert invoke(database_url, "catalogue", str(path)).exit_code == 0
    out = tmp_path / "export.xlsx"
    assert invoke(database_url, "catalogue", str(out), group=export_group).exit_code == 0
    _, *rows = load_workbook(out)["事项"].iter_rows(values_only=True)
    # 市场监管 is no longer than scjg, and 消防 no longer than xf: the code all the same.
    assert [(row[0], row[2], row[4]) for row in rows] == [
        ("SC-001", "scjg", "市场监管"),
        ("XF-001", "xf", "消防安全"),
        ("ZH-001", "zhzf", "市容环卫"),
    ]


def test_fields_with_long_names_alike_at_the_start_are_two_fields(
    database_url, sync_engine, district, tmp_path
):
    long_a = "城市管理领域关于户外广告设施设置与店招店牌规范管理及其日常监督检查事项甲类"
    long_b = "城市管理领域关于户外广告设施设置与店招店牌规范管理及其日常监督检查事项乙类"
    matters = [
        *MATTERS,
        ["ZH-002", "户外广告", "zhzf", "街道", long_a, ""],
        ["ZH-003", "店招店牌", "zhzf", "街道", long_b, ""],
    ]
    result = invoke(
        database_url, "catalogue", str(catalogue_book(tmp_path / "c.xlsx", 事项=matters))
    )
    assert result.exit_code == 0, result.output
    with Session(sync_engine) as session:
        fields = {d.name: d.code for d in session.exec(select(EnforcementDomain))}
        domain_of = {
            m.code: m.domain_id
            for m in session.exec(select(Matter).where(col(Matter.code).like("ZH-00%")))
        }
    assert {long_a, long_b} <= set(fields) and fields[long_a] != fields[long_b]
    assert all(len(code) <= 32 for code in fields.values())
    assert domain_of["ZH-002"] != domain_of["ZH-003"]
