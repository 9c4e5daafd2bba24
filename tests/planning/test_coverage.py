"""Coverage figures as a supervisor reads them: the visits due per class and how many are routed,
from the newest version of each street's plan; the merchants overdue by colour and days; the
orders past their deadline; through the command line and on the console's day."""

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Engine, event, update
from sqlmodel import Session, col, select

from server.app import create_app
from server.core.settings import Settings
from server.merchants.models import Merchant
from server.org.models import Street
from server.planning.cli import plan as plan_command
from server.planning.coverage import coverage, day_coverage
from server.planning.versions import RouteData, VersionData, VisitData, write_version
from server.rectifications.models import RectificationOrder
from tests.support.app import console_login
from tests.support.factories import make_merchants, make_user

# A fixed Monday, a week after the suite's day: nothing here reads any clock.
DAY = date(2026, 12, 7)
NEXT = DAY + timedelta(days=1)


SEEDS = itertools.count(1)  # each batch of merchants its own credit codes


def days(n: int) -> date:
    return DAY + timedelta(days=n)


@dataclass(frozen=True)
class Visit:
    reasons: tuple[str, ...]
    code: str | None = None  # unassigned with this code; None: on the route


# Hubin's newest plan of DAY: 8 visits, 5 on the route. Counted in every class it names:
# red 2 routed of 3, yellow 1 of 2, green 0 of 1, complaint 1 of 1, re-check 1 of 1,
# re-rating 0 of 1, random 1 of 1.
HUBIN_DAY = [
    Visit(("due:red",)),
    Visit(("complaint", "due:red")),
    Visit(("random",)),
    Visit(("due:yellow",)),
    Visit(("reinspection",)),
    Visit(("due:red",), "capacity"),
    Visit(("rerating", "due:yellow"), "closed"),
    Visit(("due:green",), "capacity"),
]
# An older version of the same street-day, replaced by the one above: it must not count.
HUBIN_DAY_STALE = [Visit(("due:red",), "capacity")] * 3
KAIXUAN_DAY = [Visit(("due:red",)), Visit(("due:red",))]
HUBIN_NEXT = [Visit(("random",), "no_team"), Visit(("due:yellow",))]
HUBIN_LATER = [Visit(("complaint",))]  # after the span the tests read


def _version(street: Street, day: date, visits: list[Visit], shops: list[Merchant]) -> VersionData:
    def data(visit: Visit, shop: Merchant) -> VisitData:
        return VisitData(
            uuid.uuid4(), shop.id, 20, 0, list(visit.reasons), [], [], [], None, visit.code
        )

    pairs = list(zip(visits, shops, strict=False))
    route = RouteData(1, f"{street.name}1组", [], [data(v, m) for v, m in pairs if not v.code])
    unassigned = [data(v, m) for v, m in pairs if v.code]
    return VersionData(street.id, day, [route], unassigned, {})


def _plan(engine: Engine, code: str, day: date, versions: list[list[Visit]], **kw: str) -> None:
    shops = make_merchants(engine, 8, street=code, seed=next(SEEDS))
    with Session(engine) as session:
        street = session.exec(select(Street).where(Street.code == code)).one()
        for number, visits in enumerate(versions, start=1):
            data = _version(street, day, visits, shops)
            data.status = kw.get("status", "draft")
            write_version(
                session, data, version=number, change="build", actor="test", actor_id=None
            )
        session.commit()


def _due(engine: Engine, code: str, colour: str, due: list[date | None], *, active=True) -> None:
    shops = make_merchants(engine, len(due), street=code, colour=colour, seed=next(SEEDS))
    with Session(engine) as session:
        for shop, when in zip(shops, due, strict=True):
            session.exec(
                update(Merchant)
                .where(col(Merchant.id) == shop.id)
                .values(next_due=when, active=active)
            )
        session.commit()


def _orders(engine: Engine, code: str, orders: list[tuple[str, date, date | None]]) -> None:
    (shop,) = make_merchants(engine, 1, street=code, seed=next(SEEDS))
    with Session(engine) as session:
        for status, deadline, verified_on in orders:
            session.add(
                RectificationOrder(
                    merchant_id=shop.id,
                    issued_on=deadline - timedelta(days=20),
                    deadline=deadline,
                    status=status,
                    verified_on=verified_on,
                )
            )
        session.commit()


@pytest.fixture
def engine(sync_engine: Engine) -> Engine:
    """Two streets' plans around DAY, merchants overdue by known days, orders past deadline."""
    _plan(sync_engine, "hubin", DAY, [HUBIN_DAY_STALE, HUBIN_DAY], status="published")
    _plan(sync_engine, "kaixuan", DAY, [KAIXUAN_DAY])
    _plan(sync_engine, "hubin", NEXT, [HUBIN_NEXT])
    _plan(sync_engine, "hubin", days(3), [HUBIN_LATER])
    _due(sync_engine, "hubin", "red", [days(-1), days(-7), days(-8), DAY])
    _due(sync_engine, "hubin", "red", [days(-5)], active=False)
    _due(sync_engine, "hubin", "yellow", [days(-30), days(-31)])
    _due(sync_engine, "hubin", "green", [days(-90), days(-91), None])
    _due(sync_engine, "kaixuan", "yellow", [days(-2)])
    _orders(
        sync_engine,
        "hubin",
        [
            ("open", days(-1), None),
            ("overdue", days(-10), None),
            ("open", DAY, None),  # past its deadline from NEXT
            ("verified", days(-5), days(2)),  # still open on DAY and NEXT
            ("verified", days(-5), days(-2)),  # put right before the span
            ("open", days(5), None),
        ],
    )
    _orders(sync_engine, "kaixuan", [("open", days(-3), None)])
    return sync_engine


def _street(engine: Engine, code: str) -> list[uuid.UUID]:
    with Session(engine) as session:
        return [session.exec(select(Street.id).where(Street.code == code)).one()]


def _read(tally) -> tuple[int, int, float | None]:
    return tally.due, tally.routed, None if tally.share is None else round(tally.share, 3)


def test_a_day_counts_each_visit_in_every_class_its_reasons_name(engine):
    with Session(engine) as session:
        district = day_coverage(session, DAY)
        hubin = day_coverage(session, DAY, _street(engine, "hubin"))
    assert (district.visits.plans, district.visits.published) == (2, 1)
    assert _read(district.visits.total) == (10, 7, 0.7)
    assert {name: _read(t) for name, t in district.visits.classes.items()} == {
        "due:red": (5, 4, 0.8),
        "due:yellow": (2, 1, 0.5),
        "due:green": (1, 0, 0.0),
        "complaint": (1, 1, 1.0),
        "reinspection": (1, 1, 1.0),
        "rerating": (1, 0, 0.0),
        "random": (1, 1, 1.0),
    }
    assert district.visits.unassigned == {"capacity": 2, "closed": 1}
    # One street: its newest version only (the stale one had three unassigned red visits).
    assert _read(hubin.visits.total) == (8, 5, 0.625)
    assert _read(hubin.visits.classes["due:red"]) == (3, 2, 0.667)
    assert (hubin.visits.plans, hubin.visits.published) == (1, 1)


def test_overdue_merchants_by_colour_and_days_and_orders_past_their_deadline(engine):
    hubin = _street(engine, "hubin")
    with Session(engine) as session:
        span = coverage(session, DAY, NEXT, hubin)
        district = day_coverage(session, DAY)
    on_day, on_next = span.days
    assert on_day.overdue == {
        "red": {"1-7": 2, "8-30": 1, "31-90": 0, ">90": 0},
        "yellow": {"1-7": 0, "8-30": 1, "31-90": 1, ">90": 0},
        "green": {"1-7": 0, "8-30": 0, "31-90": 1, ">90": 1},
    }
    # A day later every merchant is a day older, and the red shop due on DAY is overdue too.
    assert on_next.overdue == {
        "red": {"1-7": 2, "8-30": 2, "31-90": 0, ">90": 0},
        "yellow": {"1-7": 0, "8-30": 0, "31-90": 2, ">90": 0},
        "green": {"1-7": 0, "8-30": 0, "31-90": 0, ">90": 2},
    }
    assert (on_day.overdue_total, on_next.overdue_total) == (7, 8)
    assert (on_day.orders_past_deadline, on_next.orders_past_deadline) == (3, 4)
    assert district.overdue["yellow"]["1-7"] == 1 and district.overdue_total == 8
    assert district.orders_past_deadline == 4
    # The span's visits are summed; the day after the span is not in them.
    assert _read(span.totals.total) == (10, 6, 0.6)
    assert span.totals.unassigned == {"capacity": 2, "closed": 1, "no_team": 1}


def test_the_figures_take_a_few_queries_whatever_the_span(engine):
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Session(engine) as session:
            coverage(session, days(-180), days(185))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 4


def _run(database_url: str, monkeypatch, tmp_path, *args: str):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ONEVISIT_VAR_DIR", str(tmp_path))
    return CliRunner().invoke(plan_command, ["coverage", *args])


def test_the_command_prints_the_days_and_their_totals(engine, database_url, monkeypatch, tmp_path):
    span = ["--from", DAY.isoformat(), "--to", NEXT.isoformat(), "--street", "hubin"]
    printed = _run(database_url, monkeypatch, tmp_path, *span, "--json")
    assert printed.exit_code == 0, printed.output
    figures = json.loads(printed.stdout)
    assert (figures["from"], figures["to"], figures["street"]) == (
        "2026-12-07",
        "2026-12-08",
        "hubin",
    )
    first, second = figures["days"]
    assert first["visits"] == {"due": 8, "routed": 5, "unassigned": 3, "share": 0.625}
    assert first["classes"]["due:red"] == {"due": 3, "routed": 2, "unassigned": 1, "share": 0.6667}
    assert first["classes"]["due:green"]["share"] == 0.0
    assert second["classes"]["complaint"] == {"due": 0, "routed": 0, "unassigned": 0, "share": None}
    assert first["overdue"]["red"] == {"1-7": 2, "8-30": 1, "31-90": 0, ">90": 0, "total": 3}
    assert (first["overdue"]["total"], second["overdue"]["total"]) == (7, 8)
    assert (first["orders_past_deadline"], second["orders_past_deadline"]) == (3, 4)
    assert figures["totals"]["visits"] == {"due": 10, "routed": 6, "unassigned": 4, "share": 0.6}
    assert figures["totals"]["unassigned"] == {"capacity": 2, "closed": 1, "no_team": 1}

    table = _run(database_url, monkeypatch, tmp_path, *span)
    assert table.exit_code == 0, table.output
    text = table.stdout
    assert "覆盖情况：2026-12-07 至 2026-12-08 · 湖滨街道" in text
    row = next(line for line in text.splitlines() if "2026-12-07" in line and "/" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    # day, streets planned, all, share, then red, yellow, green, complaint, re-check, re-rating,
    # random: routed/due
    assert cells == [
        "2026-12-07",
        "1",
        "5/8",
        "62.5%",
        "2/3",
        "1/2",
        "0/1",
        "1/1",
        "1/1",
        "0/1",
        "1/1",
    ]
    assert "共 2 天：应查 10 次，已排 6 次（安排率 60.0%），未安排 4 次" in text
    assert "未安排：2 × 班次已满" in text
    overdue = [
        line for line in text.splitlines() if line.startswith("│ 2026-12-08") and "/" not in line
    ]
    assert [c.strip() for c in overdue[0].strip("│ ").split("│")] == [
        "2026-12-08", "4", "2", "2", "2", "2", "2", "2", "8", "4"
    ]  # fmt: skip


def test_the_command_prints_every_street_when_none_is_named(
    engine, database_url, monkeypatch, tmp_path
):
    printed = _run(
        database_url, monkeypatch, tmp_path, "--from", "2026-12-07", "--to", "2026-12-07"
    )
    assert printed.exit_code == 0, printed.output
    assert "全部街道" in printed.stdout and "7/10" in printed.stdout and "70.0%" in printed.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2026-12-32", "--to", "2026-12-07"], "日期“2026-12-32”无效"),
        (["--from", "2026-12-07", "--to", "tomorrow"], "日期“tomorrow”无效"),
        (["--from", "0001-01-01", "--to", "0001-01-02"], "日期“0001-01-01”无效"),
        (
            ["--from", "2026-12-08", "--to", "2026-12-07"],
            "开始日期 2026-12-08 晚于结束日期 2026-12-07",
        ),
        (["--from", "2026-01-01", "--to", "2027-01-02"], "时间跨度为 367 天，最多 366 天"),
        (
            ["--from", "2026-12-07", "--to", "2026-12-07", "--street", "nowhere"],
            "未知街道“nowhere”",
        ),
        (["--to", "2026-12-07"], "--from"),
    ],
)
def test_the_command_refuses_bad_input_with_a_reason(
    engine, database_url, monkeypatch, tmp_path, args, says
):
    refused = _run(database_url, monkeypatch, tmp_path, *args, "--json")
    assert refused.exit_code == 2, refused.output
    assert says in refused.stderr and refused.stdout == ""
    assert isinstance(refused.exception, SystemExit)


def test_a_leap_years_span_is_allowed(engine, database_url, monkeypatch, tmp_path):
    printed = _run(
        database_url, monkeypatch, tmp_path, "--from", "2028-01-01", "--to", "2028-12-31", "--json"
    )
    assert printed.exit_code == 0, printed.output
    assert len(json.loads(printed.stdout)["days"]) == 366


@pytest.fixture
def console(engine, settings: Settings) -> Iterator[TestClient]:
    make_user(engine, "sup_all", role="supervisor", street=None)
    with TestClient(create_app(settings)) as client:
        assert console_login(client, "sup_all").status_code in (302, 303)
        yield client


def test_the_console_shows_the_streets_figures_of_the_day(console):
    page = console.get("/console/plan", params={"date": DAY.isoformat(), "street": "hubin"})
    assert page.status_code == 200, page.text
    assert "覆盖情况：已排 5 / 应查 8（安排率 62.5%）· 逾期商户 7 · 整改逾期 3" in page.text
    visits = page.text.split('id="coverage-visits"')[1].split("</table>")[0]
    assert "<td>66.7%</td>" in visits and "<td>3</td>" in visits
    assert "未安排：2 × 班次已满" in page.text and "未安排：1 × 营业时间与班次不重合" in page.text
    later = console.get(
        "/console/plan/view", params={"date": NEXT.isoformat(), "street": "kaixuan"}
    )
    assert "已排 0 / 应查 0（安排率 —）· 逾期商户 1 · 整改逾期 1" in later.text
