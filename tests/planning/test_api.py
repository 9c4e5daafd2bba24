"""The plan over HTTP: the documented shape (docs/http.md), bad input as 422, lost races as
409, edits as versions, publishing to the phones, the public draw record."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from server.app import create_app
from server.audit.models import AuditEvent
from server.core.settings import Settings
from server.planning import service
from server.planning.models import Plan
from tests.planning.conftest import DAY, TODAY
from tests.support.app import login_as


@pytest.fixture
def api(district, plan_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(plan_settings)) as client:
        csrf = login_as(client, "supervisor", "demo")
        client.headers["X-CSRF-Token"] = csrf
        yield client


def build(api: TestClient, **body) -> dict:
    response = api.post(f"/api/v1/plans/{DAY}", json={"street": "hubin", **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_plan_has_the_contract_shape(api):
    plan = build(api)
    assert plan["date"] == DAY.isoformat()
    assert {"department_checks", "joint_visits"} <= set(plan["stats"])
    route = plan["routes"][0]
    assert {"team", "street", "officers", "visits"} <= set(route)
    assert {"id", "username", "name", "cert_no", "department"} <= set(route["officers"][0])
    visit = next(v for r in plan["routes"] for v in r["visits"])
    assert {"id", "order", "merchant_id", "uscc", "departments", "items", "reasons", "eta"} <= set(
        visit
    )
    assert all({"merchant_id", "reason"} <= set(u) for u in plan["unassigned"])
    assert (
        api.get(f"/api/v1/plans/{DAY}", params={"street": "hubin"}).json()["routes"]
        == plan["routes"]
    )


@pytest.mark.parametrize(
    ("day", "body", "words"),
    [
        (TODAY - timedelta(days=1), {}, "过去的日期"),
        (DAY, {"street": "atlantis"}, "未知街道"),
        ("2026-13-45", {}, "日期"),
    ],
)
def test_bad_input_is_422_with_the_reason(bare_api, day, body, words):
    response = bare_api.post(f"/api/v1/plans/{day}", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]


def test_a_stale_base_version_loses_with_409_and_sees_the_winner(api):
    first = build(api, base_version=0)
    lost = api.post(f"/api/v1/plans/{DAY}", json={"street": "hubin", "base_version": 0})
    assert lost.status_code == 409
    assert lost.json()["plan"]["streets"] == first["streets"]
    assert "第 1 版" in lost.json()["detail"]


def test_edits_write_versions_and_changes_after_publishing_are_pushed_and_audited(api, district):
    plan = build(api)
    route = next(r for r in plan["routes"] if len(r["visits"]) >= 2)
    keys = [v["id"] for v in route["visits"]]
    url = f"/api/v1/plans/{DAY}/streets/hubin"
    # A new order may break the shift or an opening hour: that is refused with the reason.
    for order in (keys[::-1], [keys[1], keys[0], *keys[2:]], [*keys[:-2], keys[-1], keys[-2]]):
        body = {"version": 1, "team": route["number"], "order": order}
        reordered = api.post(f"{url}/reorder", json=body)
        if reordered.status_code == 201:
            break
        assert reordered.status_code == 422 and "无法按时完成" in reordered.json()["detail"]
    assert reordered.status_code == 201, reordered.text
    again = next(r for r in reordered.json()["routes"] if r["number"] == route["number"])
    assert [v["id"] for v in again["visits"]] == order and again["version"] == 2
    stale = api.post(f"{url}/reorder", json={"version": 1, "team": route["number"], "order": order})
    assert stale.status_code == 409
    moved = api.post(f"{url}/move", json={"version": 2, "visit": order[0]})
    assert moved.status_code == 201
    assert order[0] in {u.get("id") for u in moved.json()["unassigned"]}
    back = api.post(f"{url}/move", json={"version": 3, "visit": order[0], "team": route["number"]})
    assert back.status_code == 201, back.text
    published = api.post(f"{url}/publish", json={"version": 4})
    assert published.json()["streets"][0]["status"] == "published"
    member = route["officers"][0]["username"]
    change = api.post(f"{url}/move", json={"version": 5, "visit": order[1]})
    assert change.json()["streets"][0] == {
        **change.json()["streets"][0],
        "version": 6,
        "status": "published",
    }
    with Session(district.engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "plan.move")).all()
        versions = sorted(p.version for p in session.exec(select(Plan)))
        assert versions == [1, 2, 3, 4, 5, 6]
    phone = TestClient(api.app)
    with phone:
        login_as(phone, member, "demo")
        tasks = phone.get("/api/v1/me/tasks", params={"date": DAY.isoformat()}).json()
        assert tasks["version"] == 6 and tasks["route"]["number"] == route["number"]
        assert order[1] not in {v["id"] for v in tasks["route"]["visits"]}
        assert phone.get(f"/api/v1/plans/{DAY}").status_code == 403


def test_a_locked_route_survives_replanning(api):
    plan = build(api)
    route = plan["routes"][0]
    locked = api.post(
        f"/api/v1/plans/{DAY}/streets/hubin/lock", json={"version": 1, "team": route["number"]}
    )
    assert locked.status_code == 201
    rebuilt = build(api)
    kept = next(r for r in rebuilt["routes"] if r["number"] == route["number"])
    assert kept["locked"] and [v["id"] for v in kept["visits"]] == [
        v["id"] for v in route["visits"]
    ]
    assert [o["id"] for o in kept["officers"]] == [o["id"] for o in route["officers"]]
    refused = api.post(
        f"/api/v1/plans/{DAY}/streets/hubin/reorder",
        json={"version": 3, "team": route["number"], "order": []},
    )
    assert refused.status_code == 422 and "锁定" in refused.json()["detail"]


def test_a_big_day_is_solved_in_a_worker_process(api, monkeypatch):
    # The solver holds the GIL: a whole district's day must not stall the server's event loop.
    monkeypatch.setattr(service, "IN_PROCESS_STOPS", 0)
    response = api.post(f"/api/v1/plans/{DAY}", json={})
    assert response.status_code == 201, response.text
    plan = response.json()
    assert len(plan["streets"]) == 15 and plan["stats"]["joint_visits"] > 0


def test_the_draw_record_is_public_once_published_and_verified(api):
    plan = build(api)
    with TestClient(api.app) as anyone:
        draft = anyone.get(f"/api/v1/draws/{DAY}").json()
        assert draft["seed"]["seed"] and draft["draws"] == []  # nothing before publication
        version = plan["streets"][0]["version"]
        published = api.post(
            f"/api/v1/plans/{DAY}/streets/hubin/publish", json={"version": version}
        )
        assert published.status_code == 201, published.text
        record = anyone.get(f"/api/v1/draws/{DAY}").json()
    assert record["seed"]["seed"] and record["draws"]
    assert all(d["verified"] for d in record["draws"])


def test_leave_and_recusals_are_recorded_and_planning_obeys_them(api, district):
    plan = build(api)
    route = next(r for r in plan["routes"] if r["visits"])
    officer, visit = route["officers"][0], route["visits"][0]
    bad = {"user_id": officer["id"], "starts_on": str(DAY), "ends_on": str(TODAY)}
    assert api.post("/api/v1/leave", json=bad).status_code == 422
    body = {"user_id": officer["id"], "merchant_id": visit["merchant_id"], "reason": "亲属关系"}
    assert api.post("/api/v1/recusals", json=body).status_code == 201
    assert api.post("/api/v1/recusals", json=body).status_code == 409
    leave = {"user_id": route["officers"][1]["id"], "starts_on": str(DAY), "ends_on": str(DAY)}
    assert api.post("/api/v1/leave", json=leave).status_code == 201
    assert [r["user_id"] for r in api.get("/api/v1/leave", params={"date": str(DAY)}).json()]
    again = build(api)
    for r in again["routes"]:
        ids = {o["id"] for o in r["officers"]}
        assert leave["user_id"] not in ids
        if officer["id"] in ids:
            assert visit["merchant_id"] not in {v["merchant_id"] for v in r["visits"]}
