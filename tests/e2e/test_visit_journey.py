"""The inspector's phone, for real: Debian's Chromium driven by Playwright against a live server.

Sign in, download the day, go offline, complete a visit with a photo and signatures, reload while
offline, go back online and watch the outbox drain; then check what the server holds.
"""

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.evidence.models import Evidence, EvidenceLink
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from tests.evidence.live import LiveServer
from tests.inspections.conftest import make_day

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def live(database_url: str, s3_bucket_url: str, tmp_path: Path):
    server = LiveServer(database_url, s3_bucket_url, tmp_path).start()
    yield server
    server.stop()


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "licence.jpg"
    image = Image.new("RGB", (640, 480), (200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def _sign(page, canvas) -> None:
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 8):
        page.mouse.move(x + step * 30, y + (-1) ** step * 25, steps=3)
    page.mouse.up()


def test_a_visit_done_offline_reaches_the_server(live, sync_engine: Engine, tmp_path: Path):
    day = make_day(sync_engine)
    photo = _photo(tmp_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            geolocation={"latitude": 30.2741, "longitude": 120.1551, "accuracy": 15},
            permissions=["geolocation"],
            timezone_id="Asia/Shanghai",
            locale="zh-CN",
        )
        page = context.new_page()
        page.goto(f"{live.url}/app/")
        page.fill("#u", day.officers[0].username)
        page.fill("#p", "pw-correct-horse")
        page.click("button[type=submit]")
        page.click("[data-testid=download]")
        sync_api.expect(page.get_by_test_id("downloaded")).to_be_visible()
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now served through the service worker
        sync_api.expect(page.get_by_test_id("visit")).to_have_count(1)

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
        page.click("text=检查完毕，去签名")
        sync_api.expect(page.get_by_test_id("record")).to_contain_text("现场检查笔录")
        for canvas in page.locator("canvas.sign").all():
            _sign(page, canvas)
        page.click("text=保存并提交")
        sync_api.expect(page.get_by_test_id("saved")).to_be_visible()

        page.reload()  # offline: the shell comes from the cache, the record from IndexedDB
        sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text("待同步 1")
        sync_api.expect(page.get_by_test_id("record")).to_contain_text("营业执照未悬挂")
        page.click("text=返回任务列表")
        sync_api.expect(page.get_by_test_id("state")).to_have_text("已保存")
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已保存")

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已同步", timeout=30000)
        code = page.get_by_test_id("action-code").inner_text().split()[-1]
        browser.close()

    with Session(sync_engine) as session:
        inspection = session.exec(select(Inspection)).one()
        assert inspection.action_code == code and inspection.result == "rectify"
        links = session.exec(
            select(EvidenceLink).where(EvidenceLink.inspection_id == inspection.id)
        ).all()
        [evidence] = session.exec(select(Evidence)).all()
        assert {link.evidence_id for link in links} == {evidence.id}
        assert evidence.sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
        assert session.get(Merchant, day.merchant_id).colour == "red"
    page_text = httpx.get(f"{live.url}/v/{code}").text
    assert "真实有效" in page_text and "责令整改" in page_text
