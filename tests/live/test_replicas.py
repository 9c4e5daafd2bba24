"""PostgreSQL: the app's in-memory caches answer, and a change committed by another process
reaches them within moments (LISTEN/NOTIFY); a lost listener sends every read to the database."""

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlmodel import Session

from server.auth.models import UserSession
from server.core.replica import MISSING
from server.merchants.models import Merchant
from server.packets.store import warm_packets
from tests.inspections.conftest import make_day
from tests.support.app import login_as
from tests.support.factories import make_merchants
from tests.support.waiting import eventually, settle

pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def postgres_only(sync_engine: Engine) -> None:
    if sync_engine.dialect.name != "postgresql":
        pytest.skip("replicas are kept only on PostgreSQL; SQLite reads in-process")


def test_a_session_ended_elsewhere_stops_working_at_once(client, sync_engine):
    day = make_day(sync_engine)
    login_as(client, "insp-a")
    sessions = client.app.state.session_cache
    settle(client)
    eventually(lambda: sessions.sizes()["sessions"] >= 1)
    assert client.get("/api/v1/auth/me").status_code == 200  # from memory
    with Session(sync_engine) as session:  # another app process signs the user out
        session.exec(delete(UserSession))
        session.commit()
    eventually(lambda: client.get("/api/v1/auth/me").status_code == 401)
    assert client.get("/api/v1/me/day", params={"date": day.day.isoformat()}).status_code == 401


def test_the_day_packet_comes_from_memory_and_follows_changes(client, sync_engine):
    day = make_day(sync_engine)
    with Session(sync_engine) as session:
        warm_packets(session, day.day)
    login_as(client, "insp-a")
    days = client.app.state.day_cache
    settle(client)
    eventually(lambda: days.sizes()["packets"] == 1 and day.day in days._days)
    first = client.get("/api/v1/me/day", params={"date": day.day.isoformat()})
    [route_id] = days._packets.keys()
    assert first.headers["etag"] == f'"{days.known_packet(route_id).etag}"'
    assert days.known_route(day.officers[0].id, day.day) == route_id
    # from memory, and still with the headers and the body deadline of every answer
    assert first.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]

    with Session(sync_engine) as session:  # a supervisor's override, in another process
        session.exec(update(Merchant).where(Merchant.id == day.merchant_id).values(colour="red"))
        session.commit()

    def red() -> bool:
        packet = client.get("/api/v1/me/day", params={"date": day.day.isoformat()}).json()
        return packet["route"]["visits"][0]["merchant"]["colour"] == "red"

    eventually(red)
    # rebuilt on that download, kept, and back in memory
    eventually(lambda: days.known_packet(route_id) is not None)
    assert days.known_packet(route_id).etag != first.headers["etag"].strip('"')


def test_a_scanned_page_is_kept_until_the_merchant_changes(client, sync_engine):
    merchant = make_merchants(sync_engine, 1, name_prefix="张记小吃")[0]
    pages = client.app.state.page_cache
    settle(client)
    page = client.get(f"/m/{merchant.qr_token}")
    assert page.status_code == 200 and "张记小吃" in page.text
    assert pages.known(merchant.qr_token) is not None  # the next scan is served from memory
    again = client.get(f"/m/{merchant.qr_token}", headers={"Accept-Encoding": "gzip"})
    assert again.headers["content-encoding"] == "gzip"  # httpx has already unpacked it
    assert again.text == page.text
    assert again.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in again.headers["content-security-policy"]
    plain = client.get(f"/m/{merchant.qr_token}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == page.text
    with Session(sync_engine) as session:
        session.exec(
            update(Merchant).where(Merchant.id == merchant.id).values(name="张记小吃（新店名）")
        )
        session.commit()
    eventually(lambda: "新店名" in client.get(f"/m/{merchant.qr_token}").text)

    with Session(sync_engine) as session:  # the code is revoked elsewhere
        session.exec(
            update(Merchant).where(Merchant.id == merchant.id).values(qr_token="revoked-x")
        )
        session.commit()
    eventually(lambda: client.get(f"/m/{merchant.qr_token}").status_code == 404)


def test_without_the_listener_every_read_goes_to_the_database(client, sync_engine):
    merchant = make_merchants(sync_engine, 1, name_prefix="李家铺子")[0]
    feed, pages = client.app.state.feed, client.app.state.page_cache
    settle(client)
    client.get(f"/m/{merchant.qr_token}")
    assert pages.known(merchant.qr_token) is not None
    with sync_engine.connect() as conn:  # the listener's connection dies
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LISTEN onevisit_changes%' AND pid <> pg_backend_pid()"
            )
        )
    eventually(lambda: not feed.usable)
    assert pages.known(merchant.qr_token) is None
    with Session(sync_engine) as session:  # changed while nobody listens
        session.exec(update(Merchant).where(Merchant.id == merchant.id).values(name="李家新铺"))
        session.commit()
    assert "李家新铺" in client.get(f"/m/{merchant.qr_token}").text
    eventually(lambda: feed.usable)  # back, with empty caches
    assert pages._pages.get(merchant.qr_token) is MISSING


def test_plans_emptied_with_truncate_are_forgotten_at_once(client, sync_engine):
    day = make_day(sync_engine)
    with Session(sync_engine) as session:
        warm_packets(session, day.day)
    login_as(client, "insp-a")
    days = client.app.state.day_cache
    settle(client)
    eventually(lambda: days.sizes()["packets"] == 1 and day.day in days._days)

    def route() -> object:
        return client.get("/api/v1/me/day", params={"date": day.day.isoformat()}).json()["route"]

    assert route() is not None  # from memory
    with sync_engine.begin() as conn:  # no row trigger fires for this
        conn.execute(text("TRUNCATE plan CASCADE"))
    eventually(lambda: route() is None)
    assert day.day not in days._days or days.known_route(day.officers[0].id, day.day) is None
