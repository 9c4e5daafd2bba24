"""A merchant who refuses or obstructs the check: the officers write what happened, film or
photograph it, sign, and the record reaches the server as obstructed, the shop turning red."""

from pathlib import Path

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.inspections.models import Inspection
from server.merchants.models import Merchant
from tests.e2e.phone import needs_chromium, open_phone, sign_every_pad
from tests.inspections.conftest import make_day

pytestmark = needs_chromium


def test_an_obstructed_check_is_recorded_with_its_account_and_evidence(
    live, sync_engine: Engine, tmp_path: Path
):
    day = make_day(sync_engine)
    scene = tmp_path / "scene.jpg"
    Image.new("RGB", (640, 480), (40, 40, 40)).save(scene, format="JPEG")
    with sync_api.sync_playwright() as p:
        browser, _context, page = open_phone(p, live.url, day.officers[0].username)
        page.click("text=开始检查")
        page.click("text=商户拒绝、阻碍检查")
        page.get_by_test_id("obstructed-evidence").set_input_files(scene)
        sync_api.expect(page.locator("#err")).to_have_text("请先写明经过，再拍摄现场照片或视频")
        page.fill("[data-testid=obstructed-reason]", "店主锁门拒绝进入后厨")
        page.get_by_test_id("obstructed-evidence").set_input_files(scene)
        sync_api.expect(page.get_by_text("店主锁门拒绝进入后厨")).to_be_visible()
        sync_api.expect(page.get_by_test_id("sign-merchant")).to_have_count(0)
        sign_every_pad(page)
        page.click("text=保存并提交")
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已同步", timeout=30000)
        browser.close()
    with Session(sync_engine) as session:
        inspection = session.exec(select(Inspection)).one()
        assert inspection.result == "obstructed"
        assert session.get(Merchant, day.merchant_id).colour == "red"
