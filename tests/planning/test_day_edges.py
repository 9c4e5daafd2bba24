"""Planning follows the district's calendar at its edges, whatever UTC or the machine says:
the day turns at the district's midnight, and the year at its new year."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from server.app import create_app
from server.complaints.models import Complaint
from server.core.clock import utcnow
from server.planning.due import complaint_visits
from server.policy.rules import DEFAULT_POLICY
from tests.support.app import console_login, login_as
from tests.support.factories import make_merchants, make_user


def _plan(client: TestClient, day: date, **body):
    return client.post(f"/api/v1/plans/{day}", json={"street": "hubin", **body})


@pytest.mark.clock("2026-11-26T23:58:00", frozen=True)
def test_a_plan_for_today_can_be_built_at_2358_and_not_once_the_district_day_has_turned(
    bare_api, clock
):
    today = date(2026, 11, 26)
    assert _plan(bare_api, today).status_code == 201
    clock.advance(timedelta(minutes=3))  # 00:01 in the district; UTC still says 26 November
    late = _plan(bare_api, today)
    assert late.status_code == 422 and "过去的日期" in late.json()["detail"]
    assert _plan(bare_api, today + timedelta(days=1)).status_code == 201


@pytest.mark.clock("2026-11-27T07:30:00", frozen=True)
def test_at_0730_the_utc_date_is_already_the_past(bare_api):
    refused = _plan(bare_api, date(2026, 11, 26))  # what UTC calls today
    assert refused.status_code == 422 and "过去的日期" in refused.json()["detail"]
    assert _plan(bare_api, date(2026, 11, 27)).status_code == 201


@pytest.mark.clock("2026-12-31T23:59:00", frozen=True)
def test_new_years_eve_turns_into_the_new_year_at_the_district_midnight(
    sync_engine, plan_settings, tmp_path, clock
):
    # By then the district has loaded 2027's official calendar (here the test's own file).
    path = tmp_path / "calendar.yaml"
    path.write_text("2027:\n  holidays:\n    元旦: 2027-01-01..2027-01-03\n", encoding="utf-8")
    make_user(sync_engine, "sup", role="supervisor")
    with TestClient(create_app(replace(plan_settings, calendar_file=str(path)))) as client:
        client.headers["X-CSRF-Token"] = login_as(client, "sup")
        assert _plan(client, date(2026, 12, 31)).status_code == 201
        clock.advance(timedelta(minutes=2))
        past = _plan(client, date(2026, 12, 31))
        assert past.status_code == 422 and "过去的日期" in past.json()["detail"]
        # New Year's Day is today now, not the past: refused as the holiday it is, built when
        # asked for explicitly; the first working day of the year needs nothing more.
        holiday = _plan(client, date(2027, 1, 1))
        assert holiday.status_code == 422 and "元旦假期" in holiday.json()["detail"]
        assert _plan(client, date(2027, 1, 1), non_working_day=True).status_code == 201
        assert _plan(client, date(2027, 1, 4)).status_code == 201


@pytest.mark.clock("2026-11-29T10:00:00", frozen=True)
def test_on_a_sunday_the_coming_monday_can_be_planned_and_sunday_is_today(bare_api):
    assert _plan(bare_api, date(2026, 11, 30)).status_code == 201
    assert _plan(bare_api, date(2026, 11, 28)).status_code == 422  # Saturday is the past


@pytest.mark.clock("2026-11-27T07:30:00", frozen=True)
def test_a_complaint_at_0730_has_the_same_deadline_in_the_console_as_in_the_planner(
    sync_engine, plan_settings
):
    # At 07:30 in the district UTC still says 26 November: the complaint is Friday the 27th's,
    # and is visited by Wednesday 2 December (three working days; from the 26th it would be
    # Tuesday the 1st), in the console's inbox as in the plan's due list.
    make_user(sync_engine, "sup", role="supervisor")
    (merchant,) = make_merchants(sync_engine, 1)
    with Session(sync_engine) as session:
        session.add(
            Complaint(
                tracking_no="TS20261127-TEST0001",
                merchant_id=merchant.id,
                text="油烟扰民",
                created_at=utcnow(),
            )
        )
        session.commit()
        later = date(2026, 12, 10)
        (due,) = complaint_visits(session, later, [merchant.street_id], DEFAULT_POLICY)
    planner = later - timedelta(days=due.overdue_days)
    assert planner == date(2026, 12, 2)
    with TestClient(create_app(plan_settings)) as client:
        assert console_login(client, "sup").status_code in (302, 303)
        inbox = client.get("/console/complaints")
    assert inbox.status_code == 200, inbox.text
    row = inbox.text.split("TS20261127-TEST0001")[1]
    assert f">{planner.isoformat()}</td>" in row.split("</tr>")[0]
