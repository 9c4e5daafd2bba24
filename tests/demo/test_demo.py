"""`onevisit demo`: a realistic, repeatable district with mixed colours and sound history."""

import re
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.auth.passwords import verify_password
from server.catalog.models import CheckItem, Matter, Scenario, ScenarioItem
from server.colour.engine import assess
from server.colour.models import ColourEvent, ColourState
from server.colour.recompute import recompute_all
from server.colour.records import load_records
from server.colour.texts import state_reason_text
from server.core.db import make_sync_engine
from server.core.settings import Settings
from server.demo.cli import demo
from server.demo.loader import load_demo
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.merchants.uscc import validate_uscc
from server.migrate import upgrade
from server.org.district import nearest_street
from server.org.models import Department, Street, Team, User
from server.org.service import ensure_district
from server.policy.rules import DEFAULT_POLICY, ItemOutcome, score_findings
from server.rectifications.models import RectificationOrder
from tests.support.factories import make_merchants

TODAY = date(2026, 11, 27)
N = 300


@pytest.fixture
def demo_engine(sync_engine: Engine) -> Engine:
    summary = load_demo(sync_engine, merchants=N, today=TODAY)
    assert summary.loaded
    return sync_engine


def merchant_fingerprint(engine: Engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(
            select(
                Merchant.uscc,
                Merchant.name,
                Merchant.address,
                Merchant.lat,
                Merchant.lng,
                Street.code,
                Merchant.colour,
                Merchant.next_due,
                Merchant.qr_token,
            )
            .join(Street, Street.id == Merchant.street_id)
            .order_by(Merchant.uscc)
        )
        return [tuple(row) for row in rows]


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
            for model in (
                Merchant,
                Inspection,
                InspectionOfficer,
                Finding,
                User,
                Team,
                Matter,
                CheckItem,
                Scenario,
                AuditEvent,
            )
        }


def test_the_same_seed_gives_the_same_merchants_in_another_database(
    demo_engine: Engine, tmp_path: Path
):
    url = f"sqlite:///{tmp_path / 'second.db'}"
    upgrade(url)
    second = make_sync_engine(url)
    try:
        load_demo(second, merchants=N, today=TODAY)
        assert merchant_fingerprint(second) == merchant_fingerprint(demo_engine)
        assert table_counts(second) == table_counts(demo_engine)
    finally:
        second.dispose()


def test_another_seed_gives_other_merchants(demo_engine: Engine, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(url)
    other = make_sync_engine(url)
    try:
        load_demo(other, merchants=N, seed=7, today=TODAY)
        ours = {row[0] for row in merchant_fingerprint(demo_engine)}
        theirs = {row[0] for row in merchant_fingerprint(other)}
        assert len(theirs) == N and not ours & theirs
    finally:
        other.dispose()


def test_loading_again_changes_nothing_and_says_so(demo_engine: Engine):
    before = table_counts(demo_engine)
    summary = load_demo(demo_engine, merchants=N, today=TODAY)
    assert not summary.loaded
    assert table_counts(demo_engine) == before
    assert summary.merchants == N and summary.inspections == before["inspection"]
    with Session(demo_engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "demo.load")).all()
    assert len(events) == 1 and events[0].detail["merchants"] == N


def test_it_loads_on_top_of_an_existing_district(sync_engine: Engine):
    with Session(sync_engine) as session:
        ensure_district(session)
        session.commit()
        teams = session.exec(select(func.count()).select_from(Team)).one()
    summary = load_demo(sync_engine, merchants=50, today=TODAY)
    assert summary.loaded and summary.merchants == 50
    assert table_counts(sync_engine)["team"] == teams


def test_credit_codes_are_valid_shangcheng_codes_and_unique(demo_engine: Engine):
    with Session(demo_engine) as session:
        codes = list(session.exec(select(Merchant.uscc)))
    assert len(codes) == N == len(set(codes))
    for code in codes:
        assert validate_uscc(code) == code
        assert code[2:8] == "330102"


def test_every_merchant_lies_in_its_own_street_inside_the_district(demo_engine: Engine):
    south, west, north, east = Settings().district_bbox
    with Session(demo_engine) as session:
        rows = session.exec(
            select(Merchant.lat, Merchant.lng, Street.code, Street.name, Merchant.address).join(
                Street, Street.id == Merchant.street_id
            )
        ).all()
    assert len({code for _, _, code, _, _ in rows}) >= 12  # spread over the district
    for lat, lng, code, name, address in rows:
        assert south <= lat <= north and west <= lng <= east
        assert nearest_street(lat, lng).code == code
        assert address.startswith(name)


def test_colours_are_mixed_and_are_what_the_colour_engine_makes_of_each_history(
    demo_engine: Engine,
):
    with Session(demo_engine) as session:
        merchants = {m.id: m for m in session.exec(select(Merchant))}
        states = {s.merchant_id: s for s in session.exec(select(ColourState))}
        inspections = session.exec(select(Inspection)).all()
        findings = defaultdict(list)
        for finding, is_key in session.exec(
            select(Finding, CheckItem.is_key).join(CheckItem)
        ).all():
            findings[finding.inspection_id].append(
                ItemOutcome(is_key, finding.outcome, finding.corrected_on_site)
            )
    shares = Counter(m.colour for m in merchants.values())
    assert set(shares) == {"green", "yellow", "red"}
    assert shares["green"] > N // 2 and shares["red"] < N // 4
    assert len({i.merchant_id for i in inspections}) > N // 2
    for inspection in inspections:
        assessment = score_findings(findings[inspection.id])
        assert (inspection.score, inspection.key_failed) == (
            assessment.score,
            assessment.key_failed,
        )
    with demo_engine.connect() as conn:
        for merchant in merchants.values():
            outcome = assess(load_records(conn, merchant.id, TODAY), TODAY, DEFAULT_POLICY)
            assert (merchant.colour, merchant.next_due) == (outcome.colour, outcome.next_due)
            stored = states[merchant.id]
            assert state_reason_text(stored, DEFAULT_POLICY) == outcome.reason.text(DEFAULT_POLICY)
            if outcome.reason.code == "initial":
                assert merchant.colour == "green"
                assert TODAY < merchant.next_due <= TODAY + timedelta(days=730)


def test_the_demo_keeps_each_colour_change_as_an_event_and_recompute_agrees(
    demo_engine: Engine,
):
    with Session(demo_engine) as session:
        non_green = session.exec(select(Merchant.id).where(Merchant.colour != "green")).all()
        events = session.exec(select(ColourEvent).order_by(ColourEvent.at)).all()
        orders = session.exec(select(RectificationOrder)).all()
    latest = {e.merchant_id: e for e in events}
    assert set(non_green) <= set(latest)
    assert all(e.reason and e.actor == "system" and e.source_id for e in events)
    assert "verified" in {o.status for o in orders}
    noon = datetime.combine(TODAY, time(12), tzinfo=timezone(timedelta(hours=8)))
    with demo_engine.begin() as conn:
        report = recompute_all(conn, DEFAULT_POLICY, now=noon)
    assert report.merchants == N
    assert (report.colour_changes, report.events) == (0, 0)


def test_every_inspection_has_two_certified_officers_of_the_merchants_street(
    demo_engine: Engine,
):
    with Session(demo_engine) as session:
        inspections = session.exec(select(Inspection, Merchant.street_id).join(Merchant)).all()
        users = {u.id: u for u in session.exec(select(User))}
        officers = defaultdict(list)
        for link in session.exec(select(InspectionOfficer)):
            officers[link.inspection_id].append(users[link.user_id])
    assert inspections
    for inspection, street_id in inspections:
        team = officers[inspection.id]
        assert len(team) >= 2
        for officer in team:
            assert officer.certified_on(inspection.visit_date), officer.username
            assert officer.street_id == street_id
        assert TODAY - timedelta(days=731) <= inspection.visit_date < TODAY
        assert inspection.visit_date.weekday() < 5
        assert inspection.published_at is not None
        assert inspection.action_code.startswith(f"XZ{inspection.visit_date:%Y%m%d}")


def test_demo_users_sign_in_with_the_password_demo(demo_engine: Engine):
    with Session(demo_engine) as session:
        users = {u.username: u for u in session.exec(select(User))}
    assert users["admin"].role == "admin"
    assert users["supervisor"].role == "supervisor"
    assert users["sup_hubin"].role == "supervisor"
    assert users["inspector1"].role == "inspector"
    assert 80 <= len(users) <= 130
    for username in ("admin", "supervisor", "sup_hubin", "inspector1"):
        assert verify_password(users[username].password_hash, "demo")
        assert not verify_password(users[username].password_hash, "Demo")
    assert users["inspector1"].certified_on(TODAY)
    certificates = [u.cert_no for u in users.values() if u.cert_no]
    assert len(certificates) == len(set(certificates)) == len(users) - 1
    expired = [u for u in users.values() if u.cert_no and not u.certified_on(TODAY)]
    assert expired, "a few expired certificates or inactive officers make the demo realistic"


def test_the_restaurant_scenario_joins_four_departments_checks(demo_engine: Engine):
    with Session(demo_engine) as session:
        rows = session.exec(
            select(Department.name, CheckItem.title, Matter.legal_basis)
            .join(Matter, Matter.department_id == Department.id)
            .join(CheckItem, CheckItem.matter_id == Matter.id)
            .join(ScenarioItem, ScenarioItem.check_item_id == CheckItem.id)
            .join(Scenario, Scenario.id == ScenarioItem.scenario_id)
            .where(Scenario.name == "餐饮店")
        ).all()
        scenario_names = set(session.exec(select(Scenario.name)))
    departments = {name for name, _, _ in rows}
    assert {"市场监管", "消防", "生态环境", "综合行政执法"} <= departments
    assert any("健康证明" in title for _, title, _ in rows)
    assert any("油烟" in title for _, title, _ in rows)
    assert all("第" in basis and "条" in basis for _, _, basis in rows)
    assert {"美容美发", "网吧", "宾馆", "小型加工场所", "直播电商"} <= scenario_names


def test_the_command_refuses_an_unmigrated_database(tmp_path: Path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "ONEVISIT_VAR_DIR": str(tmp_path / "var"),
    }
    result = CliRunner().invoke(demo, ["--merchants", "10"], env=env)
    assert result.exit_code == 2
    assert "onevisit db upgrade" in result.output


def test_the_command_loads_and_prints_the_logins(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    env = {"DATABASE_URL": url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(demo, ["--merchants", "40", "--seed", "3"], env=env)
    assert result.exit_code == 0, result.output
    for text in ("admin", "supervisor", "inspector1", "password: demo", "merchants 40"):
        assert text in result.output
    again = CliRunner().invoke(demo, ["--merchants", "40", "--seed", "3"], env=env)
    assert again.exit_code == 0 and "already loaded" in again.output


def test_merchant_ids_and_tokens_are_stable_and_well_formed(demo_engine: Engine):
    with Session(demo_engine) as session:
        merchants = session.exec(select(Merchant)).all()
    for merchant in merchants:
        assert isinstance(merchant.id, uuid.UUID) and merchant.id.version == 4
        assert len(merchant.qr_token) == 32
        assert set(merchant.qr_token) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )


def test_if_empty_loads_a_fresh_database_but_leaves_real_data_alone(
    sync_engine: Engine, database_url: str, tmp_path: Path
):
    env = {"DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    with Session(sync_engine) as session:
        ensure_district(session)
        session.commit()
    fresh = CliRunner().invoke(demo, ["--merchants", "20", "--if-empty"], env=env)
    assert fresh.exit_code == 0, fresh.output
    assert "inspector1" in fresh.output
    # make run again: nothing reloads, but the logins are shown once more.
    again = CliRunner().invoke(demo, ["--merchants", "20", "--if-empty"], env=env)
    assert again.exit_code == 0 and "already loaded" in again.output
    assert "inspector1" in again.output

    other = f"sqlite:///{tmp_path / 'real.db'}"
    upgrade(other)
    real_engine = make_sync_engine(other)
    make_merchants(real_engine, 3)
    real_env = {"DATABASE_URL": other, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    skipped = CliRunner().invoke(demo, ["--merchants", "20", "--if-empty"], env=real_env)
    assert skipped.exit_code == 0 and "not loaded" in skipped.output
    with Session(real_engine) as session:
        assert session.exec(select(func.count()).select_from(Merchant)).one() == 3
        assert session.exec(select(func.count()).select_from(User)).one() == 0
    real_engine.dispose()


def test_the_demo_publishes_today_so_an_inspector_has_a_route_to_download(tmp_path: Path):
    from server.core.clock import local_today
    from server.packets.day import day_packet
    from server.planning.models import Plan

    url = f"sqlite:///{tmp_path / 'today.db'}"
    upgrade(url)
    env = {"DATABASE_URL": url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(demo, ["--merchants", "300", "--seed", "5"], env=env)
    assert result.exit_code == 0, result.output
    assert "Today's published routes" in result.output
    engine = make_sync_engine(url)
    try:
        with Session(engine) as session:
            published = session.exec(
                select(Plan).where(Plan.day == local_today(), Plan.status == "published")
            ).all()
            assert published
            officer = re.search(r"inspector\d+", result.output.split("Today's")[1]).group()
            user = session.exec(select(User).where(User.username == officer)).one()
            packet = day_packet(session, local_today(), user.id)
        assert packet["route"] and packet["route"]["visits"]

        def plans() -> int:
            with Session(engine) as session:
                return len(session.exec(select(Plan).where(Plan.day == local_today())).all())

        before = plans()
        again = CliRunner().invoke(demo, ["--merchants", "300", "--seed", "5"], env=env)
        assert again.exit_code == 0 and plans() == before, "today is planned once"
    finally:
        engine.dispose()
