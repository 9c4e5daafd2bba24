"""A late shift across the district's midnight: records land on the plan's day by the district's
clock, and the day's packet stays fresh after midnight until the nightly run moves on."""

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from server.core.clock import utcnow
from server.merchants.models import Merchant
from server.packets.store import DayPacket, move_packet_window
from tests.inspections.conftest import make_day, record_body
from tests.support.app import login_as
from tests.support.clock import at

PLAN_DAY = date(2026, 11, 26)


def _send(client, csrf, day, start):
    body = record_body(
        day,
        started_at=start.isoformat(),
        finished_at=(start + timedelta(minutes=20)).isoformat(),
    )
    headers = {"X-CSRF-Token": csrf, "X-Device-Time": utcnow().isoformat()}
    response = client.post("/api/v1/inspections", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return set(response.json()["flags"])


@pytest.mark.parametrize(
    ("now", "started", "off_day"),
    [
        ("2026-11-26T23:40", "2026-11-26T23:15", False),
        # 00:30 in the district is 16:30 UTC on 26 November: UTC alone would call it on the day.
        ("2026-11-27T00:30", "2026-11-27T00:05", True),
    ],
)
def test_a_visit_begun_after_the_district_midnight_is_off_its_day_though_utc_is_not(
    client, sync_engine: Engine, clock, now, started, off_day
):
    clock.set(at(now), frozen=True)
    day = make_day(sync_engine, on=PLAN_DAY)
    flags = _send(client, login_as(client, "insp-a"), day, at(started))
    assert ("off_day" in flags) is off_day


def _packet(client, day: date) -> dict:
    response = client.get("/api/v1/me/day", params={"date": day.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.clock("2026-11-27T00:20:00", frozen=True)
def test_after_midnight_yesterdays_packet_still_shows_changes_until_the_window_moves(
    client, sync_engine: Engine
):
    day = make_day(sync_engine, on=PLAN_DAY)
    login_as(client, "insp-a")
    assert _packet(client, PLAN_DAY)["route"]["visits"][0]["merchant"]["name"].startswith("老王")
    with Session(sync_engine) as session:
        session.exec(
            update(Merchant).where(Merchant.id == day.merchant_id).values(name="新招牌面馆")
        )
        session.commit()
    assert _packet(client, PLAN_DAY)["route"]["visits"][0]["merchant"]["name"] == "新招牌面馆"

    # The next night's run keeps packets from 27 November on: 26 November's is dropped.
    with sync_engine.begin() as conn:
        assert move_packet_window(conn, date(2026, 11, 28)) == 1
    with Session(sync_engine) as session:
        assert session.exec(select(DayPacket)).all() == []
    with Session(sync_engine) as session:
        session.exec(update(Merchant).where(Merchant.id == day.merchant_id).values(name="再改名"))
        session.commit()
    with Session(sync_engine) as session:
        assert session.exec(select(DayPacket)).all() == [], "no packet kept for a past day"
