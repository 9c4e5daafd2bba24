"""What the record's body may hold: fields the record names, moments a clock can hold. Anything
else is refused with the field named, and nothing of it is stored; a body stored before these
checks still answers as it did when sent again."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func, update
from sqlmodel import Session, select

from server.inspections.payload import body_hash
from server.inspections.record_models import InspectionRecord
from server.org.models import User
from tests.inspections.conftest import Day, make_day, record_body
from tests.support.app import login_as

DAY = date(2026, 12, 7)  # a Monday, a working day after the suite's today
START = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


@pytest.fixture
def visit(sync_engine: Engine) -> Day:
    day = make_day(sync_engine, on=DAY)
    with Session(sync_engine) as session:  # certificates valid on the fixed day
        session.exec(update(User).values(cert_valid_from=date(2020, 1, 1), cert_valid_until=None))
        session.commit()
    return day


def body(visit: Day, **changes: Any) -> dict[str, Any]:
    times = {
        "started_at": START.isoformat(),
        "finished_at": (START + timedelta(minutes=25)).isoformat(),
    }
    return record_body(visit, **(times | changes))


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(InspectionRecord)).one()


def post(client: TestClient, csrf: str, sent: dict, **headers: str):
    return client.post("/api/v1/inspections", json=sent, headers={"X-CSRF-Token": csrf, **headers})


def test_a_field_the_record_does_not_name_is_refused_and_not_stored(
    client: TestClient, sync_engine: Engine, visit: Day
):
    csrf = login_as(client, "insp-a")
    junk = post(client, csrf, body(visit, junk="x" * 1_000_000))
    assert junk.status_code == 422 and "`junk`" in junk.json()["detail"]
    nested = body(visit)
    nested["presence"]["colour_of_door"] = "red"
    refused = post(client, csrf, nested)
    assert refused.status_code == 422
    assert "colour_of_door" in refused.json()["detail"] and "$.presence" in refused.json()["detail"]
    assert stored(sync_engine) == 0
    assert post(client, csrf, body(visit)).status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"started_at": "0001-01-01T00:00:00+14:00"}, "started_at"),
        ({"finished_at": "9999-12-31T23:59:59-14:00"}, "finished_at"),
    ],
)
def test_a_time_no_clock_can_hold_is_refused_naming_it(
    client: TestClient, sync_engine: Engine, visit: Day, changes: dict, field: str
):
    csrf = login_as(client, "insp-a")
    refused = post(client, csrf, body(visit, **changes))
    assert refused.status_code == 422 and f"“{field}”不是有效的时间" in refused.json()["detail"]
    assert stored(sync_engine) == 0


def test_a_deadline_no_calendar_can_follow_is_refused_naming_it(
    client: TestClient, sync_engine: Engine, visit: Day
):
    csrf = login_as(client, "insp-a")
    sent = body(visit)
    sent["findings"][0]["deadline"] = "9999-12-31"
    refused = post(client, csrf, sent)
    assert refused.status_code == 422
    assert "“findings[0].deadline”不是有效的时间" in refused.json()["detail"]
    assert stored(sync_engine) == 0


def test_a_phone_clock_no_one_can_read_is_taken_as_unknown(client: TestClient, visit: Day):
    csrf = login_as(client, "insp-a")
    response = post(client, csrf, body(visit), **{"X-Device-Time": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 201, response.text
    assert "clock_unknown" in response.json()["flags"]


def test_a_body_stored_before_these_checks_still_answers_when_sent_again(
    client: TestClient, sync_engine: Engine, visit: Day
):
    csrf = login_as(client, "insp-a")
    first = post(client, csrf, body(visit))
    assert first.status_code == 201
    # As an earlier server kept it: with a field the record does not name.
    older = body(visit, id=first.json()["id"], app_version="1.4.2")
    with Session(sync_engine) as session:
        session.exec(update(InspectionRecord).values(body=older, body_sha256=body_hash(older)))
        session.commit()
    again = post(client, csrf, older)
    assert again.status_code == 200 and again.json()["action_code"] == first.json()["action_code"]
