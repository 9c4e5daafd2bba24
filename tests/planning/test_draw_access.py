"""The 双随机 record (GET /api/v1/draws/{day}) before and after publication: a draft draw is seen
by the supervisors of its street (district supervisors: every draw) and by no one else; once the
plan it made is published anyone sees it; certificate numbers are always masked."""

from datetime import UTC, date, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.org.models import Street, User
from server.planning.draw import draw_merchants, draw_teams, pool_hash
from server.planning.models import Draw, DrawSeed, Plan
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

DAY = date(2030, 6, 3)
SEED = "5eed" * 16
SHARES = {"green": 1.0, "yellow": 1.0, "red": 1.0}


def at(hour: int) -> datetime:
    return datetime(2030, 6, 2, hour, tzinfo=UTC)


def team_draw(street: str, officers: list[User], drawn_at: datetime, seq: int = 1) -> Draw:
    pool = sorted([str(o.id), o.cert_no] for o in officers)
    return Draw(
        day=DAY,
        kind="teams",
        scope=street,
        seq=seq,
        pool=pool,
        pool_hash=pool_hash(pool),
        params={},
        result=draw_teams(SEED, street, pool),
        drawn_at=drawn_at,
    )


def plan(engine: Engine, street: str, version: int, published_at: datetime | None) -> None:
    with Session(engine) as session:
        street_id = session.exec(select(Street.id).where(Street.code == street)).one()
        session.add(
            Plan(
                street_id=street_id,
                day=DAY,
                version=version,
                status="published" if published_at else "draft",
                created_at=at(1),
                published_at=published_at,
            )
        )
        session.commit()


@pytest.fixture
def day(sync_engine: Engine) -> dict[str, list[str]]:
    """The day's seed and draws: each street's teams and the district's sampling, drawn at 01:00;
    hubin's plan is a draft. Returns each street's officers' certificate numbers."""
    hubin = [make_user(sync_engine, f"insp_h{n}", street="hubin") for n in range(2)]
    qingbo = [make_user(sync_engine, f"insp_q{n}", street="qingbo") for n in range(2)]
    shops = make_merchants(sync_engine, 3, street="hubin")
    for name, street in (("sup_hubin", "hubin"), ("sup_qingbo", "qingbo"), ("sup_all", None)):
        make_user(sync_engine, name, role="supervisor", street=street)
    pool = sorted([str(m.id), m.colour] for m in shops)
    with Session(sync_engine) as session:
        session.add(DrawSeed(day=DAY, seed=SEED, published_at=at(0), published_by="sup_all"))
        session.flush()
        session.add(team_draw("hubin", hubin, at(1)))
        session.add(team_draw("qingbo", qingbo, at(1)))
        params = {"shares": SHARES, "days_per_year": 250}
        session.add(
            Draw(
                day=DAY,
                kind="merchants",
                scope="scjg",
                pool=pool,
                pool_hash=pool_hash(pool),
                params=params,
                result=draw_merchants(SEED, "scjg", pool, SHARES, 250),
                drawn_at=at(1),
            )
        )
        session.commit()
    plan(sync_engine, "hubin", 1, None)
    return {"hubin": [u.cert_no for u in hubin], "qingbo": [u.cert_no for u in qingbo]}


def seen(client: TestClient) -> tuple[set[tuple[str, str, int]], str]:
    response = client.get(f"/api/v1/draws/{DAY}")
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["seed"]["seed"] == SEED  # the seed is published ahead, for everyone
    assert all(d["verified"] for d in record["draws"]), record["draws"]
    return {(d["kind"], d["scope"], d["seq"]) for d in record["draws"]}, response.text


HUBIN, QINGBO, SAMPLING = ("teams", "hubin", 1), ("teams", "qingbo", 1), ("merchants", "scjg", 1)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        (None, set()),
        ("insp_h0", set()),
        ("sup_qingbo", {QINGBO}),
        ("sup_hubin", {HUBIN}),
        ("sup_all", {HUBIN, QINGBO, SAMPLING}),
    ],
)
def test_draft_draws_are_seen_by_the_supervisors_of_their_street_only(
    client: TestClient, day: dict[str, list[str]], username: str | None, expected: set
):
    if username:
        login_as(client, username)
    draws, text = seen(client)
    assert draws == expected
    for cert in day["hubin"] + day["qingbo"]:
        assert cert not in text  # never in full
    if HUBIN in expected:
        masked = f"{day['hubin'][0][:4]}****{day['hubin'][0][-2:]}"
        assert masked in text


def test_published_draws_are_public_and_a_later_redraw_waits_for_its_publication(
    client: TestClient, sync_engine: Engine, day: dict[str, list[str]]
):
    plan(sync_engine, "hubin", 2, at(2))
    draws, text = seen(client)
    # hubin, the only street planning, published after both: its team draw and the sampling.
    assert draws == {HUBIN, SAMPLING}
    assert all(cert not in text for cert in day["hubin"])

    with Session(sync_engine) as session:
        officers = session.exec(select(User).where(User.username.in_(["insp_h0", "insp_h1"]))).all()
        session.add(team_draw("hubin", list(officers), at(3), seq=2))  # a re-plan, not published
        session.commit()
    assert seen(client)[0] == {HUBIN, SAMPLING}
    plan(sync_engine, "hubin", 3, at(4))
    assert seen(client)[0] == {HUBIN, SAMPLING, ("teams", "hubin", 2)}
