"""A new release of the app while a record waits on the phone: the new worker takes over, the
screens are the new release's, and the waiting record is still there and reaches the server."""

import re
import shutil
from pathlib import Path

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.inspections.models import Inspection
from server.web import PWA
from tests.e2e.conftest import LiveServer
from tests.e2e.phone import do_visit, needs_chromium, open_phone
from tests.inspections.conftest import make_day

pytestmark = needs_chromium

ACTIVATED = """async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  await registration.update();
  const worker = registration.installing || registration.waiting;
  if (!worker) return;
  await new Promise((done) => {
    const check = () => worker.state === "activated" && done();
    worker.addEventListener("statechange", check);
    check();
  });
}"""
SYNC = re.compile(r".*/api/v1/(inspections|uploads).*")


def _release(copy: Path) -> None:
    """What a release changes: a screen's words and the style sheet."""
    i18n = copy / "js" / "i18n.js"
    text = i18n.read_text(encoding="utf-8")
    assert '"day.title": "今日检查 {date}"' in text
    i18n.write_text(text.replace("今日检查 {date}", "今日检查（新版） {date}"), encoding="utf-8")
    with (copy / "app.css").open("a", encoding="utf-8") as css:
        css.write("\nh1{letter-spacing:.02em}\n")


def test_a_waiting_record_survives_a_new_release(
    database_url: str, s3_bucket_url: str, sync_engine: Engine, tmp_path: Path
):
    day = make_day(sync_engine)
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    photo = tmp_path / "licence.jpg"
    Image.new("RGB", (640, 480), (30, 90, 160)).save(photo, format="JPEG")
    server = LiveServer(database_url, s3_bucket_url, tmp_path, PWA_DIR=str(copy)).start()
    try:
        with sync_api.sync_playwright() as p:
            browser, context, page = open_phone(p, server.url, day.officers[0].username)
            context.set_offline(True)
            do_visit(page, day, photo)

            server.stop()
            _release(copy)
            server.start()  # same address: the phone's storage belongs to it

            # Back online, but the sync cannot get through yet: only the release can.
            context.route(SYNC, lambda route: route.abort())
            context.set_offline(False)
            page.goto(f"{server.url}/app/#/")
            # The new worker is found, installs (precaching the changed files) and takes over.
            page.evaluate(ACTIVATED)
            page.reload(wait_until="domcontentloaded")
            sync_api.expect(page.locator("h1")).to_contain_text("今日检查（新版）")
            sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text("待同步 1")
            sync_api.expect(page.get_by_test_id("state")).not_to_have_text("已同步")

            # Offline again, the new release opens from its cache with the record in it.
            context.set_offline(True)
            page.reload()
            sync_api.expect(page.locator("h1")).to_contain_text("今日检查（新版）")
            sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text("待同步 1")

            context.set_offline(False)
            context.unroute(SYNC)
            page.goto(f"{server.url}/app/#/outbox")
            page.click("[data-act=sync]")
            sync_api.expect(page.get_by_test_id("entry-state")).to_have_text(
                "已同步", timeout=30000
            )
            browser.close()
    finally:
        server.stop()
    with Session(sync_engine) as session:
        inspection = session.exec(select(Inspection)).one()
        assert inspection.result == "rectify"
