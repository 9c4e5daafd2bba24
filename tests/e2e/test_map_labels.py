"""Shop names on the maps are text: a name imported as markup shows as those characters and
runs nothing, in the supervisor's plan map and on the officer's phone."""

import uuid
from datetime import date
from pathlib import Path

import pytest
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.merchants.models import Merchant
from server.org.models import Street
from server.planning.models import JointVisit, Plan, Route
from tests.e2e.conftest import LiveServer
from tests.e2e.phone import ARGS, CHROMIUM, needs_chromium
from tests.merchants.factories import merchant, run, write_csv
from tests.support.factories import DEFAULT_PASSWORD, make_user

pytestmark = needs_chromium

DAY = date(2030, 3, 4)  # a Monday; the page only shows the plan, so any day will do
# Each payload, if it ever became markup (in a label, or by closing the JSON block the map is
# drawn from), would fetch /…/x and set window.__xss.
ON_ROUTE = "<img src=x onerror=window.__xss=1>店"
UNPLACED = '</script><img src=x onerror="window.__xss=2">摊'


def _import_hostile(engine: Engine, tmp_path: Path) -> dict[str, Merchant]:
    """The two shops, imported from a spreadsheet as a clerk would load it."""
    import random

    rng = random.Random(12)
    rows = [merchant(rng, name=ON_ROUTE), merchant(rng, name=UNPLACED)]
    report = run(engine, write_csv(tmp_path / "商户.csv", rows))
    assert report.imported == 2, report.rejected
    with Session(engine) as session:
        found = session.exec(select(Merchant).where(Merchant.name.in_([ON_ROUTE, UNPLACED])))
        return {m.name: m for m in found}


def _plan(engine: Engine, shops: dict[str, Merchant]) -> None:
    """A draft day for Hubin: one shop on team 1's route, the other left unassigned."""
    with Session(engine) as session:
        street = session.exec(select(Street).where(Street.code == "hubin")).one()
        plan = Plan(
            street_id=street.id,
            day=DAY,
            version=1,
            stats={"department_checks": 2, "joint_visits": 2, "door_entries_saved": 0},
        )
        session.add(plan)
        session.flush()
        route = Route(plan_id=plan.id, number=1, name="湖滨1组", start_minute=510, end_minute=990)
        session.add(route)
        session.flush()
        session.add(
            JointVisit(
                plan_id=plan.id,
                key=uuid.uuid4(),
                merchant_id=shops[ON_ROUTE].id,
                route_id=route.id,
                seq=1,
                eta_minute=560,
                service_minutes=20,
                reasons=["due:green"],
            )
        )
        session.add(
            JointVisit(
                plan_id=plan.id,
                key=uuid.uuid4(),
                merchant_id=shops[UNPLACED].id,
                service_minutes=20,
                reasons=["complaint"],
                unassigned_code="capacity",
                unassigned_reason="当日各执法组班次已满，顺延至下一工作日",
            )
        )
        session.commit()


# Every open tooltip's text and how many images it holds.
TOOLTIPS = """() => [...document.querySelectorAll('.leaflet-tooltip')]
  .map((tip) => [tip.innerText, tip.querySelectorAll('img').length])"""


def _watch(page) -> list[str]:
    """Requests for the payloads' image, which only markup would make."""
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.rstrip("/").endswith("/x") else 0)
    return fetched


@pytest.fixture
def hostile_plan(database_url: str, s3_bucket_url: str, sync_engine: Engine, tmp_path: Path):
    make_user(sync_engine, "sup_map", role="supervisor", street=None)
    _plan(sync_engine, _import_hostile(sync_engine, tmp_path))
    with LiveServer(database_url, s3_bucket_url, tmp_path) as server:
        yield server


def test_hovering_a_shop_on_the_plan_map_shows_its_name_as_text(hostile_plan: LiveServer):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        fetched = _watch(page)
        page.goto(f"{hostile_plan.url}/console/login")
        page.fill("#username", "sup_map")
        page.fill("#password", DEFAULT_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")
        page.goto(f"{hostile_plan.url}/console/plan?date={DAY.isoformat()}&street=hubin")
        markers = page.locator("#map path.leaflet-interactive")
        sync_api.expect(markers).not_to_have_count(0)

        labels = set()
        for marker in markers.all():
            marker.scroll_into_view_if_needed()  # the plan's figures may push the map down
            box = marker.bounding_box()
            # The route's line runs through each stop's centre: try the rim of the circle too.
            for fx, fy in ((0.5, 0.5), (0.5, 0.2), (0.2, 0.5), (0.8, 0.5), (0.5, 0.8)):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
                # Read at once: a tooltip may close between two separate looks.
                for text, images in page.evaluate(TOOLTIPS):
                    labels.add(text)
                    assert images == 0, text
                page.mouse.move(1, 1)
        xss = page.evaluate("window.__xss")
        browser.close()

    assert any(ON_ROUTE in label and "湖滨1组" in label for label in labels), labels
    assert any(UNPLACED in label for label in labels), labels
    assert xss is None, "a shop's name ran script in the console"
    assert fetched == [], fetched


def test_the_phones_stop_popup_shows_the_name_and_address_as_text(hostile_plan: LiveServer):
    route = {
        "visits": [
            {
                "id": "v-1",
                "order": 1,
                "eta": "09:20",
                "merchant": {
                    "name": ON_ROUTE,
                    "address": UNPLACED,
                    "colour": "green",
                    "lat": 30.259,
                    "lng": 120.168,
                },
            }
        ]
    }
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        fetched = _watch(page)
        page.goto(f"{hostile_plan.url}/app/")
        page.evaluate(
            """async (route) => {
                const { drawRoute } = await import("/app/js/map.js");
                const box = document.createElement("div");
                box.id = "test-map";
                document.body.prepend(box);
                await drawRoute(box, route, null);
            }""",
            route,
        )
        page.locator("#test-map .stop").click()
        popup = page.locator(".leaflet-popup-content")
        sync_api.expect(popup).to_contain_text(ON_ROUTE)
        text, images = popup.inner_text(), popup.locator("img").count()
        xss = page.evaluate("window.__xss")
        browser.close()

    assert UNPLACED in text and images == 0
    assert xss is None and fetched == []
