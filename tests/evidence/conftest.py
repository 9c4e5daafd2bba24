"""Fixtures for the evidence tests: people, a visit, signed-in clients."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from server.cli import _register_domain_commands, cli
from server.core.clock import local_today
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user


@dataclass
class People:
    officer: User
    partner: User
    other: User
    supervisor: User
    far_supervisor: User
    district: User
    admin: User
    merchant: Merchant
    inspection: Inspection


def evening_today() -> datetime:
    zone = ZoneInfo("Asia/Shanghai")
    return datetime.combine(local_today(), time(21), zone).astimezone(UTC)


def make_visit(
    engine: Engine, merchant: Merchant, officers: list[User], started: datetime | None = None
) -> Inspection:
    # By default late in the district's day: clear of the visits and clips the tests set up,
    # whatever the hour the suite runs at.
    started = started or evening_today()
    with Session(engine) as session:
        inspection = Inspection(
            merchant_id=merchant.id,
            visit_date=started.date(),
            started_at=started,
            finished_at=started + timedelta(minutes=40),
            result="pass",
            action_code=f"XZ{started.timestamp():.0f}{len(officers)}{merchant.uscc[-4:]}",
            id=__import__("uuid").uuid4(),
        )
        session.add(inspection)
        session.flush()
        session.add_all(
            InspectionOfficer(inspection_id=inspection.id, user_id=o.id) for o in officers
        )
        session.commit()
        session.refresh(inspection)
        return inspection


@pytest.fixture
def people(sync_engine: Engine) -> People:
    officer = make_user(sync_engine, "officer1")
    partner = make_user(sync_engine, "officer2")
    other = make_user(sync_engine, "stranger", street="qingbo")
    supervisor = make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    far = make_user(sync_engine, "sup_qingbo", role="supervisor", street="qingbo")
    district = make_user(sync_engine, "sup_district", role="supervisor", street=None)
    admin = make_user(sync_engine, "admin1", role="admin", street=None)
    merchant = make_merchants(sync_engine, 1, street="hubin")[0]
    inspection = make_visit(sync_engine, merchant, [officer, partner])
    return People(officer, partner, other, supervisor, far, district, admin, merchant, inspection)


@pytest.fixture
def officer_client(client: TestClient, people: People) -> Iterator[tuple[TestClient, str]]:
    yield client, login_as(client, people.officer.username)


def today() -> date:
    return local_today()


@pytest.fixture
def runner(settings, monkeypatch) -> CliRunner:
    """The `onevisit` command, pointed at the test database and bucket."""
    _register_domain_commands()
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "STORAGE_URL": settings.storage_url,
        "SECRET_KEY": settings.secret_key,
        "ONEVISIT_VAR_DIR": str(settings.var_dir),
    }.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    """Run `onevisit ARGS` and return the click result."""
    return runner.invoke(cli, list(args), catch_exceptions=False)
