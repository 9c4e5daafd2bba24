"""From a failed key item on the phone to a case held by the district, in Debian's Chromium
against a live server: the inspector records the visit, marks who attended, opens the papers the
shop is given, files a case (offline first: it waits in the outbox); the street's supervisor
transfers it to the district's market department in the console, the matter's major measures
being reserved to the district; a district supervisor accepts it from the console's inbox."""

import io
from pathlib import Path

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.cases.models import EnforcementCase
from server.catalog.models import CheckItem, Matter
from tests.e2e.phone import do_visit, needs_chromium, open_phone
from tests.inspections.conftest import make_day
from tests.support.factories import DEFAULT_PASSWORD, make_user

pytestmark = needs_chromium


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "licence.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def _reserved_to_the_district(engine: Engine) -> None:
    """The licence item's matter: revoking the licence or closing the shop is the district's."""
    with Session(engine) as session:
        item = session.exec(select(CheckItem).where(CheckItem.code == "T-licence")).one()
        assert item.is_key
        matter = session.get(Matter, item.matter_id)
        matter.reserved_measures = ["large_fine", "revoke_licence", "suspend", "close"]
        session.add(matter)
        session.commit()


def _console(browser, url: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{url}/console/login")
    page.fill("#username", username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    return page


def _paper(context, page, testid: str):
    with context.expect_page() as opened:
        page.get_by_test_id(testid).click()
    paper = opened.value
    paper.wait_for_load_state()
    return paper


def test_a_failed_key_item_becomes_a_case_the_district_accepts(
    live, sync_engine: Engine, tmp_path: Path
):
    day = make_day(sync_engine)
    _reserved_to_the_district(sync_engine)
    make_user(sync_engine, "sup-hb", role="supervisor", street="hubin")
    make_user(sync_engine, "dist-sup", role="supervisor", street=None)
    with sync_api.sync_playwright() as p:
        browser, context, page = open_phone(p, live.url, day.officers[0].username)
        do_visit(page, day, _photo(tmp_path))  # the key item 营业执照 failed, both attended

        # Once the server holds the record, the papers for the shop open from the phone.
        sync_api.expect(page.get_by_test_id("record-code")).to_contain_text(
            "行政行为码 XZ", timeout=30000
        )
        record = _paper(context, page, "paper-record")
        sync_api.expect(record.locator("h1")).to_have_text("现场检查笔录")
        sync_api.expect(record.get_by_test_id("officers")).to_contain_text("到场")
        sync_api.expect(record.get_by_test_id("rights")).to_contain_text("行政复议")
        sync_api.expect(record.get_by_test_id("rights")).to_contain_text("60 日")
        sync_api.expect(record.locator("body")).to_contain_text("商户专用查询码")
        record.close()
        notice = _paper(context, page, "paper-notice")
        sync_api.expect(notice.locator("h1")).to_have_text("责令整改通知书")
        sync_api.expect(notice.get_by_test_id("notice-order")).to_contain_text("ZG")
        sync_api.expect(notice.get_by_test_id("rights")).to_contain_text("行政诉讼")
        notice.close()

        # The case is filed offline: it waits in the outbox, and goes once the phone is online.
        case_box = page.get_by_test_id("case")
        sync_api.expect(case_box).to_contain_text("测试检查项 licence")
        context.set_offline(True)
        page.fill("[data-testid=case-summary]", "未取得营业执照从事经营，拟依法查处")
        page.click("[data-act=file-case]")
        sync_api.expect(page.get_by_test_id("case-state")).to_have_text("已保存")
        sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text("待同步 1")
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        sync_api.expect(page.get_by_test_id("case-code")).to_contain_text(
            "已立案，案件行为码 AJ", timeout=30000
        )
        case_code = page.get_by_test_id("case-code").inner_text().split()[-1]
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry")).to_have_count(2)
        filed = page.get_by_test_id("entry").filter(has_text="立案：老王面馆")
        sync_api.expect(filed.get_by_test_id("entry-state")).to_have_text("已同步")
        sync_api.expect(filed.get_by_test_id("action-code")).to_have_text(f"行政行为码 {case_code}")

        # The street's supervisor transfers it to the district in the console.
        street = _console(browser, live.url, "sup-hb")
        street.goto(f"{live.url}/console/cases?view=mine")
        street.click(f"text={case_code}")
        sync_api.expect(street.get_by_test_id("stage")).to_have_text("立案")
        street.fill("#to-unit", "scjg")
        street.fill("#transfer-reason", "无照经营拟吊销许可证件，属区级管辖")
        street.click("form[hx-post$='/transfer'] button[type=submit]")
        sync_api.expect(street.get_by_test_id("stage")).to_have_text("移送待接收")

        # A district supervisor accepts it from the inbox: the district holds it now.
        district = _console(browser, live.url, "dist-sup")
        district.goto(f"{live.url}/console/cases?view=inbox")
        row = district.get_by_test_id("case-row")
        sync_api.expect(row).to_contain_text(case_code)
        sync_api.expect(row).to_contain_text("待接收")
        row.get_by_test_id("accept").click()
        sync_api.expect(district.get_by_test_id("stage")).to_have_text("调查")
        sync_api.expect(district.locator(".card").first).to_contain_text("市场监管")
        sync_api.expect(district.get_by_test_id("step")).to_have_count(3)
        district.goto(f"{live.url}/console/cases?view=inbox")
        sync_api.expect(district.get_by_test_id("case-row")).to_have_count(0)
        sync_api.expect(district.locator("tbody")).to_contain_text("没有符合条件的案件")
        browser.close()

    with Session(sync_engine) as session:
        cases = session.exec(select(EnforcementCase)).all()
        assert [(c.case_no, c.status) for c in cases] == [(case_code, "investigating")]
        assert cases[0].holding_department_id is not None and cases[0].holding_team_id is None
