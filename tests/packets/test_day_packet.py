"""GET /api/v1/me/day: the route with merchants, checklists by department and legal bases."""

from datetime import timedelta

from tests.inspections.conftest import record_body
from tests.support.app import login_as


def test_the_day_packet_carries_what_the_phone_needs_offline(client, today_route):
    csrf = login_as(client, "insp-a")
    packet = client.get("/api/v1/me/day", params={"date": today_route.day.isoformat()}).json()
    route = packet["route"]
    assert len(route["officers"]) == 2
    [visit] = route["visits"]
    assert visit["id"] == str(today_route.visit_key) and visit["order"] == 1
    assert visit["merchant"]["name"].startswith("老王面馆") and visit["merchant"]["lat"]
    assert visit["merchant"]["qr_token"] == today_route.qr_token
    [group] = visit["checklist"]
    assert group["items"] == ["T-hygiene", "T-licence", "T-signage"]
    assert packet["items"]["T-licence"]["basis"] == "《测试条例》第一条"
    assert packet["items"]["T-signage"]["no_penalty"] is True
    assert visit["submitted"] is False
    client.post(
        "/api/v1/inspections", json=record_body(today_route), headers={"X-CSRF-Token": csrf}
    )
    tomorrow = (today_route.day + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/me/day", params={"date": tomorrow}).json()["route"] is None
    again = client.get("/api/v1/me/day", params={"date": today_route.day.isoformat()}).json()
    assert again["route"]["visits"][0]["submitted"] is True


def test_the_day_packet_needs_a_session_and_a_real_date(client, today_route):
    assert client.get("/api/v1/me/day", params={"date": "2026-11-26"}).status_code == 401
    login_as(client, "insp-a")
    bad = client.get("/api/v1/me/day", params={"date": "明天"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]
