"""The inspector's phone, for real: Debian's Chromium driven by Playwright against a live server.

Sign in, download the day, go offline, complete a visit with a photo and signatures, reload while
offline, go back online and watch the outbox drain; then check what the server holds.
"""

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import httpx
from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.evidence.models import Evidence, EvidenceLink
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from tests.e2e.phone import needs_chromium, open_phone, sign_every_pad
from tests.evidence.tus import mp4
from tests.inspections.conftest import make_day

pytestmark = needs_chromium


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "licence.jpg"
    image = Image.new("RGB", (640, 480), (200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_visit_done_offline_reaches_the_server(live, sync_engine: Engine, tmp_path: Path):
    day = make_day(sync_engine)
    photo = _photo(tmp_path)
    clip = tmp_path / "licence-wall.mp4"
    clip.write_bytes(mp4(9 * 1024 * 1024))  # hashed in slices on the phone, sent in chunks
    with sync_api.sync_playwright() as p:
        browser, context, page = open_phone(p, live.url, day.officers[0].username)

        context.set_offline(True)
        page.click("text=开始检查")
        page.click("text=无法扫码，手动确认")
        page.fill("[data-testid=manual-reason]", "二维码破损无法识别")
        page.click("text=确认到场")
        page.click('[data-item="T-hygiene"] button[data-set=pass]')
        page.click('[data-item="T-signage"] button[data-set=na]')
        page.click('[data-item="T-licence"] button[data-set=fail]')
        deadline = page.locator('[data-item="T-licence"] input[data-field=deadline]')
        deadline.fill((day.day + timedelta(days=7)).isoformat())
        page.fill('[data-item="T-licence"] textarea[data-field=note]', "营业执照未悬挂")
        page.locator('[data-item="T-licence"] input[data-field=photo]').set_input_files(photo)
        sync_api.expect(page.locator('[data-item="T-licence"]')).to_contain_text("1 张照片")
        page.locator('[data-item="T-licence"] input[data-field=video]').set_input_files(clip)
        sync_api.expect(page.locator('[data-item="T-licence"]')).to_contain_text("1 段视频")
        # A blurred second shot is taken out again before anything is sent.
        blurred = tmp_path / "blurred.jpg"
        Image.new("RGB", (640, 480), (120, 120, 120)).save(blurred, format="JPEG")
        licence = page.locator('[data-item="T-licence"]')
        licence.locator("input[data-field=photo]").set_input_files(blurred)
        sync_api.expect(licence).to_contain_text("2 张照片")
        sync_api.expect(licence.locator("img.thumb")).to_have_count(2)
        page.once("dialog", lambda d: d.accept())
        licence.locator("[data-drop]").nth(1).click()
        sync_api.expect(licence).to_contain_text("1 张照片")
        sync_api.expect(licence.locator("img.thumb")).to_have_count(1)
        page.click("text=检查完毕，去签名")
        sync_api.expect(page.get_by_test_id("record")).to_contain_text("现场检查笔录")
        sign_every_pad(page)
        page.click("text=保存并提交")
        sync_api.expect(page.get_by_test_id("saved")).to_be_visible()

        page.reload()  # offline: the shell comes from the cache, the record from IndexedDB
        sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text("待同步 1")
        sync_api.expect(page.get_by_test_id("record")).to_contain_text("营业执照未悬挂")
        page.click("text=返回任务列表")
        sync_api.expect(page.get_by_test_id("state")).to_have_text("已保存")
        warnings: list[str] = []
        page.once("dialog", lambda d: (warnings.append(d.message), d.dismiss()))
        page.click("[data-testid=signout]")  # warned about the unsynced record, and kept
        for _ in range(50):  # the app counts the outbox before it asks
            if warnings:
                break
            page.wait_for_timeout(100)
        assert warnings and "还有 1 条记录没有同步" in warnings[0]
        sync_api.expect(page.get_by_test_id("state")).to_have_text("已保存")
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已保存")

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已同步", timeout=30000)
        code = page.get_by_test_id("action-code").inner_text().split()[-1]
        page.goto(f"{live.url}/app/#/")
        page.once("dialog", lambda d: d.accept())
        page.click("[data-testid=signout]")
        sync_api.expect(page.locator("#login")).to_be_visible()
        left = page.evaluate(
            "idb.openDB('onevisit', 1).then(db => Promise.all("
            "['kv', 'visits', 'photos', 'outbox'].map(s => db.count(s))))"
        )
        assert left == [0, 0, 0, 0]
        browser.close()

    with Session(sync_engine) as session:
        inspection = session.exec(select(Inspection)).one()
        assert inspection.action_code == code and inspection.result == "rectify"
        links = session.exec(
            select(EvidenceLink).where(EvidenceLink.inspection_id == inspection.id)
        ).all()
        stored = {e.kind: e for e in session.exec(select(Evidence)).all()}
        assert {link.evidence_id for link in links} == {e.id for e in stored.values()}
        assert stored["photo"].sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
        assert stored["video"].sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
        assert stored["video"].size == clip.stat().st_size
        assert session.get(Merchant, day.merchant_id).colour == "red"
    page_text = httpx.get(f"{live.url}/v/{code}").text
    assert "真实有效" in page_text and "责令整改" in page_text
