"""A small demo district with a busy day to plan: some merchants due, an officer on leave,
a recusal, and a shop with short opening hours."""

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from server.app import create_app
from server.core.plan_settings import PlanningSettings
from server.core.settings import Settings
from server.demo.loader import load_demo
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import Street, User
from server.planning.draws import publish_seed
from server.planning.models import OfficerLeave, OpeningHours, Recusal
from tests.support.app import login_as
from tests.support.clock import TODAY
from tests.support.factories import make_user

# The next Monday: a working day in the future whenever the suite runs.
DAY = TODAY + timedelta(days=7 - TODAY.weekday())
DUE_STREETS = ("hubin", "kaixuan", "xiaoying")
N_MERCHANTS = 300
FAST = PlanningSettings(exploration=1, threads=1)


@dataclass(frozen=True)
class District:
    engine: Engine
    day: date
    on_leave: User
    recused: tuple[User, Merchant]
    short_hours: Merchant


def make_due(
    engine: Engine, day: date, streets: tuple[str, ...] = DUE_STREETS, share: float = 0.6
) -> list[Merchant]:
    """Mark a share of the streets' merchants due on `day` (a busy day, as after a holiday)."""
    rng = random.Random(7)
    with Session(engine, expire_on_commit=False) as session:
        ids = session.exec(select(Street.id).where(col(Street.code).in_(streets))).all()
        merchants = session.exec(
            select(Merchant).where(col(Merchant.street_id).in_(ids)).order_by(Merchant.uscc)
        ).all()
        chosen = [m for m in merchants if rng.random() < share]
        session.exec(
            update(Merchant)
            .where(col(Merchant.id).in_([m.id for m in chosen]))
            .values(next_due=day)
        )
        session.commit()
        return chosen


def inspected(session: Session) -> set:
    """Merchants inspected in the planned day's year."""
    since = DAY.replace(month=1, day=1)
    return set(session.exec(select(Inspection.merchant_id).where(Inspection.visit_date >= since)))


@pytest.fixture
def district(sync_engine: Engine) -> District:
    load_demo(sync_engine, merchants=N_MERCHANTS, today=TODAY)
    due = make_due(sync_engine, DAY)
    with Session(sync_engine, expire_on_commit=False) as session:
        hubin = session.exec(select(Street).where(Street.code == "hubin")).one()
        officers = session.exec(
            select(User)
            .where(User.street_id == hubin.id, User.role == "inspector")
            .order_by(User.username)
        ).all()
        away, conflicted = officers[0], officers[1]
        session.add(OfficerLeave(user_id=away.id, starts_on=DAY, ends_on=DAY, reason="年休假"))
        # Merchants nobody inspected this year: the frequency caps cannot hold them back.
        fresh = [m for m in due if m.street_id == hubin.id and m.id not in inspected(session)]
        merchant = fresh[0]
        session.add(Recusal(user_id=conflicted.id, merchant_id=merchant.id, reason="近亲属经营"))
        short = fresh[1]
        # A fixed seed: the same teams and draws on every run of the suite.
        publish_seed(session, DAY, seed="5eed" * 16)
        session.add(
            OpeningHours(
                merchant_id=short.id,
                weekday=DAY.weekday(),
                opens_minute=14 * 60,
                closes_minute=16 * 60 + 30,
            )
        )
        session.commit()
    return District(sync_engine, DAY, away, (conflicted, merchant), short)


@pytest.fixture
def plan_settings(settings: Settings) -> Settings:
    return replace(settings, planning=FAST)


@pytest.fixture
def bare_api(sync_engine, plan_settings: Settings) -> Iterator[TestClient]:
    """Streets and one supervisor: enough for requests refused before any planning."""
    make_user(sync_engine, "sup", role="supervisor")
    with TestClient(create_app(plan_settings)) as client:
        client.headers["X-CSRF-Token"] = login_as(client, "sup")
        yield client
