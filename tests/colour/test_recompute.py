"""`onevisit codes recompute` works set-wise in SQL; it must agree with the pure engine exactly."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from server.colour.engine import assess
from server.colour.models import ColourEvent, ColourState
from server.colour.recompute import postgres, recompute_all
from server.colour.records import load_records
from server.colour.service import update_colour
from server.colour.texts import state_guidance_text, state_reason_text
from server.core.clock import local_today
from server.merchants.models import Merchant
from server.policy.rules import DEFAULT_POLICY, Policy
from tests.support.factories import make_merchants
from tests.support.records import (
    ITEMS,
    add_case,
    add_complaint,
    add_inspection,
    add_order,
    add_override,
    add_rerating,
    make_catalogue,
)

NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
TODAY = local_today(NOW)


def random_history(engine: Engine, catalogue, merchant_id, rng: random.Random) -> None:
    """Visits, orders, cases, complaints, overrides and re-rating requests drawn at random."""
    day = TODAY - timedelta(days=rng.randint(200, 1500))
    for _ in range(rng.randint(0, 6)):
        failures = {
            name: rng.random() < 0.6
            for name in rng.sample(list(ITEMS), rng.choice([0, 0, 1, 2, 3, 7]))
        }
        result = rng.choice([None] * 8 + ["case", "obstructed", "absent"])
        visit = add_inspection(engine, catalogue, merchant_id, day, failures, result=result)
        if any(not fixed for fixed in failures.values()) and rng.random() < 0.8:
            deadline = day + timedelta(days=rng.randint(5, 30))
            verified = deadline + timedelta(days=rng.randint(0, 40))
            verified = verified if verified <= TODAY and rng.random() < 0.7 else None
            add_order(engine, merchant_id, day, deadline, verified, inspection_id=visit)
        if rng.random() < 0.1:
            add_case(engine, merchant_id, day + timedelta(days=rng.randint(0, 20)))
        day += timedelta(days=rng.choice([10, 30, 95, 190, 200, 380, 400]))
        if day > TODAY:
            break
    if rng.random() < 0.15:
        add_complaint(engine, merchant_id, TODAY - timedelta(days=rng.randint(0, 500)))
    if rng.random() < 0.05:
        add_complaint(engine, merchant_id, TODAY, status="unfounded")
    if rng.random() < 0.15:
        start = TODAY - timedelta(days=rng.randint(0, 60))
        colour = rng.choice(["green", "yellow", "red"])
        add_override(engine, merchant_id, colour, start, start + timedelta(days=rng.randint(0, 90)))
    if rng.random() < 0.1:
        add_rerating(engine, merchant_id, TODAY - timedelta(days=rng.randint(0, 120)))


def expected_outcomes(engine: Engine, ids, policy: Policy) -> dict:
    with engine.connect() as conn:
        return {i: assess(load_records(conn, i, TODAY), TODAY, policy) for i in ids}


def stored(engine: Engine) -> dict:
    with Session(engine) as session:
        rows = session.exec(
            select(Merchant, ColourState).join(ColourState, ColourState.merchant_id == Merchant.id)
        ).all()
        return {m.id: (m, s) for m, s in rows}


@pytest.mark.parametrize(
    "policy",
    [
        DEFAULT_POLICY,
        Policy(red_min=20, green_after_months=6),
        # Low thresholds, so a few failures on the no-penalty list reach red and the
        # first-violation rule (never above yellow) comes into play.
        Policy(yellow_min=4, red_min=6, red_to_yellow_max_score=3, no_penalty_lookback_years=1),
    ],
)
def test_the_sql_recompute_agrees_with_the_engine_on_random_histories(
    sync_engine: Engine, policy: Policy
):
    catalogue = make_catalogue(sync_engine)
    merchants = make_merchants(sync_engine, 80)
    rng = random.Random(20261126)
    for merchant in merchants:
        random_history(sync_engine, catalogue, merchant.id, rng)
    expected = expected_outcomes(sync_engine, [m.id for m in merchants], policy)

    with sync_engine.begin() as conn:
        report = recompute_all(conn, policy, now=NOW)
    assert report.merchants == 80
    got = stored(sync_engine)
    assert set(got) == set(expected)
    colours = set()
    for merchant_id, outcome in expected.items():
        merchant, state = got[merchant_id]
        colours.add(merchant.colour)
        assert (merchant.colour, merchant.next_due) == (outcome.colour, outcome.next_due)
        assert state.reason_code == outcome.reason.code
        assert state_reason_text(state, policy) == outcome.reason.text(policy)
        assert state_guidance_text(state, policy) == outcome.guidance
        assert state.guidance_code == outcome.guidance_code
        assert (state.reason_on, state.source_kind, state.source_id) == (
            outcome.reason.day,
            outcome.reason.source_kind,
            outcome.reason.source_id,
        )
        assert state.adverse_on == outcome.adverse_on
    assert colours == {"green", "yellow", "red"}
    codes = {outcome.reason.code for outcome in expected.values()}
    assert {"visit_key_open", "improved_yellow", "order_issued"} <= codes


def test_a_second_recompute_changes_nothing_and_agrees_with_incremental_updates(
    sync_engine: Engine,
):
    catalogue = make_catalogue(sync_engine)
    merchants = make_merchants(sync_engine, 40)
    rng = random.Random(7)
    for merchant in merchants:
        random_history(sync_engine, catalogue, merchant.id, rng)
    with sync_engine.begin() as conn:
        first = recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert first.events == first.colour_changes > 0
    events = {}
    with Session(sync_engine) as session:
        for event in session.scalars(select(ColourEvent)):
            events[event.merchant_id] = event
    expected = expected_outcomes(sync_engine, [m.id for m in merchants], DEFAULT_POLICY)
    for merchant_id, event in events.items():  # the SQL-written texts are the engine's texts
        outcome = expected[merchant_id]
        assert event.reason.endswith(outcome.reason.text(DEFAULT_POLICY))
        assert event.guidance == outcome.guidance
    with sync_engine.begin() as conn:
        second = recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert (second.events, second.colour_changes, second.due_changes) == (0, 0, 0)
    with Session(sync_engine) as session:
        for merchant in merchants:
            update_colour(session, merchant.id, policy=DEFAULT_POLICY, now=NOW)
        session.commit()
        events = session.scalar(select(func.count()).select_from(ColourEvent))
    assert events == first.events


def test_recompute_only_writes_merchants_whose_colour_or_cause_changed(sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    calm, risky = make_merchants(sync_engine, 2)
    add_inspection(sync_engine, catalogue, calm.id, date(2026, 3, 2))
    add_inspection(sync_engine, catalogue, risky.id, date(2026, 3, 2), {"licence": False})
    with sync_engine.begin() as conn:
        report = recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert (report.colour_changes, report.events, report.states) == (1, 1, 2)
    with Session(sync_engine) as session:
        event = session.scalars(select(ColourEvent)).one()
    assert (event.merchant_id, event.from_colour, event.to_colour) == (risky.id, "green", "red")
    assert event.actor == "system" and event.source_kind == "inspection"
    assert "重点项" in event.reason and "2026-03-02" in event.reason


def test_the_sql_recompute_applies_the_first_violation_rule(sync_engine: Engine):
    # Three failures on the no-penalty list score 6: red under this policy, unless first.
    policy = Policy(yellow_min=4, red_min=6, red_to_yellow_max_score=3)
    catalogue = make_catalogue(sync_engine)
    first, repeat, old = make_merchants(sync_engine, 3)
    lenient = {"signage": True, "price_tags": True, "waste": True}
    add_inspection(sync_engine, catalogue, first.id, date(2026, 6, 1), lenient)
    add_inspection(sync_engine, catalogue, repeat.id, date(2025, 6, 2), {"hygiene": True})
    add_inspection(sync_engine, catalogue, repeat.id, date(2026, 6, 1), lenient)
    add_inspection(sync_engine, catalogue, old.id, date(2022, 6, 1), {"hygiene": True})
    add_inspection(sync_engine, catalogue, old.id, date(2026, 6, 1), lenient)
    expected = expected_outcomes(sync_engine, [first.id, repeat.id, old.id], policy)
    with sync_engine.begin() as conn:
        recompute_all(conn, policy, now=NOW)
    got = stored(sync_engine)
    assert [got[m.id][0].colour for m in (first, repeat, old)] == ["yellow", "red", "yellow"]
    assert got[first.id][1].reason_code == "first_violation"
    for merchant_id, outcome in expected.items():
        assert got[merchant_id][0].colour == outcome.colour
        assert got[merchant_id][1].reason_code == outcome.reason.code


def test_a_recompute_that_rewrites_most_merchants_builds_their_indexes_again(
    sync_engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    if sync_engine.dialect.name != "postgresql":
        pytest.skip("the indexes are built again on PostgreSQL only")
    monkeypatch.setattr(postgres, "REBUILD_MIN_ROWS", 1)
    rebuilt = []
    rebuild = postgres._without_merchant_indexes
    monkeypatch.setattr(
        postgres,
        "_without_merchant_indexes",
        lambda conn, update: rebuilt.append(True) or rebuild(conn, update),
    )
    indexes = text(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'merchant' AND schemaname = current_schema() ORDER BY indexname"
    )
    with sync_engine.connect() as conn:
        before = conn.execute(indexes).all()
    catalogue = make_catalogue(sync_engine)
    merchants = make_merchants(sync_engine, 40)
    rng = random.Random(11)
    for merchant in merchants:
        random_history(sync_engine, catalogue, merchant.id, rng)
    expected = expected_outcomes(sync_engine, [m.id for m in merchants], DEFAULT_POLICY)

    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert rebuilt == [True]
    got = stored(sync_engine)
    for merchant_id, outcome in expected.items():
        merchant, state = got[merchant_id]
        assert (merchant.colour, merchant.next_due) == (outcome.colour, outcome.next_due)
        assert state.reason_code == outcome.reason.code
    with sync_engine.connect() as conn:
        assert conn.execute(indexes).all() == before
        constraints = conn.execute(
            text(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = CAST('merchant' AS regclass) AND contype IN ('p', 'u')"
            )
        ).scalars()
        assert set(constraints) == {"pk_merchant", "uq_merchant_uscc", "uq_merchant_qr_token"}


def test_a_recompute_keeps_the_indexes_of_a_merchant_table_in_use(
    sync_engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    if sync_engine.dialect.name != "postgresql":
        pytest.skip("the indexes are built again on PostgreSQL only")
    monkeypatch.setattr(postgres, "REBUILD_MIN_ROWS", 1)
    monkeypatch.setattr(postgres, "REBUILD_LOCK_WAIT", "100ms")
    catalogue = make_catalogue(sync_engine)
    calm, risky = make_merchants(sync_engine, 2)
    add_inspection(sync_engine, catalogue, calm.id, date(2026, 3, 2))
    add_inspection(sync_engine, catalogue, risky.id, date(2026, 3, 2), {"licence": False})
    with sync_engine.connect() as reader, reader.begin():
        reader.execute(select(func.count()).select_from(Merchant)).one()
        with sync_engine.begin() as conn:
            report = recompute_all(conn, DEFAULT_POLICY, now=NOW)
            timeout = conn.exec_driver_sql("SHOW lock_timeout").scalar_one()
    assert report.colour_changes == 1 and timeout == "0"
    assert stored(sync_engine)[risky.id][0].colour == "red"


def test_a_run_staged_in_two_halves_agrees_with_the_engine(
    sync_engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    if sync_engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL stages a large run on two connections")
    monkeypatch.setattr(postgres, "SPLIT_MIN_MERCHANTS", -1)
    catalogue = make_catalogue(sync_engine)
    merchants = make_merchants(sync_engine, 60)
    assert {m.id.hex[0] < "8" for m in merchants} == {True, False}, "both halves hold some"
    rng = random.Random(20261127)
    for merchant in merchants:
        random_history(sync_engine, catalogue, merchant.id, rng)
    expected = expected_outcomes(sync_engine, [m.id for m in merchants], DEFAULT_POLICY)
    with sync_engine.begin() as conn:
        report = recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert report.merchants == 60 and "other half" in report.seconds
    got = stored(sync_engine)
    for merchant_id, outcome in expected.items():
        merchant, state = got[merchant_id]
        assert (merchant.colour, merchant.next_due) == (outcome.colour, outcome.next_due)
        assert state.reason_code == outcome.reason.code
        assert state_reason_text(state, DEFAULT_POLICY) == outcome.reason.text(DEFAULT_POLICY)
    with sync_engine.begin() as conn:
        again = recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert (again.colour_changes, again.due_changes, again.events, again.states) == (0, 0, 0, 0)


def test_a_run_whose_second_connection_fails_stages_everything_on_one(
    sync_engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    if sync_engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL stages a large run on two connections")
    monkeypatch.setattr(postgres, "SPLIT_MIN_MERCHANTS", -1)

    def no_connection(self) -> None:
        self.error = OperationalError("connect", {}, Exception("too many clients already"))

    monkeypatch.setattr(postgres.OtherHalf, "run", no_connection)
    catalogue = make_catalogue(sync_engine)
    merchants = make_merchants(sync_engine, 30)
    rng = random.Random(7)
    for merchant in merchants:
        random_history(sync_engine, catalogue, merchant.id, rng)
    expected = expected_outcomes(sync_engine, [m.id for m in merchants], DEFAULT_POLICY)
    with sync_engine.begin() as conn:
        report = recompute_all(conn, DEFAULT_POLICY, now=NOW)
    assert report.merchants == 30 and "other half" not in report.seconds
    got = stored(sync_engine)
    for merchant_id, outcome in expected.items():
        assert (got[merchant_id][0].colour, got[merchant_id][0].next_due) == (
            outcome.colour,
            outcome.next_due,
        )
