"""A 409 on the phone becomes "needs attention" with a way out, never a silent loss; a visit
already recorded is not recorded twice."""

import httpx
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.inspections.models import Inspection
from tests.e2e.phone import needs_chromium, open_phone, sign_every_pad
from tests.inspections.conftest import make_day, record_body

pytestmark = needs_chromium


def test_a_conflicting_record_needs_attention_and_is_not_recorded_twice(live, sync_engine: Engine):
    day = make_day(sync_engine)
    with sync_api.sync_playwright() as p:
        browser, context, page = open_phone(p, live.url, day.officers[0].username)
        context.set_offline(True)
        page.click("text=开始检查")
        page.click("text=无法扫码，手动确认")
        page.fill("[data-testid=manual-reason]", "二维码被遮挡")
        page.click("text=确认到场")
        for code in ("T-hygiene", "T-licence", "T-signage"):
            page.click(f'[data-item="{code}"] button[data-set=pass]')
        page.click("text=检查完毕，去签名")
        sign_every_pad(page)
        page.click("text=保存并提交")
        sync_api.expect(page.get_by_test_id("saved")).to_be_visible()
        record_id = page.evaluate(
            "idb.openDB('onevisit', 1).then(db => db.getAll('outbox')).then(all => all[0].id)"
        )
        # Meanwhile the same id reached the server with another body (say, an older edit).
        with httpx.Client(base_url=live.url) as other:
            login = other.post(
                "/api/v1/auth/login",
                json={"username": day.officers[1].username, "password": "pw-correct-horse"},
            )
            csrf = login.json()["csrf_token"]
            stored = other.post(
                "/api/v1/inspections",
                json=record_body(day, id=record_id, summary="另一版本"),
                headers={"X-CSRF-Token": csrf},
            )
            assert stored.status_code == 201, stored.text

        page.goto(f"{live.url}/app/#/outbox")
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        entry = page.get_by_test_id("entry")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("需要处理", timeout=30000)
        sync_api.expect(entry).to_contain_text("不同的内容")
        # Sent anew under another id, the record is refused: the visit already has its
        # inspection, and the officer is told which one.
        page.click("text=作为新记录重新提交")
        code = stored.json()["action_code"]
        sync_api.expect(entry).to_contain_text(code, timeout=30000)
        sync_api.expect(entry).to_contain_text("无需再次提交")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("需要处理")
        sync_api.expect(page.get_by_text("作为新记录重新提交")).to_have_count(0)
        sync_api.expect(page.get_by_text("放弃本机记录")).to_be_visible()
        browser.close()

    with Session(sync_engine) as session:
        kept = session.exec(select(Inspection.action_code, Inspection.summary)).all()
        assert kept == [(code, "另一版本")]  # one inspection for the visit
