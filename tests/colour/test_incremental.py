"""A new result updates its merchant's colour in the same transaction; `codes recompute` runs
from the command line."""

from datetime import date, timedelta

from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlmodel import Session

from server.audit.service import Actor
from server.colour.cli import codes
from server.colour.models import ColourEvent
from server.colour.service import update_colour
from server.core.clock import local_today
from server.merchants.models import Merchant
from server.policy.rules import DEFAULT_POLICY, add_months
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, make_catalogue


def test_an_inspection_result_changes_the_colour_in_the_same_transaction(sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    officer = make_user(sync_engine, "insp", role="inspector")
    day = local_today() - timedelta(days=1)
    add_inspection(sync_engine, catalogue, merchant.id, day, {"extinguisher": False})
    with Session(sync_engine) as session:
        outcome = update_colour(
            session, merchant.id, policy=DEFAULT_POLICY, actor=Actor("insp", officer.id)
        )
        assert outcome.colour == "red"
        session.rollback()  # nothing sticks unless the caller's transaction commits
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "green"
        update_colour(session, merchant.id, policy=DEFAULT_POLICY, actor=Actor("insp", officer.id))
        session.commit()
        stored = session.get(Merchant, merchant.id)
        event = session.exec(select(ColourEvent)).scalars().one()
    assert stored.colour == "red"
    assert stored.next_due == add_months(day, DEFAULT_POLICY.interval("red"))
    assert (event.from_colour, event.to_colour, event.actor, event.actor_id) == (
        "green",
        "red",
        "insp",
        officer.id,
    )
    assert event.source_kind == "inspection" and "重点项" in event.reason


def test_the_recompute_command_reports_and_a_dry_run_changes_nothing(
    sync_engine: Engine, database_url: str, tmp_path
):
    catalogue = make_catalogue(sync_engine)
    merchants = make_merchants(sync_engine, 3)
    add_inspection(sync_engine, catalogue, merchants[0].id, date(2026, 6, 1), {"licence": False})
    env = {"DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    dry = CliRunner().invoke(codes, ["recompute", "--dry-run", "--as-of", "2026-11-26"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "recomputed 3 merchants as of 2026-11-26" in dry.output
    assert "would change 1 colours" in dry.output
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchants[0].id).colour == "green"
    real = CliRunner().invoke(codes, ["recompute", "--as-of", "2026-11-26"], env=env)
    assert real.exit_code == 0 and "changed 1 colours" in real.output
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchants[0].id).colour == "red"
