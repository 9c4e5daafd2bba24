"""The day's route on the phone's map: stops in order, coloured by code, offline without tiles."""

import io

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.planning.models import JointVisit
from tests.e2e.conftest import LiveServer
from tests.e2e.phone import needs_chromium, open_phone
from tests.inspections.conftest import make_day
from tests.support.factories import make_merchants

pytestmark = needs_chromium

TILES = "https://tiles.district.test/{z}/{x}/{y}.png"


def _second_stop(engine: Engine, day) -> str:
    """Adds a red shop as the route's second visit; returns its name."""
    shop = make_merchants(engine, 1, seed=77, colour="red", name_prefix="红码小吃")[0]
    with Session(engine) as session:
        first = session.exec(select(JointVisit).where(JointVisit.key == day.visit_key)).one()
        session.add(
            JointVisit(
                plan_id=first.plan_id,
                key=first.key.__class__(int=first.key.int ^ 1),
                merchant_id=shop.id,
                route_id=first.route_id,
                seq=2,
                eta_minute=first.eta_minute + 45,
                service_minutes=30,
                reasons=["due:red"],
                checks=first.checks,
            )
        )
        session.commit()
    return shop.name


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 230, 230)).save(out, format="PNG")
    return out.getvalue()


def test_the_route_map_works_offline_and_shows_each_stop_in_order(
    database_url: str, s3_bucket_url: str, sync_engine: Engine, tmp_path
):
    day = make_day(sync_engine)
    red_shop = _second_stop(sync_engine, day)
    server = LiveServer(
        database_url, s3_bucket_url, tmp_path, MAP_TILE_URL=TILES, MAP_ATTRIBUTION="测绘审图号"
    ).start()
    tiles_asked: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser, context, page = open_phone(p, server.url, day.officers[0].username, visits=2)

            def serve_tile(route):
                tiles_asked.append(route.request.url)
                route.fulfill(status=200, content_type="image/png", body=_tile())

            context.route("https://tiles.district.test/**", serve_tile)
            page.click("[data-testid=show-map]")
            stops = page.locator("[data-testid=route-map] .stop")
            sync_api.expect(stops).to_have_count(2)
            assert stops.all_inner_texts() == ["1", "2"]
            assert "red" in (stops.nth(1).get_attribute("class") or "")
            sync_api.expect(page.locator(".leaflet-control-attribution")).to_contain_text(
                "测绘审图号"
            )
            assert tiles_asked, "online, the district's tiles are drawn under the route"

            # Offline, after a reload: the map library comes from the worker's cache, no tiles.
            page.click("[data-testid=show-map]")
            context.set_offline(True)
            page.reload()
            asked_online = len(tiles_asked)
            page.click("[data-testid=show-map]")
            sync_api.expect(stops).to_have_count(2)
            assert len(tiles_asked) == asked_online
            stops.nth(1).click()
            popup = page.locator(".leaflet-popup-content")
            sync_api.expect(popup).to_contain_text(red_shop)
            popup.get_by_text("开始检查").click()
            sync_api.expect(page.get_by_text("无法扫码，手动确认")).to_be_visible()
            browser.close()
    finally:
        server.stop()
