"""The console and the phone app work under the Content-Security-Policy, and the browser reports
nothing it had to block: htmx swaps and posts, the plan map draws the district's tiles, the
phone app installs its worker, draws its map and hashes a long clip with WebAssembly."""

import hashlib
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine

from tests.e2e.conftest import LiveServer
from tests.e2e.phone import ARGS, CHROMIUM, PHONE, needs_chromium
from tests.inspections.conftest import make_day
from tests.support.factories import DEFAULT_PASSWORD, make_user

pytestmark = needs_chromium

DAY = date(2030, 3, 4)
MORNING = datetime(2030, 3, 4, 8, 45, tzinfo=ZoneInfo("Asia/Shanghai"))
TILES = "https://{s}.tiles.district.test/{z}/{x}/{y}.png"
# Every violation the page sees, whatever the directive; and what the console says about it.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
"""


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (225, 230, 235)).save(out, format="PNG")
    return out.getvalue()


class Browser:
    """One page's violations and console complaints, read before it navigates away."""

    def __init__(self, context) -> None:
        context.add_init_script(WATCH)
        self.tiles: list[str] = []
        self.complaints: list[str] = []
        self.violations: list[str] = []
        tile = _tile()

        def serve_tile(route) -> None:
            self.tiles.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=tile)

        context.route("https://*.tiles.district.test/**", serve_tile)
        self.page = context.new_page()
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text or "htmx:" in text:
            self.complaints.append(text)

    def collect(self) -> None:
        self.violations += self.page.evaluate("window.__violations || []")


def test_the_console_works_under_the_policy_and_nothing_is_blocked(
    database_url: str, s3_bucket_url: str, sync_engine: Engine, tmp_path
):
    day = make_day(sync_engine, on=DAY)
    make_user(sync_engine, "sup_csp", role="supervisor", street=None)
    server = LiveServer(
        database_url, s3_bucket_url, tmp_path, MAP_TILE_URL=TILES, MAP_ATTRIBUTION="测绘审图号"
    ).start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            b = Browser(browser.new_context(viewport={"width": 1400, "height": 900}))
            page = b.page
            page.goto(f"{server.url}/console/login")
            page.fill("#username", "sup_csp")
            page.fill("#password", DEFAULT_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/")
            b.collect()

            # The plan map: Leaflet, the district's tiles, the stop's marker.
            page.goto(f"{server.url}/console/plan?date={DAY.isoformat()}&street=hubin")
            sync_api.expect(page.locator("#map .leaflet-tile-loaded").first).to_be_visible()
            sync_api.expect(page.locator("#map path.leaflet-interactive")).not_to_have_count(0)
            sync_api.expect(page.locator(".leaflet-control-attribution")).to_contain_text(
                "测绘审图号"
            )
            # An htmx swap (another street) and the map drawn again after it.
            page.select_option("#street", "qingbo")
            sync_api.expect(page.locator("#plan")).to_contain_text("清波")
            page.select_option("#street", "hubin")
            sync_api.expect(page.locator("#plan")).to_contain_text("湖滨")
            sync_api.expect(page.locator("#map path.leaflet-interactive")).not_to_have_count(0)
            b.collect()

            # An htmx POST with the CSRF header; the answer redirects through htmx.
            page.goto(f"{server.url}/console/codes/merchants/{day.merchant_id}")
            page.select_option("#colour", "yellow")
            page.fill("#reason", "店内整改期间临时调整")
            page.fill("#days", "7")
            page.locator("form[hx-post$='/override'] button[type=submit]").click()
            sync_api.expect(page.locator("body")).to_contain_text("人工调整生效中")
            b.collect()

            # The dock's progress script (inline, with the nonce), then signing out (htmx).
            page.goto(f"{server.url}/console/evidence/dock")
            sync_api.expect(page.locator("#dock-progress")).to_be_attached()
            # htmx's indicator rules come from the page's own stylesheet, not injected by htmx.
            opacity = "getComputedStyle(document.querySelector('#dock-progress')).opacity"
            assert page.evaluate(opacity) == "0"
            b.collect()
            page.goto(f"{server.url}/console/")
            page.click("#logout")
            page.wait_for_url("**/console/login")
            b.collect()
            browser.close()
    finally:
        server.stop()

    assert b.tiles, "the district's tiles were asked for"
    assert b.violations == [], b.violations
    assert b.complaints == [], b.complaints


def test_the_phone_app_works_under_the_policy_and_nothing_is_blocked(
    database_url: str, s3_bucket_url: str, sync_engine: Engine, tmp_path
):
    day = make_day(sync_engine, on=DAY)
    server = LiveServer(
        database_url, s3_bucket_url, tmp_path, MAP_TILE_URL=TILES, MAP_ATTRIBUTION="测绘审图号"
    ).start()
    clip = bytes(range(256)) * 4096
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            context = browser.new_context(**PHONE)
            context.clock.set_fixed_time(MORNING)  # the phone's day is the route's day
            b = Browser(context)
            page = b.page
            page.goto(f"{server.url}/app/")
            page.fill("#u", day.officers[0].username)
            page.fill("#p", DEFAULT_PASSWORD)
            page.click("button[type=submit]")
            page.click("[data-testid=download]")
            sync_api.expect(page.get_by_test_id("downloaded")).to_be_visible()
            assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            b.collect()
            page.reload()  # through the service worker now
            sync_api.expect(page.get_by_test_id("visit")).to_have_count(1)
            page.click("[data-testid=show-map]")
            sync_api.expect(page.locator("[data-testid=route-map] .stop")).to_have_count(1)
            sync_api.expect(page.locator("#route-map .leaflet-tile-loaded").first).to_be_visible()
            # A clip too long to read at once is hashed by hash-wasm (WebAssembly).
            digest = page.evaluate(
                """async (bytes) => {
                    const { loadScript } = await import("/app/js/load.js");
                    await loadScript("/static/vendor/sha256.umd.min.js");
                    const hasher = await self.hashwasm.createSHA256();
                    hasher.init();
                    hasher.update(new Uint8Array(bytes));
                    return hasher.digest("hex");
                }""",
                list(clip[:65536]),
            )
            b.collect()
            browser.close()
    finally:
        server.stop()

    assert digest == hashlib.sha256(clip[:65536]).hexdigest()
    assert b.tiles, "online, the district's tiles are drawn under the route"
    assert b.violations == [], b.violations
    assert b.complaints == [], b.complaints
