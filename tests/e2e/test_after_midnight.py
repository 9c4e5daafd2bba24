"""Past midnight on a late shift the phone's date moves on: the day's route and the visit begun
on it stay in reach, with a note saying which day is shown."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright import sync_api
from sqlalchemy import Engine

from tests.e2e.phone import needs_chromium, open_phone
from tests.inspections.conftest import make_day

pytestmark = needs_chromium


def test_the_route_stays_in_reach_after_midnight(live, sync_engine: Engine):
    day = make_day(sync_engine)
    with sync_api.sync_playwright() as p:
        browser, context, page = open_phone(p, live.url, day.officers[0].username)
        page.click("text=开始检查")
        page.click("text=无法扫码，手动确认")
        page.fill("[data-testid=manual-reason]", "夜市摊位无二维码")
        page.click("text=确认到场")
        page.click('[data-item="T-hygiene"] button[data-set=pass]')

        context.set_offline(True)
        after_midnight = datetime.combine(
            day.day + timedelta(days=1), datetime.min.time(), ZoneInfo("Asia/Shanghai")
        ) + timedelta(minutes=40)
        page.clock.set_system_time(after_midnight)
        page.goto(f"{live.url}/app/#/")
        notice = page.get_by_test_id("other-day")
        sync_api.expect(notice).to_contain_text(day.day.isoformat())
        sync_api.expect(page.get_by_test_id("visit")).to_have_count(1)
        page.get_by_test_id("visit").get_by_role("link").click()
        hygiene = page.locator('[data-item="T-hygiene"] button[data-set=pass]')
        sync_api.expect(hygiene).to_have_attribute("aria-pressed", "true")
        browser.close()
