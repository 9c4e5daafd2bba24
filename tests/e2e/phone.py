"""A phone for the browser journeys: Debian's Chromium, portrait, in the district's time zone."""

from pathlib import Path

import pytest
from playwright import sync_api

__all__ = ["ARGS", "CHROMIUM", "needs_chromium", "open_phone", "sign_every_pad"]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


def open_phone(p, base_url: str, username: str, visits: int = 1):
    """Sign in on a fresh phone, download the day and reload it through the service worker."""
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": 30.2741, "longitude": 120.1551, "accuracy": 15},
        permissions=["geolocation"],
        timezone_id="Asia/Shanghai",
        locale="zh-CN",
    )
    page = context.new_page()
    page.goto(f"{base_url}/app/")
    page.fill("#u", username)
    page.fill("#p", "pw-correct-horse")
    page.click("button[type=submit]")
    page.click("[data-testid=download]")
    sync_api.expect(page.get_by_test_id("downloaded")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now served through the service worker
    sync_api.expect(page.get_by_test_id("visit")).to_have_count(visits)
    return browser, context, page


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
