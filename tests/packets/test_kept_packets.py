"""Kept day packets: served as built, 304 for the packet the phone holds, never stale."""

import gzip
import json
import time
import uuid
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from server.catalog.models import CheckItem
from server.colour.cli import codes
from server.merchants.models import Merchant
from server.org.models import User
from server.packets import store as packets
from server.packets.store import DayPacket, build_packet, warm_packets
from server.planning.cli import plan
from server.planning.models import Route
from server.rectifications.models import RectificationOrder
from tests.inspections.conftest import record_body
from tests.support.app import login_as


def _get(client, day: date, **headers: str):
    return client.get("/api/v1/me/day", params={"date": day.isoformat()}, headers=headers)


def _kept(engine: Engine) -> DayPacket | None:
    with Session(engine) as session:
        return session.exec(select(DayPacket)).first()


def _route_id(engine: Engine) -> uuid.UUID:
    with Session(engine) as session:
        return session.exec(select(Route.id)).one()


def test_the_packet_is_kept_gzipped_and_a_held_one_gets_304(client, today_route, sync_engine):
    login_as(client, "insp-a")
    first = _get(client, today_route.day)
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["cache-control"] == "private, no-cache"
    etag = first.headers["etag"]
    kept = _kept(sync_engine)
    assert kept is not None and kept.built_gen == kept.gen and f'"{kept.etag}"' == etag
    assert json.loads(gzip.decompress(kept.body)) == first.json()

    held = _get(client, today_route.day, **{"If-None-Match": etag})
    assert held.status_code == 304 and held.content == b"" and held.headers["etag"] == etag
    weak = _get(client, today_route.day, **{"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304

    # The other officer of the route gets the very same packet.
    login_as(client, "insp-b")
    assert _get(client, today_route.day).headers["etag"] == etag
    plain = _get(client, today_route.day, **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert json.loads(plain.content) == first.json()


def test_a_user_without_a_route_gets_an_empty_day(client, today_route):
    login_as(client, "insp-c")
    reply = _get(client, today_route.day)
    assert reply.status_code == 200
    assert reply.json() == {
        "date": today_route.day.isoformat(),
        "version": None,
        "route": None,
        "items": {},
    }


@pytest.mark.parametrize("what", ["colour", "token", "officer", "catalogue", "order"])
def test_any_write_to_what_the_packet_shows_makes_it_stale(client, today_route, sync_engine, what):
    login_as(client, "insp-a")
    before = _get(client, today_route.day)
    etag = before.headers["etag"]
    with Session(sync_engine) as session:
        if what == "colour":
            session.exec(
                update(Merchant).where(Merchant.id == today_route.merchant_id).values(colour="red")
            )
        elif what == "token":
            session.exec(
                update(Merchant)
                .where(Merchant.id == today_route.merchant_id)
                .values(qr_token="rotated-" + uuid.uuid4().hex)
            )
        elif what == "officer":
            session.exec(
                update(User).where(User.username == "insp-b").values(name="改名后的检查员")
            )
        elif what == "catalogue":
            session.exec(
                update(CheckItem)
                .where(CheckItem.code == "T-licence")
                .values(title="营业执照（新版表述）")
            )
        else:
            session.add(
                RectificationOrder(
                    merchant_id=today_route.merchant_id,
                    issued_on=today_route.day,
                    deadline=today_route.day + timedelta(days=3),
                    requirement="限期整改",
                )
            )
        session.commit()
    kept = _kept(sync_engine)
    assert kept is not None and kept.gen != kept.built_gen  # marked stale by the database

    after = _get(client, today_route.day, **{"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    visit = after.json()["route"]["visits"][0]
    if what == "colour":
        assert visit["merchant"]["colour"] == "red"
    elif what == "token":
        assert visit["merchant"]["qr_token"].startswith("rotated-")
    elif what == "officer":
        names = {o["name"] for o in after.json()["route"]["officers"]}
        assert "改名后的检查员" in names
    elif what == "catalogue":
        assert after.json()["items"]["T-licence"]["title"] == "营业执照（新版表述）"
    else:
        assert [o["requirement"] for o in visit["open_orders"]] == ["限期整改"]
    kept = _kept(sync_engine)
    assert kept.built_gen == kept.gen  # rebuilt and kept again


def test_a_submitted_record_shows_at_once(client, today_route, sync_engine):
    csrf = login_as(client, "insp-a")
    etag = _get(client, today_route.day).headers["etag"]
    stored = client.post(
        "/api/v1/inspections", json=record_body(today_route), headers={"X-CSRF-Token": csrf}
    )
    assert stored.status_code == 201
    after = _get(client, today_route.day, **{"If-None-Match": etag})
    assert after.status_code == 200
    visit = after.json()["route"]["visits"][0]
    assert visit["submitted"] is True


def test_a_packet_drawn_while_its_data_changed_is_served_but_not_kept(
    today_route, sync_engine, monkeypatch
):
    route_id = _route_id(sync_engine)
    real = packets.route_packet

    def drawn_while_a_supervisor_writes(session, rid, policy):
        document = real(session, rid, policy)
        with Session(sync_engine) as other:  # another request commits meanwhile
            other.exec(
                update(Merchant).where(Merchant.id == today_route.merchant_id).values(colour="red")
            )
            other.commit()
        return document

    monkeypatch.setattr(packets, "route_packet", drawn_while_a_supervisor_writes)
    with Session(sync_engine) as session:
        packet = build_packet(session, route_id, today_route.day)
    shown = json.loads(gzip.decompress(packet.body))
    assert shown["route"]["visits"][0]["merchant"]["colour"] != "red"  # the old data
    kept = _kept(sync_engine)
    assert kept is None or kept.body is None or kept.built_gen != kept.gen

    monkeypatch.setattr(packets, "route_packet", real)
    with Session(sync_engine) as session:
        assert warm_packets(session, today_route.day) == 1
        assert warm_packets(session, today_route.day) == 0  # nothing left to build
    kept = _kept(sync_engine)
    shown = json.loads(gzip.decompress(kept.body))
    assert shown["route"]["visits"][0]["merchant"]["colour"] == "red"


def test_old_days_are_built_but_not_kept(today_route, sync_engine):
    route_id = _route_id(sync_engine)
    with Session(sync_engine) as session:
        build_packet(session, route_id, today_route.day - timedelta(days=5))
    assert _kept(sync_engine) is None


def test_a_recompute_marks_the_packets_and_builds_them_again(
    client, today_route, sync_engine, database_url, tmp_path
):
    login_as(client, "insp-a")
    with Session(sync_engine) as session:  # a red merchant with nothing behind it: back to green
        session.exec(
            update(Merchant).where(Merchant.id == today_route.merchant_id).values(colour="red")
        )
        session.commit()
    red = _get(client, today_route.day)
    assert red.json()["route"]["visits"][0]["merchant"]["colour"] == "red"
    etag = red.headers["etag"]
    env = {"DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(codes, ["recompute"], env=env)
    assert result.exit_code == 0, result.output
    kept = _kept(sync_engine)
    assert kept.built_gen == kept.gen  # built again by the command, not by the next download
    after = _get(client, today_route.day, **{"If-None-Match": etag})
    assert after.json()["route"]["visits"][0]["merchant"]["colour"] == "green"


def test_plan_warm_builds_what_is_missing(today_route, sync_engine, database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(plan, ["warm", "--date", today_route.day.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    assert f"{today_route.day.isoformat()} 的手机任务包已预先生成 1 个" in result.output
    kept = _kept(sync_engine)
    assert kept.body is not None and kept.built_gen == kept.gen


async def test_both_officers_downloading_at_once_build_the_packet_once(
    settings, today_route, monkeypatch
):
    import asyncio

    import httpx
    from litestar.testing import AsyncTestClient
    from sqlalchemy.util import await_only

    from server.app import create_app
    from server.inspections import routes

    built: list[uuid.UUID] = []
    real = routes.build_packet

    def slow_build(session, route, day, policy):
        built.append(route)
        # The build yields to the event loop (as its queries do) long enough for the second
        # officer's download to arrive meanwhile.
        await_only(asyncio.sleep(0.3))
        return real(session, route, day, policy)

    monkeypatch.setattr(routes, "build_packet", slow_build)
    app = create_app(settings)
    async with AsyncTestClient(app) as client:  # runs the app's start-up and shut-down
        cookies = []
        for officer in today_route.officers:
            response = await client.post(
                "/api/v1/auth/login",
                json={"username": officer.username, "password": "pw-correct-horse"},
            )
            cookies.append(response.cookies["ov_session"])
            client.cookies.clear()
        day = today_route.day.isoformat()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://phone") as phones:
            first, second = await asyncio.gather(
                *(
                    phones.get(
                        "/api/v1/me/day",
                        params={"date": day},
                        headers={"cookie": f"ov_session={c}"},
                    )
                    for c in cookies
                )
            )
    assert first.status_code == second.status_code == 200
    assert first.headers["etag"] == second.headers["etag"]
    assert first.json()["route"]["visits"] == second.json()["route"]["visits"]
    assert len(built) == 1, "the second download waited for the first one's build"


# Records taken away, as each database does it. PostgreSQL: TRUNCATE (which fires no row
# trigger) and DELETE. SQLite has no TRUNCATE: a DELETE without WHERE is how a table is emptied,
# and its row triggers see every row (SQLite skips its quick whole-table erase for a table that
# has triggers), which is what marks the packets there.
REMOVALS = {
    "every record, truncated": ("postgresql", ["TRUNCATE inspection CASCADE"]),
    "the orders, truncated": ("postgresql", ["TRUNCATE rectification_order CASCADE"]),
    "the sent records, truncated": ("postgresql", ["TRUNCATE inspection_record"]),
    "every record, deleted": (
        None,
        ["DELETE FROM rectification_order", "DELETE FROM finding", "DELETE FROM inspection"],
    ),
    "the orders, deleted": (None, ["DELETE FROM rectification_order"]),
    "the sent records, deleted": (None, ["DELETE FROM inspection_record"]),
}


@pytest.mark.parametrize("removal", list(REMOVALS))
def test_records_taken_away_make_the_packet_stale(client, today_route, sync_engine, removal):
    dialect, statements = REMOVALS[removal]
    if dialect is not None and sync_engine.dialect.name != dialect:
        pytest.skip(f"{sync_engine.dialect.name} has no TRUNCATE")
    csrf = login_as(client, "insp-a")
    stored = client.post(
        "/api/v1/inspections", json=record_body(today_route), headers={"X-CSRF-Token": csrf}
    )
    assert stored.status_code == 201, stored.text
    before = _get(client, today_route.day)
    visit = before.json()["route"]["visits"][0]
    assert visit["submitted"] is True
    assert [o["requirement"] for o in visit["open_orders"]] == [
        "测试检查项 licence：营业执照未悬挂"
    ]

    with sync_engine.begin() as conn:  # by hand, outside the app: a clean-up, a restore
        for statement in statements:
            conn.exec_driver_sql(statement)
    kept = _kept(sync_engine)
    assert kept is not None and kept.gen != kept.built_gen  # marked stale by the database

    # Written outside the app, the change reaches its caches by the database's notification,
    # which may be a moment behind this test's next request (never more than a few).
    etag = before.headers["etag"]
    deadline = time.monotonic() + 3
    while (after := _get(client, today_route.day, **{"If-None-Match": etag})).status_code == 304:
        assert time.monotonic() < deadline, "the phone still gets the day as it was"
        time.sleep(0.02)
    assert after.status_code == 200  # not 304: the phone gets the day as it now stands
    visit = after.json()["route"]["visits"][0]
    records_gone = removal.startswith(("every record", "the sent records"))
    orders_gone = removal.startswith(("every record", "the orders"))
    assert visit["submitted"] is not records_gone
    assert (visit["open_orders"] == []) is orders_gone
