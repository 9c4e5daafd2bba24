"""The nightly recompute: an override runs out when its last day is over, once per day however
many schedulers run, and a day a dead or failed runner left behind is taken over."""

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.colour.models import ColourEvent, ColourOverride, NightlyRun
from server.colour.nightly import claim, run_if_due
from server.core.clock import district_timezone, local_today, utcnow
from server.merchants.models import Merchant
from server.policy.rules import DEFAULT_POLICY
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

MIDNIGHT = time(0, 0)


def _local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = local_today() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), district_timezone()).astimezone(UTC)


def _override(client: TestClient, engine: Engine, days: int) -> Merchant:
    make_user(engine, "sup", role="supervisor")
    csrf = login_as(client, "sup")
    (merchant,) = make_merchants(engine, 1)
    response = client.post(
        f"/api/v1/merchants/{merchant.id}/colour/override",
        json={"colour": "red", "reason": "节前专项检查", "days": days},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    return merchant


def _colour(engine: Engine, merchant: Merchant) -> str:
    with Session(engine) as session:
        found = session.get(Merchant, merchant.id)
        assert found is not None
        return found.colour


def _events(engine: Engine, merchant: Merchant) -> list[ColourEvent]:
    with Session(engine) as session:
        query = select(ColourEvent).where(ColourEvent.merchant_id == merchant.id)
        return list(session.exec(query.order_by(ColourEvent.at)))


def test_an_override_runs_out_with_the_first_run_after_its_last_day(
    client: TestClient, sync_engine: Engine
):
    merchant = _override(client, sync_engine, days=3)
    assert "红码" in client.get(f"/m/{merchant.qr_token}").text
    with Session(sync_engine) as session:
        (override,) = session.exec(select(ColourOverride)).all()
    last_day = (override.ends_on - local_today()).days
    assert last_day >= 1

    # On its last day the override still holds...
    held = run_if_due(sync_engine, DEFAULT_POLICY, MIDNIGHT, now=_local(last_day, 0, 10))
    assert held.ran and held.report is not None and held.error is None
    assert held.report.colour_changes == 0 and _colour(sync_engine, merchant) == "red"
    # ...and the first run after it finds it over: the shop is green again, publicly.
    after = run_if_due(sync_engine, DEFAULT_POLICY, MIDNIGHT, now=_local(last_day + 1, 0, 10))
    assert after.ran and after.error is None
    assert _colour(sync_engine, merchant) == "green"
    last = _events(sync_engine, merchant)[-1]
    assert (last.from_colour, last.to_colour, last.actor) == ("red", "green", "system")
    assert last.reason.startswith("人工调整已结束")
    assert "绿码" in client.get(f"/m/{merchant.qr_token}").text

    with Session(sync_engine) as session:
        run = session.get(NightlyRun, override.ends_on + timedelta(days=1))
        assert run is not None and run.finished_at is not None and run.error is None
        assert run.colour_changes == 1 and run.merchants == 1


def test_each_day_runs_once_and_not_before_its_time(client: TestClient, sync_engine: Engine):
    merchant = _override(client, sync_engine, days=1)
    early = run_if_due(sync_engine, DEFAULT_POLICY, time(23, 59), now=_local(3, 12))
    assert early.day is None and not early.ran
    first = run_if_due(sync_engine, DEFAULT_POLICY, MIDNIGHT, now=_local(3, 0, 5))
    assert first.ran
    events = len(_events(sync_engine, merchant))
    again = run_if_due(sync_engine, DEFAULT_POLICY, MIDNIGHT, now=_local(3, 0, 6))
    assert not again.ran and again.day == first.day
    assert len(_events(sync_engine, merchant)) == events
    with Session(sync_engine) as session:
        assert len(session.exec(select(NightlyRun)).all()) == 1


def test_a_claim_is_taken_once_and_taken_over_when_its_runner_is_gone(sync_engine: Engine):
    day = local_today()
    now = utcnow()
    assert claim(sync_engine, day, now)
    assert not claim(sync_engine, day, now + timedelta(minutes=30)), "still running elsewhere"
    assert claim(sync_engine, day, now + timedelta(hours=3)), "a runner that died long ago"
    with Session(sync_engine) as session:
        run = session.get(NightlyRun, day)
        assert run is not None
        run.error = "OperationalError: the server closed the connection"
        session.add(run)
        session.commit()
    assert not claim(sync_engine, day, now + timedelta(hours=3, minutes=5)), "retry waits a bit"
    assert claim(sync_engine, day, now + timedelta(hours=3, minutes=15))


def _cli(database_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "server", "codes", "nightly", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_nightly_command_runs_once_a_day(database_url: str, sync_engine: Engine, tmp_path):
    make_merchants(sync_engine, 3)
    first = _cli(database_url, tmp_path, "--once", "--at", "00:00")
    assert first.returncode == 0, first.stderr
    assert "recomputed 3 merchants" in first.stdout
    second = _cli(database_url, tmp_path, "--once", "--at", "00:00")
    assert second.returncode == 0 and "already run" in second.stdout
    bad = _cli(database_url, tmp_path, "--once", "--at", "25:99")
    assert bad.returncode == 2 and "HH:MM" in bad.stderr


@pytest.mark.parametrize("value", ["25:00", "soon", "7"])
def test_an_impossible_nightly_time_is_refused_naming_the_setting(value: str):
    from server.core.settings import load_settings

    with pytest.raises(ValueError, match="NIGHTLY_AT"):
        load_settings({"NIGHTLY_AT": value, "SECRET_KEY": "x"})


def test_healthz_tells_when_the_nightly_run_last_finished(client: TestClient, sync_engine: Engine):
    before = client.get("/healthz").json()
    assert before["nightly"] == {"last_day": None, "late": False}  # a fresh install
    run_if_due(sync_engine, DEFAULT_POLICY, MIDNIGHT, now=_local(0, 0, 30))
    after = client.get("/healthz")
    assert after.status_code == 200
    assert after.json()["nightly"] == {"last_day": local_today().isoformat(), "late": False}
