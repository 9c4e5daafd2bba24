"""POST /api/v1/inspections: validation, idempotency, scoring (by the policy), orders and the
action code."""

import base64
import io
import os
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlmodel import Session, select

from server.app import create_app
from server.core.clock import district_timezone, utcnow
from server.core.settings import load_settings
from server.core.workdays import CALENDAR
from server.inspections.models import Inspection
from server.inspections.record_models import InspectionRecord
from server.rectifications.models import RectificationOrder
from tests.inspections.conftest import SIGNATURE, record_body
from tests.support.app import login_as, with_settings


def _post(client, csrf, body, **headers):
    return client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf, **headers})


def test_a_failed_key_item_turns_the_merchant_red_and_opens_an_order(
    client, sync_engine, today_route
):
    csrf = login_as(client, "insp-a")
    sent = record_body(today_route)
    response = _post(client, csrf, sent)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["result"] == "rectify" and stored["score"] == 7
    assert stored["merchant"]["colour"] == "red"
    [order] = stored["orders"]
    assert order["requirement"].endswith("营业执照未悬挂")
    assert order["deadline"] == (today_route.day + timedelta(days=7)).isoformat()
    assert order["recheck_from"] > order["deadline"]
    assert stored["action_code"].startswith("XZ") and order["action_code"].startswith("ZG")
    page = client.get(f"/v/{stored['action_code']}")
    assert page.status_code == 200 and "真实有效" in page.text and "责令整改" in page.text
    assert "老王面馆" in page.text
    order_page = client.get(f"/v/{order['action_code']}")
    assert "整改中" in order_page.text
    assert client.get("/v/XZ20260101NOTREAL").status_code == 404
    printed = client.get(f"/api/v1/inspections/{stored['id']}/record")
    assert printed.status_code == 200 and "现场检查笔录" in printed.text and "<svg" in printed.text
    # The merchant reads the visit's times on the district's clock, not UTC.
    started = datetime.fromisoformat(sent["started_at"]).astimezone(district_timezone())
    assert started.strftime("%Y-%m-%d %H:%M") in printed.text
    with Session(sync_engine) as session:
        assert session.exec(select(RectificationOrder)).one().key_item
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    login_as(client, "insp-c")  # not on the team: the record and its signatures stay hidden
    assert client.get(f"/api/v1/inspections/{stored['id']}").status_code == 404
    assert client.get(f"/api/v1/inspections/{stored['id']}/record").status_code == 404


def test_the_same_record_twice_is_stored_once_and_a_changed_one_is_409(client, today_route):
    csrf = login_as(client, "insp-a")
    body = record_body(today_route)
    first = _post(client, csrf, body)
    again = _post(client, csrf, dict(reversed(list(body.items()))))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["action_code"] == first.json()["action_code"]
    changed = _post(client, csrf, {**body, "summary": "改了"})
    assert changed.status_code == 409 and "不同的内容" in changed.json()["detail"]


def test_a_visit_of_another_team_is_403(client, today_route):
    csrf = login_as(client, "insp-c")
    response = _post(client, csrf, record_body(today_route))
    assert response.status_code == 403 and "不属于" in response.json()["detail"]


def test_bad_records_are_422_naming_what_is_wrong(client, sync_engine, today_route):
    csrf = login_as(client, "insp-a")
    one, two = today_route.officers
    body = record_body(today_route)
    foreign = {**body, "findings": [*body["findings"], {"item": "T-exits", "outcome": "pass"}]}
    r = _post(client, csrf, foreign)
    assert r.status_code == 422 and "T-exits" in r.json()["detail"]
    r = _post(client, csrf, {**body, "officers": [str(one.id)]})
    assert r.status_code == 422 and "至少 2 名持证执法人员" in r.json()["detail"]
    unsigned = {
        **body,
        "signatures": {"officers": {str(one.id): SIGNATURE, str(two.id): SIGNATURE}},
    }
    r = _post(client, csrf, unsigned)
    assert r.status_code == 422 and "商户签名" in r.json()["detail"]
    refused = {
        **body,
        "signatures": {
            **unsigned["signatures"],
            "refusal": {"witness": "隔壁店主李某", "note": "商户拒绝签字"},
        },
    }
    no_remedy = [{**body["findings"][0], "deadline": None}, *body["findings"][1:]]
    r = _post(client, csrf, {**body, "findings": no_remedy})
    assert r.status_code == 422 and "整改期限" in r.json()["detail"]
    r = _post(client, csrf, {**body, "findings": body["findings"][1:]})
    assert r.status_code == 422 and "T-licence" in r.json()["detail"]
    r = _post(client, csrf, {**body, "started_at": "昨天"})
    assert r.status_code == 422
    with Session(sync_engine) as session:
        assert session.exec(select(Inspection)).first() is None
    ok = _post(client, csrf, refused)
    assert ok.status_code == 201 and "merchant_refused" in ok.json()["flags"]


def test_a_phone_clock_hours_off_is_accepted_with_both_times_kept(client, sync_engine, today_route):
    csrf = login_as(client, "insp-b")
    ahead = timedelta(hours=5)  # the phone's clock, and so every time it wrote, runs 5 h fast
    now = utcnow().replace(microsecond=0)
    day_began = datetime.combine(today_route.day, time(0, 5), district_timezone())
    start = max(now - timedelta(minutes=30), day_began.astimezone(UTC))
    body = record_body(
        today_route,
        started_at=(start + ahead).isoformat(),
        finished_at=(start + ahead + timedelta(minutes=20)).isoformat(),
    )
    response = _post(client, csrf, body, **{"X-Device-Time": (now + ahead).isoformat()})
    assert response.status_code == 201, response.text
    assert "clock_skew" in response.json()["flags"]
    assert not {"off_day", "clock_unknown"} & set(response.json()["flags"])
    with Session(sync_engine) as session:
        row = session.exec(select(InspectionRecord)).one()
        assert 4.9 * 3600 < row.clock_offset_seconds < 5.1 * 3600
        inspection = session.get(Inspection, row.inspection_id)
        assert inspection.started_at.isoformat()[:19] == body["started_at"][:19]


def test_a_closed_shop_needs_a_photo_and_is_recorded_absent(client, today_route):
    csrf = login_as(client, "insp-a")
    body = record_body(today_route, presence={"method": "closed"}, findings=[])
    r = _post(client, csrf, body)
    assert r.status_code == 422 and "关门照片" in r.json()["detail"]


def test_manual_presence_needs_a_reason_and_is_flagged(client, today_route):
    csrf = login_as(client, "insp-a")
    body = record_body(today_route, presence={"method": "manual", "reason": ""})
    assert _post(client, csrf, body).status_code == 422
    body["presence"]["reason"] = "二维码被油污覆盖无法识别"
    r = _post(client, csrf, body)
    assert r.status_code == 201 and "manual_presence" in r.json()["flags"]


def test_a_result_goes_public_after_the_set_working_days(client, today_route, sync_engine):
    csrf = login_as(client, "insp-a")
    stored = client.post(
        "/api/v1/inspections", json=record_body(today_route), headers={"X-CSRF-Token": csrf}
    )
    assert stored.status_code == 201
    with Session(sync_engine) as session:
        inspection = session.get(Inspection, uuid.UUID(stored.json()["id"]))
    published = inspection.published_at.replace(tzinfo=inspection.published_at.tzinfo or UTC)
    local = published.astimezone(district_timezone())
    assert local.hour == 9 and CALENDAR.is_working_day(local.date())
    working_days = sum(
        1
        for n in range(1, (local.date() - today_route.day).days + 1)
        if CALENDAR.is_working_day(today_route.day + timedelta(days=n))
    )
    assert working_days == 5  # RESULTS_PUBLIC_AFTER_DAYS by default, on the official calendar


def test_the_publication_delay_is_bounded_by_law():
    with pytest.raises(ValueError, match="RESULTS_PUBLIC_AFTER_DAYS"):
        load_settings({"RESULTS_PUBLIC_AFTER_DAYS": "21"})
    assert load_settings({"RESULTS_PUBLIC_AFTER_DAYS": "0"}).results_public_after_days == 0


def _png(image: Image.Image) -> str:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_a_signature_must_be_a_readable_image_with_ink_on_it(client, sync_engine, today_route):
    csrf = login_as(client, "insp-a")
    one, two = today_route.officers
    body = record_body(today_route)
    blank_pad = _png(Image.new("RGBA", (360, 140), (0, 0, 0, 0)))
    white_pad = _png(Image.new("RGB", (360, 140), (255, 255, 255)))
    noise = os.urandom(400_000)
    cases = {
        "空白": blank_pad,
        "空白的": white_pad,
        "不是可识别的图片": "data:image/png;base64,这不是图片",
        "PNG、JPEG 或 WebP": "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "过大": "data:image/png;base64," + base64.b64encode(noise).decode(),
    }
    for reason, bad in cases.items():
        signed = {"officers": {str(one.id): SIGNATURE, str(two.id): bad}, "merchant": SIGNATURE}
        r = _post(client, csrf, {**body, "signatures": signed})
        assert r.status_code == 422, reason
        assert reason in r.json()["detail"] and two.name in r.json()["detail"], r.json()
    r = _post(client, csrf, {**body, "signatures": {**body["signatures"], "merchant": white_pad}})
    assert r.status_code == 422 and "商户的签名是空白的" in r.json()["detail"]
    with Session(sync_engine) as session:
        assert session.exec(select(Inspection)).first() is None
    assert _post(client, csrf, body).status_code == 201


def test_a_record_is_scored_with_the_points_of_the_policy_file(
    settings, sync_engine, today_route, tmp_path
):
    policy = tmp_path / "policy.yaml"
    policy.write_text("scoring: {key_item_points: 10, general_item_points: 3}\n")
    body = record_body(today_route)
    body["findings"][1] = {"item": "T-hygiene", "outcome": "fail", "corrected_on_site": True}
    with TestClient(create_app(with_settings(settings, policy_file=str(policy)))) as client:
        csrf = login_as(client, "insp-a")
        response = _post(client, csrf, body)
    assert response.status_code == 201, response.text
    assert response.json()["score"] == 13  # the defaults would give 7 + 2
    with Session(sync_engine) as session:
        assert session.get(Inspection, uuid.UUID(body["id"])).score == 13


def test_a_district_asking_three_officers_a_visit_refuses_a_record_of_two(
    settings, sync_engine, today_route, tmp_path
):
    policy = tmp_path / "policy.yaml"
    policy.write_text("officers_per_visit: 3\n")
    with TestClient(create_app(with_settings(settings, policy_file=str(policy)))) as client:
        csrf = login_as(client, "insp-a")
        response = _post(client, csrf, record_body(today_route))
    assert response.status_code == 422, response.text
    assert "至少 3 名持证执法人员" in response.json()["detail"]
    with Session(sync_engine) as session:
        assert session.exec(select(Inspection)).first() is None


def test_times_off_the_plans_day_and_an_unknown_phone_clock_are_flagged(client, today_route):
    csrf = login_as(client, "insp-a")
    start = utcnow().replace(microsecond=0) - timedelta(days=3)
    body = record_body(
        today_route,
        started_at=start.isoformat(),
        finished_at=(start + timedelta(minutes=40)).isoformat(),
    )
    late = _post(client, csrf, body)  # and the phone did not say its time
    assert late.status_code == 201, late.text
    assert {"off_day", "clock_unknown"} <= set(late.json()["flags"])
