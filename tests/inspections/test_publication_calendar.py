"""A result goes public RESULTS_PUBLIC_AFTER_DAYS working days after its visit on China's official
calendar; a record whose day to go public falls in a year whose calendar is not loaded waits on the
phone (503, sent again by its outbox) until the district adds that year, and is never guessed."""

import uuid
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.core.calendar_file import load_calendar_file
from server.core.clock import utcnow
from server.core.workdays import CALENDAR
from server.inspections.models import Inspection
from tests.inspections.conftest import make_day, record_body
from tests.support.app import login_as
from tests.support.clock import at


def _send(client, csrf, body):
    headers = {"X-CSRF-Token": csrf, "X-Device-Time": utcnow().isoformat()}
    return client.post("/api/v1/inspections", json=body, headers=headers)


def _published(engine: Engine, record_id: str):
    with Session(engine) as session:
        moment = session.get(Inspection, uuid.UUID(record_id)).published_at
    return moment.replace(tzinfo=moment.tzinfo or UTC)


@pytest.mark.clock("2026-09-30T15:00:00")
def test_a_result_of_the_eve_of_national_day_goes_public_after_the_holiday(client, sync_engine):
    day = make_day(sync_engine)
    stored = _send(client, login_as(client, "insp-a"), record_body(day))
    assert stored.status_code == 201, stored.text
    # 1 to 7 October off; Thursday 8, Friday 9, the make-up Saturday 10, Monday 12, Tuesday 13.
    assert _published(sync_engine, stored.json()["id"]) == at("2026-10-13T09:00")


@pytest.mark.clock("2026-12-28T15:00:00")
def test_a_record_waits_for_the_calendar_of_the_year_it_goes_public_in(
    client, sync_engine, tmp_path: Path
):
    day = make_day(sync_engine)
    csrf = login_as(client, "insp-a")
    body = record_body(day)
    waiting = _send(client, csrf, body)
    assert waiting.status_code == 503, waiting.text
    detail = waiting.json()["detail"]
    assert "2027 年" in detail and "CALENDAR_FILE" in detail and "自动重新提交" in detail
    with Session(sync_engine) as session:
        assert session.exec(select(Inspection)).all() == []
    # The district adds 2027 (New Year 1 to 3 January, by the test's own file).
    path = tmp_path / "calendar.toml"
    path.write_text('[2027.holidays]\n"元旦" = "2027-01-01..2027-01-03"\n', encoding="utf-8")
    CALENDAR.configure(load_calendar_file(path))
    stored = _send(client, csrf, body)
    assert stored.status_code == 201, stored.text
    # Monday 28 December: 29, 30, 31 December, then Monday 4 and Tuesday 5 January.
    assert _published(sync_engine, stored.json()["id"]) == at("2027-01-05T09:00")
