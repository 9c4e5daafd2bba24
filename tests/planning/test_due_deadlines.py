"""Deadlines the planner keeps on China's working days: a due date that falls on a weekend or a
holiday is planned on the working day before it, and a re-check brings back only the
departments whose items its order still waits for."""

from datetime import date, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from server.catalog.models import CheckItem, Matter
from server.merchants.models import Merchant
from server.org.models import Department
from server.planning.due import colour_due, reinspections_owed
from server.policy.rules import DEFAULT_POLICY
from tests.support.factories import make_merchants
from tests.support.records import add_inspection, add_order, make_catalogue


def _due_on(engine: Engine, dues: list[date]) -> list[Merchant]:
    merchants = make_merchants(engine, len(dues))
    with Session(engine) as session:
        for merchant, due in zip(merchants, dues, strict=True):
            session.exec(update(Merchant).where(Merchant.id == merchant.id).values(next_due=due))
        session.commit()
    return merchants


def _planned(engine: Engine, day: date, merchants: list[Merchant]) -> dict[date, int]:
    dues = {m.id: m for m in merchants}
    with Session(engine) as session:
        checks = colour_due(session, day, [merchants[0].street_id], DEFAULT_POLICY)
        stored = dict(session.exec(select(Merchant.id, Merchant.next_due)).all())
    return {stored[c.merchant_id]: c.overdue_days for c in checks if c.merchant_id in dues}


def test_a_due_date_on_the_weekend_is_planned_on_the_friday_before(sync_engine: Engine):
    friday = date(2026, 11, 27)
    merchants = _due_on(sync_engine, [date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30)])
    assert _planned(sync_engine, friday, merchants) == {
        date(2026, 11, 28): 0,
        date(2026, 11, 29): 0,
    }  # Monday's is Monday's


def test_the_last_working_day_before_national_day_answers_for_the_whole_holiday(
    sync_engine: Engine,
):
    # 1–7 October 2026 are off; Thursday the 8th is worked, and so is Saturday the 10th.
    dues = [date(2026, 10, 1), date(2026, 10, 7), date(2026, 10, 8), date(2026, 10, 10)]
    merchants = _due_on(sync_engine, dues)
    before = date(2026, 9, 30)
    assert set(_planned(sync_engine, before, merchants)) == {date(2026, 10, 1), date(2026, 10, 7)}
    friday = date(2026, 10, 9)  # the make-up Saturday after it is a working day of its own
    assert date(2026, 10, 10) not in _planned(sync_engine, friday, merchants)


def test_a_recheck_brings_back_only_the_department_still_owed(sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    catalogue = make_catalogue(sync_engine)
    with Session(sync_engine) as session:  # hygiene belongs to another department
        hygiene = session.get(CheckItem, catalogue.items["hygiene"])
        matter = session.get(Matter, hygiene.matter_id)
        health = Department(code="wsjk-t", name="卫生健康（测试）")
        session.add(health)
        session.flush()
        own = Matter(
            code="T-M-health",
            name="卫生",
            domain_id=matter.domain_id,
            department_id=health.id,
            legal_basis=matter.legal_basis,
        )
        session.add(own)
        session.flush()
        hygiene.matter_id = own.id
        session.add(hygiene)
        first_department = matter.department_id
        health_id = health.id
        session.commit()
    issued = date(2026, 11, 2)
    visit = add_inspection(
        sync_engine, catalogue, merchant.id, issued, {"licence": False, "hygiene": False}
    )
    add_order(sync_engine, merchant.id, issued, issued + timedelta(days=7), inspection_id=visit)
    window = issued + timedelta(days=7 + DEFAULT_POLICY.recheck_min_days)

    def owed(day: date) -> set:
        with Session(sync_engine) as session:
            checks = reinspections_owed(session, day, [merchant.street_id], DEFAULT_POLICY)
        return {c.department_id for c in checks}

    assert owed(window) == {first_department, health_id}
    # A visit of the first department finds the licence put right; hygiene's cannot come.
    add_inspection(sync_engine, catalogue, merchant.id, window, {"hygiene": False})
    assert owed(window + timedelta(days=1)) == {health_id}
