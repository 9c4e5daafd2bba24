"""双随机: draws are recorded, replayable from the published seed, and tampering shows."""

from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import Session, select

from server.planning.cli import plan as plan_command
from server.planning.draw import draw_merchants, draw_teams, pool_hash, replay
from server.planning.draws import publish_seed, verify_draws
from server.planning.models import Draw, DrawSeed
from server.planning.service import build_plan
from tests.planning.conftest import DAY, FAST, TODAY


def plan_day(engine) -> None:
    with Session(engine) as session:
        publish_seed(session, DAY)
        session.commit()
    with Session(engine) as session:
        build_plan(session, DAY, settings=FAST, today=TODAY)
        session.commit()


def test_draws_replay_from_the_published_seed_and_fail_after_tampering(
    district, database_url, monkeypatch, tmp_path
):
    plan_day(district.engine)
    with Session(district.engine) as session:
        seed, checks = verify_draws(session, DAY)
        kinds = {c.kind for c in checks}
        assert seed is not None and checks and all(c.ok for c in checks)
        assert {"merchants", "teams", "specialists"} <= kinds
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ONEVISIT_VAR_DIR", str(tmp_path))
    ok = CliRunner().invoke(plan_command, ["verify", "--date", DAY.isoformat()])
    assert ok.exit_code == 0, ok.output
    with Session(district.engine) as session:
        draw = session.exec(select(Draw).where(Draw.kind == "teams").order_by(Draw.scope)).first()
        session.exec(
            update(Draw)
            .where(Draw.id == draw.id)
            .values(result=[*reversed(draw.result), ["x", "y"]])
        )
        session.commit()
        _, checks = verify_draws(session, DAY)
        bad = [c for c in checks if not c.ok]
        assert [(c.kind, c.scope) for c in bad] == [("teams", draw.scope)]
        assert "result differs from the replay" in bad[0].problems
    failed = CliRunner().invoke(plan_command, ["verify", "--date", DAY.isoformat()])
    assert failed.exit_code == 1 and "MISMATCH" in failed.output


def test_a_changed_pool_no_longer_matches_its_hash(district):
    plan_day(district.engine)
    with Session(district.engine) as session:
        draw = session.exec(
            select(Draw).where(Draw.kind == "merchants", Draw.scope == "scjg")
        ).one()
        session.exec(update(Draw).where(Draw.id == draw.id).values(pool=draw.pool[1:]))
        session.commit()
        _, checks = verify_draws(session, DAY)
        bad = next(c for c in checks if c.scope == "scjg" and c.kind == "merchants")
        assert "pool differs from its recorded hash" in bad.problems


def test_the_seed_is_published_once_and_replanning_keeps_the_sampling_draw(district):
    plan_day(district.engine)
    with Session(district.engine) as session:
        first = {
            d.scope: d.result for d in session.exec(select(Draw).where(Draw.kind == "merchants"))
        }
        seed = session.get(DrawSeed, DAY).seed
    plan_day(district.engine)
    with Session(district.engine) as session:
        again = {
            d.scope: d.result for d in session.exec(select(Draw).where(Draw.kind == "merchants"))
        }
        assert again == first and session.get(DrawSeed, DAY).seed == seed


def test_draws_depend_only_on_seed_and_pool():
    pool = [[f"m{n:03d}", ("green", "yellow", "red")[n % 3]] for n in range(300)]
    shares = {"green": 0.03, "yellow": 0.2, "red": 1.0}
    first = draw_merchants("ab" * 32, "scjg", pool, shares, 250)
    assert first == draw_merchants("ab" * 32, "scjg", list(reversed(pool)), shares, 250)
    assert first != draw_merchants("cd" * 32, "scjg", pool, shares, 250) or not first
    # Over a year the daily draws come to about the yearly share (100 red × 100%).
    yearly = [draw_merchants(f"{day:064x}", "scjg", pool, shares, 250) for day in range(250)]
    reds = sum(1 for day in yearly for m in day if int(m[1:]) % 3 == 2)
    assert 70 <= reds <= 130
    teams = draw_teams("ab" * 32, "hubin", [["a", "1"], ["b", "2"], ["c", "3"]])
    assert sorted(len(t) for t in teams) == [3] and pool_hash(pool) == pool_hash(list(pool))


def test_teams_are_as_large_as_the_policy_asks_and_pairs_replay_as_before():
    pool = [[f"o{n}", f"C{n}"] for n in range(7)]
    seed = "ef" * 32
    pairs = draw_teams(seed, "hubin", pool)
    assert sorted(len(t) for t in pairs) == [2, 2, 3]  # the one left over joins a pair
    assert replay("teams", seed, "hubin", pool, {}) == pairs  # a pair draw records no size
    trios = draw_teams(seed, "hubin", pool, 3)
    assert sorted(len(t) for t in trios) == [3, 4]
    assert replay("teams", seed, "hubin", pool, {"size": 3}) == trios
    assert sorted(m for t in trios for m in t) == sorted(o for o, _ in pool)
