"""The coverage simulation (bench/coverage) on a small district for one working week: with
every inspector at work, the red shops already overdue are visited on the first day, every red
shop falling due is visited by its date, and every complaint within its days."""

from collections import Counter
from datetime import datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bench.coverage.sim import Config, simulate
from server.core.clock import CLOCK
from server.core.plan_settings import PlanningSettings
from server.demo.loader import load_demo
from server.merchants.models import Merchant
from server.policy.rules import DEFAULT_POLICY
from tests.support.clock import DISTRICT, TODAY

LOADED = TODAY + timedelta(days=7 - TODAY.weekday())  # a Monday


def busiest_red_week(engine: Engine):  # type: ignore[no-untyped-def]
    """The Monday of the week, from the one the demo was loaded on, in which most red shops
    fall due on a working day."""
    with Session(engine) as session:
        dues = session.exec(select(Merchant.next_due).where(Merchant.colour == "red")).all()
    weeks = Counter(
        d - timedelta(days=d.weekday()) for d in dues if d and d >= LOADED and d.weekday() < 5
    )
    return max(weeks, key=lambda monday: (weeks[monday], -monday.toordinal()))


def test_a_week_with_ample_capacity_keeps_every_red_and_complaint_deadline(sync_engine: Engine):
    CLOCK.set(datetime.combine(LOADED, time(6), DISTRICT), frozen=True)
    load_demo(sync_engine, merchants=400, today=LOADED)
    config = Config(
        start=busiest_red_week(sync_engine),
        days=5,  # Monday to Friday
        complaints_per_day=3,
        settings=PlanningSettings(exploration=1, threads=1),
    )
    result = simulate(sync_engine, config, DEFAULT_POLICY)
    assert result.ledger is not None
    tallies = result.ledger.tallies(result.last)
    red, complaints = tallies["red"], tallies["complaint"]
    assert result.working_days == 5
    assert red.inherited > 0 and red.inherited_days == [0] * red.inherited  # all on Monday
    assert red.due > 0 and red.in_time == red.due
    assert complaints.due > 0 and complaints.in_time == complaints.due
    assert tallies["recheck"].late == tallies["recheck"].owed == 0
    assert result.stats["door_entries_saved"] > 0  # checks of several departments, one visit
