"""A phone for the browser journeys: Debian's Chromium, portrait, in the district's time zone."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright import sync_api

from server.core.clock import CLOCK

__all__ = [
    "ARGS",
    "CHROMIUM",
    "do_visit",
    "needs_chromium",
    "on_suite_clock",
    "open_phone",
    "phone_profile",
    "sign_every_pad",
    "start_day",
]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "geolocation": {"latitude": 30.2741, "longitude": 120.1551, "accuracy": 15},
    "permissions": ["geolocation"],
    "timezone_id": "Asia/Shanghai",
    "locale": "zh-CN",
}


def phone_profile(p, profile: Path):
    """A phone whose storage lives in `profile` and outlasts closing the browser."""
    context = p.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=ARGS, **PHONE
    )
    return on_suite_clock(context)


def on_suite_clock(context):
    """The phone's clock starts where the server's does (tests/support/clock.py), and runs on."""
    context.clock.install(time=CLOCK.now())
    return context


def open_phone(p, base_url: str, username: str, visits: int = 1):
    """Sign in on a fresh phone, download the day and reload it through the service worker."""
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    context = on_suite_clock(browser.new_context(**PHONE))
    page = context.new_page()
    start_day(page, base_url, username, visits)
    return browser, context, page


def start_day(page, base_url: str, username: str, visits: int = 1) -> None:
    """Sign in, download the day and reload it through the service worker."""
    page.goto(f"{base_url}/app/")
    page.fill("#u", username)
    page.fill("#p", "pw-correct-horse")
    page.click("button[type=submit]")
    page.click("[data-testid=download]")
    sync_api.expect(page.get_by_test_id("downloaded")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now served through the service worker
    sync_api.expect(page.get_by_test_id("visit")).to_have_count(visits)


def sign_every_pad(page) -> None:
    sync_api.expect(page.locator("canvas.sign").first).to_be_visible()
    for canvas in page.locator("canvas.sign").all():
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        x, y = box["x"] + 20, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 8):
            page.mouse.move(x + step * 30, y + (-1) ** step * 25, steps=3)
        page.mouse.up()


def do_visit(page, day, photo: Path) -> None:
    """The whole visit by hand: arrival, three items (licence failed, with a photo), signed."""
    page.click("text=开始检查")
    page.click("text=无法扫码，手动确认")
    page.fill("[data-testid=manual-reason]", "二维码破损无法识别")
    page.click("text=确认到场")
    page.click('[data-item="T-hygiene"] button[data-set=pass]')
    page.click('[data-item="T-signage"] button[data-set=pass]')
    page.click('[data-item="T-licence"] button[data-set=fail]')
    page.locator('[data-item="T-licence"] input[data-field=deadline]').fill(
        (day.day + timedelta(days=7)).isoformat()
    )
    page.locator('[data-item="T-licence"] input[data-field=photo]').set_input_files(photo)
    sync_api.expect(page.locator('[data-item="T-licence"]')).to_contain_text("1 张照片")
    page.click("text=检查完毕，去签名")
    sign_every_pad(page)
    page.click("text=保存并提交")
    sync_api.expect(page.get_by_test_id("saved")).to_be_visible()
