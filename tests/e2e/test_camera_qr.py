"""Arrival by camera: the phone reads the shop's QR code through a (fake) camera.

The shop's own poster code marks arrival by scan, and the record reaches the server with presence
"qr"; a neighbour's code is refused with the wrong-code message and nothing is recorded.
"""

import io
from pathlib import Path

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.inspections.models import Inspection
from server.inspections.record_models import InspectionRecord
from server.merchants.qrcode import merchant_url, qr_png
from tests.e2e.phone import (
    ARGS,
    CHROMIUM,
    PHONE,
    needs_chromium,
    on_suite_clock,
    sign_every_pad,
    start_day,
)
from tests.inspections.conftest import make_day
from tests.support.factories import make_merchants

pytestmark = needs_chromium

WIDTH, HEIGHT = 640, 480
DRAFTS = "idb.openDB('onevisit', 1).then(db => db.getAll('visits'))"


def _camera_feed(tmp_path: Path, url: str) -> Path:
    """A Y4M clip of the poster's code on a white wall, for Chromium's fake camera."""
    code = Image.open(io.BytesIO(qr_png(url, size=400))).convert("RGB")
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    quarter = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + u.resize(quarter).tobytes() + v.resize(quarter).tobytes()
    path = tmp_path / "camera.y4m"
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + planes)
    return path


def _phone_with_camera(p, base_url: str, username: str, feed: Path):
    browser = p.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={feed}",
        ],
    )
    context = on_suite_clock(
        browser.new_context(**{**PHONE, "permissions": ["geolocation", "camera"]})
    )
    page = context.new_page()
    start_day(page, base_url, username)
    page.click("text=开始检查")
    sync_api.expect(page.get_by_role("heading", name="到场确认")).to_be_visible()
    return browser, page


def test_the_shops_own_code_marks_arrival_by_scan(live, sync_engine: Engine, tmp_path: Path):
    day = make_day(sync_engine)
    feed = _camera_feed(tmp_path, merchant_url(live.url, day.qr_token))
    with sync_api.sync_playwright() as p:
        browser, page = _phone_with_camera(p, live.url, day.officers[0].username, feed)

        page.click("text=扫描商户二维码")
        sync_api.expect(page.get_by_role("heading", name="检查项")).to_be_visible(timeout=15000)
        sync_api.expect(page.get_by_role("heading", name="到场确认")).to_have_count(0)
        [draft] = page.evaluate(DRAFTS)
        assert draft["visitId"] == str(day.visit_key) and draft["step"] == "check"
        assert draft["presence"]["method"] == "qr"
        assert draft["presence"]["qr_token"] == day.qr_token
        assert draft["presence"]["lat"] == 30.2741

        for code in ("T-licence", "T-hygiene", "T-signage"):
            page.click(f'[data-item="{code}"] button[data-set=pass]')
        page.click("text=检查完毕，去签名")
        sign_every_pad(page)
        page.click("text=保存并提交")
        sync_api.expect(page.get_by_test_id("saved")).to_be_visible()
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已同步", timeout=20000)
        browser.close()

    with Session(sync_engine) as session:
        inspection = session.exec(select(Inspection)).one()
        record = session.get(InspectionRecord, inspection.id)
        assert record is not None and record.presence == "qr"
        assert record.body["presence"]["qr_token"] == day.qr_token
        assert "qr_mismatch" not in record.flags and "manual_presence" not in record.flags


def test_another_shops_code_is_refused(live, sync_engine: Engine, tmp_path: Path):
    day = make_day(sync_engine)
    [neighbour] = make_merchants(sync_engine, 1, seed=4242, name_prefix="隔壁小吃")
    assert neighbour.qr_token != day.qr_token
    feed = _camera_feed(tmp_path, merchant_url(live.url, neighbour.qr_token))
    with sync_api.sync_playwright() as p:
        browser, page = _phone_with_camera(p, live.url, day.officers[0].username, feed)

        page.click("text=扫描商户二维码")
        sync_api.expect(page.locator("#err")).to_have_text(
            "二维码与该商户不符，请核对或手动确认", timeout=15000
        )
        # The camera is let go after a wrong code; scanning again opens one camera, not two.
        sync_api.expect(page.get_by_test_id("camera")).to_have_count(0)
        page.click("text=扫描商户二维码")
        page.click("text=扫描商户二维码")
        sync_api.expect(page.locator("#err")).to_have_text(
            "二维码与该商户不符，请核对或手动确认", timeout=15000
        )
        sync_api.expect(page.get_by_test_id("camera")).to_have_count(0)
        page.wait_for_timeout(1000)
        sync_api.expect(page.get_by_role("heading", name="到场确认")).to_be_visible()
        sync_api.expect(page.get_by_role("heading", name="检查项")).to_have_count(0)
        [draft] = page.evaluate(DRAFTS)
        assert draft["step"] == "arrive" and "presence" not in draft
        outbox = page.evaluate("idb.openDB('onevisit', 1).then(db => db.count('outbox'))")
        assert outbox == 0
        browser.close()

    with Session(sync_engine) as session:
        assert session.exec(select(Inspection)).all() == []
