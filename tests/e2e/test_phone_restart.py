"""A phone switched off with a record not yet sent: switched on again without a network, the app
opens from its cache with the record waiting, and the record goes out once the network is back."""

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.inspections.models import Inspection
from tests.e2e.phone import do_visit, needs_chromium, phone_profile, start_day
from tests.inspections.conftest import make_day

pytestmark = needs_chromium


def _page(phone):
    return phone.pages[0] if phone.pages else phone.new_page()


# Waiting, whether or not a first attempt was made before the network went.
WAITING = re.compile(r"^(已保存|等待发送)$")

# The outbox as the phone left it when switched off halfway through sending a photo.
CUT_SHORT = """async () => {
  const store = await import('/app/js/store.js');
  for (const entry of await store.outboxAll())
    await store.outboxPut({ ...entry, state: 'uploading' });
}"""


@pytest.mark.parametrize("cut_short", [False, True], ids=["never-sent", "switched-off-mid-upload"])
def test_a_waiting_record_survives_the_phone_restarting(
    live, sync_engine: Engine, tmp_path: Path, cut_short: bool
):
    day = make_day(sync_engine)
    photo = tmp_path / "licence.jpg"
    Image.new("RGB", (640, 480), (160, 90, 30)).save(photo, format="JPEG")
    profile = tmp_path / "phone"
    with sync_api.sync_playwright() as p:
        phone = phone_profile(p, profile)
        page = _page(phone)
        start_day(page, live.url, day.officers[0].username)
        phone.set_offline(True)
        do_visit(page, day, photo)
        if cut_short:
            page.evaluate(CUT_SHORT)
        phone.close()  # switched off, the record unsent

    with sync_api.sync_playwright() as p:
        phone = phone_profile(p, profile)
        phone.set_offline(True)  # switched on where there is no network
        page = _page(phone)
        page.goto(f"{live.url}/app/")
        sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text("待同步 1")
        # Nothing is being sent now: the record says it waits, never 正在上传.
        waiting = "等待发送" if cut_short else WAITING
        sync_api.expect(page.get_by_test_id("state")).to_have_text(waiting)
        page.click("text=已完成")
        sync_api.expect(page.get_by_test_id("record")).to_contain_text("现场检查笔录")

        phone.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已同步", timeout=30000)
        phone.close()

    with Session(sync_engine) as session:
        inspection = session.exec(select(Inspection)).one()
        assert inspection.result == "rectify" and inspection.merchant_id == day.merchant_id
