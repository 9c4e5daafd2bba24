"""Plans are for the district's working days (China's official calendar, server.core.workdays):
a weekend or a holiday is refused with the day and why, on the API, in the console and on the
command line, and built when asked for explicitly; a make-up working Saturday is planned as any
working day; a year whose calendar is not loaded is refused until the district adds it."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlmodel import Session

from server.app import create_app
from server.cli import _register_domain_commands, cli
from server.core.settings import Settings
from server.planning.service import PlanRefused, build_plan
from tests.planning.conftest import FAST
from tests.support.app import console_login, login_as
from tests.support.clock import TODAY
from tests.support.factories import make_user

SATURDAY, SUNDAY = date(2026, 11, 28), date(2026, 11, 29)  # the suite's Thursday's weekend
HINT = "non_working_day"
# A district's file for 2027, with the test's own dates (the notice is not out as this is written).
CALENDAR_2027 = "2027:\n  holidays:\n    元旦: 2027-01-01..2027-01-03\n"


def _plan(client: TestClient, day: date, **body):
    return client.post(f"/api/v1/plans/{day}", json={"street": "hubin", **body})


@pytest.mark.parametrize(("day", "why"), [(SATURDAY, "周六）是休息日"), (SUNDAY, "周日）是休息日")])
def test_the_api_refuses_a_weekend_naming_the_day_and_builds_it_when_asked(bare_api, day, why):
    refused = _plan(bare_api, day)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert f"{day.isoformat()}（{why}" in detail and HINT in detail
    assert bare_api.get(f"/api/v1/plans/{day}").json()["streets"] == []  # nothing was written
    built = _plan(bare_api, day, non_working_day=True)
    assert built.status_code == 201, built.text
    assert built.json()["date"] == day.isoformat()
    # A working day needs no flag, and the flag changes nothing on one.
    assert _plan(bare_api, TODAY).status_code == 201
    assert _plan(bare_api, TODAY, non_working_day=False).status_code == 201


@pytest.mark.clock("2026-09-28T10:00:00")
def test_national_day_is_refused_and_its_make_up_saturday_planned(bare_api):
    holiday = _plan(bare_api, date(2026, 10, 1))
    assert holiday.status_code == 422
    assert "2026-10-01（周四）是国庆节假期" in holiday.json()["detail"]
    assert "国庆节假期" in _plan(bare_api, date(2026, 10, 5)).json()["detail"]  # a Monday off
    assert _plan(bare_api, date(2026, 10, 10)).status_code == 201  # a Saturday worked
    assert _plan(bare_api, date(2026, 10, 1), non_working_day=True).status_code == 201


@pytest.mark.clock("2026-12-30T10:00:00")
def test_a_year_not_loaded_is_refused_until_the_district_adds_its_calendar(
    sync_engine, plan_settings: Settings, tmp_path: Path
):
    make_user(sync_engine, "sup", role="supervisor")
    with TestClient(create_app(plan_settings)) as client:
        client.headers["X-CSRF-Token"] = login_as(client, "sup")
        refused = _plan(client, date(2027, 1, 4))
        assert refused.status_code == 422
        assert "2027 年" in refused.json()["detail"] and "CALENDAR_FILE" in refused.json()["detail"]
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    with TestClient(create_app(replace(plan_settings, calendar_file=str(path)))) as client:
        client.headers["X-CSRF-Token"] = login_as(client, "sup")
        assert _plan(client, date(2027, 1, 4)).status_code == 201
        new_year = _plan(client, date(2027, 1, 1))
        assert new_year.status_code == 422 and "元旦假期" in new_year.json()["detail"]


def test_build_plan_refuses_a_sunday_unless_asked(sync_engine):
    make_user(sync_engine, "sup", role="supervisor")  # the district's streets
    with Session(sync_engine) as session:
        with pytest.raises(PlanRefused) as refused:
            build_plan(session, SUNDAY, settings=FAST, today=TODAY)
        assert refused.value.key == "plan.non_working_day"
        session.rollback()
        plans = build_plan(session, SUNDAY, settings=FAST, today=TODAY, non_working_day=True)
        assert plans and all(p.day == SUNDAY for p in plans)


@pytest.fixture
def console(sync_engine, plan_settings: Settings) -> Iterator[TestClient]:
    make_user(sync_engine, "sup", role="supervisor")
    with TestClient(create_app(plan_settings)) as client:
        assert console_login(client, "sup").status_code in (302, 303)
        client.headers["X-CSRF-Token"] = client.cookies["ov_csrf"]
        yield client


def test_the_console_refuses_a_sunday_and_builds_it_with_the_box_ticked(console):
    form = {"date": SUNDAY.isoformat(), "street": "hubin", "version": "0"}
    page = console.get("/console/plan", params={"date": SUNDAY.isoformat(), "street": "hubin"})
    assert 'name="non_working_day"' in page.text and "非工作日也排班" in page.text
    refused = console.post("/console/plan/build", data=form)
    assert refused.status_code == 422 and "2026-11-29（周日）是休息日" in refused.text
    built = console.post("/console/plan/build", data={**form, "non_working_day": "1"})
    assert built.status_code == 200 and "第 1 版" in built.text


def _onevisit(database_url: str, *args: str, **env: str):
    _register_domain_commands()
    environment = {"DATABASE_URL": database_url, "SECRET_KEY": "test", **env}
    return CliRunner().invoke(cli, list(args), env=environment)


def test_the_plan_command_refuses_a_holiday_and_builds_it_with_the_flag(
    sync_engine, database_url: str
):
    make_user(sync_engine, "sup", role="supervisor")
    refused = _onevisit(database_url, "plan", "--date", SUNDAY.isoformat(), "--street", "hubin")
    assert refused.exit_code == 2 and "2026-11-29（周日）是休息日" in refused.output
    assert "--allow-non-working-day" in refused.output
    built = _onevisit(
        database_url,
        "plan",
        "--date",
        SUNDAY.isoformat(),
        "--street",
        "hubin",
        "--allow-non-working-day",
    )
    assert built.exit_code == 0, built.output
    beyond = _onevisit(database_url, "plan", "--date", "2027-01-04", "--allow-non-working-day")
    assert beyond.exit_code == 0, beyond.output  # asked explicitly: the calendar is not needed
    unknown = _onevisit(database_url, "plan", "--date", "2027-01-05")
    assert unknown.exit_code == 2 and "2027 年的法定节假日安排尚未载入" in unknown.output


@pytest.mark.clock("2026-09-30T17:00:00")
def test_the_console_opens_on_the_next_working_day(console):
    page = console.get("/console/plan")
    assert page.status_code == 200 and "2026-10-08" in page.text  # after National Day
