"""The console as a supervisor uses it: the day per street, changes through htmx, merchants,
complaints."""

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.core.settings import Settings
from tests.planning.conftest import DAY
from tests.support.app import console_login


@pytest.fixture
def console(district, plan_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(plan_settings)) as client:
        page = console_login(client, "supervisor", "demo")
        assert page.status_code in (302, 303), page.text
        client.headers["X-CSRF-Token"] = client.cookies["ov_csrf"]
        yield client


def form(version: int = 0, **extra: str) -> dict[str, str]:
    return {"date": DAY.isoformat(), "street": "hubin", "version": str(version), **extra}


def test_a_supervisor_plans_reorders_and_publishes_a_street_day(console):
    empty = console.get("/console/plan", params={"date": DAY.isoformat(), "street": "hubin"})
    assert empty.status_code == 200 and "生成计划" in empty.text and "leaflet.js" in empty.text
    built = console.post("/console/plan/build", data=form())
    assert built.status_code == 200, built.text
    assert "第 1 版" in built.text and "湖滨1组" in built.text and 'id="map-data"' in built.text
    lost = console.post("/console/plan/build", data=form(0))
    assert lost.status_code == 409 and "已被他人更新为第 1 版" in lost.text
    locked = console.post("/console/plan/lock", data=form(1, team="1", locked="1"))
    assert "第 2 版" in locked.text and "已锁定" in locked.text
    published = console.post("/console/plan/publish", data=form(2))
    assert "第 3 版" in published.text and "已发布" in published.text
    refused = console.post("/console/plan/reorder", data=form(3, team="1", order=""))
    assert refused.status_code == 422 and "锁定" in refused.text


def test_merchant_search_history_and_the_complaints_inbox(console):
    page = console.get("/console/merchants", params={"colour": "red", "street": "hubin"})
    assert page.status_code == 200 and "各街道三色码分布" in page.text
    assert "红码" in page.text
    link = page.text.split('href="/console/merchants/')[1].split('"')[0]
    detail = console.get(f"/console/merchants/{link}")
    assert detail.status_code == 200 and "检查记录" in detail.text
    inbox = console.get("/console/complaints")
    assert inbox.status_code == 200 and "投诉" in inbox.text


def test_the_console_asks_for_a_sign_in_and_writes_need_a_supervisor(sync_engine, plan_settings):
    with TestClient(create_app(plan_settings)) as client:
        page = client.get("/console/plan", follow_redirects=False)
        assert page.status_code in (302, 303) and page.headers["location"] == "/console/login"
        assert client.post("/console/plan/build", data=form()).status_code == 401
