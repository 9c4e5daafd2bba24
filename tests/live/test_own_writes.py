"""PostgreSQL: what a process writes it reads back at once, and nothing else leaves its memory.

The keys a commit touched (as the triggers name them) are held out of the writer's caches until
the commit's echo is back through its listener; every other key goes on answering from memory.
"""

import psycopg
import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from server.auth.service import token_hash
from server.core.changefeed import CHANNEL
from server.core.clock import utcnow
from server.core.db import make_sync_engine
from server.core.local_writes import ALL, HOLD_SECONDS, LOCAL_WRITES, Holds, Note, parse_touched
from server.merchants.models import Merchant
from server.packets.store import warm_packets
from tests.inspections.conftest import make_day, record_body
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.waiting import eventually, settle


@pytest.fixture
def postgres_only(sync_engine: Engine) -> None:
    if sync_engine.dialect.name != "postgresql":
        pytest.skip("the change feed runs on PostgreSQL only")


# -- the pieces ------------------------------------------------------------------------------


def test_the_touched_list_reads_as_notes():
    assert parse_touched(" merchant:1 packet:2 ") == [("merchant", "1"), ("packet", "2")]
    assert parse_touched("*") == [ALL]
    assert parse_touched("") == []


def test_a_key_is_held_until_every_commit_that_touched_it_is_back():
    now = [100.0]
    holds = Holds(clock=lambda: now[0])
    holds.add(1, [("merchant", "a"), ("packet", "r")])
    holds.add(2, [("merchant", "a")])
    assert holds.held("merchant", "a") and holds.held("packet", "r")
    assert not holds.held("merchant", "b") and not holds.held("session", "a")
    assert holds.release(1) == [("packet", "r")]  # "a" is still held by the second commit
    assert holds.held("merchant", "a") and not holds.held("packet", "r")
    assert holds.release(1) == []  # an echo heard twice
    assert holds.overdue() == []
    now[0] += HOLD_SECONDS + 1  # the second commit failed: no echo will come
    assert holds.overdue() == [2]
    assert holds.release(2) == [("merchant", "a")] and not holds


def test_a_wildcard_holds_every_key_of_its_kind_and_all_holds_everything():
    holds = Holds()
    holds.add(1, [("session", "*")])
    assert holds.held("session", "anyone") and not holds.held("merchant", "m")
    holds.add(2, [ALL])
    assert holds.held("merchant", "m") and holds.held("plan", "2026-12-01")


class Recorder:
    """Stands in for a change feed: records what each commit of this process holds."""

    def __init__(self) -> None:
        self.held: list[tuple[int, list[Note]]] = []
        self.active = True

    def hold(self, commit: int, notes: list[Note]) -> None:
        self.held.append((commit, notes))

    def __enter__(self) -> "Recorder":
        LOCAL_WRITES.join(self, CHANNEL)
        return self

    def __exit__(self, *_: object) -> None:
        LOCAL_WRITES.leave(self)


@pytest.mark.usefixtures("postgres_only")
def test_a_commit_names_what_its_triggers_announced_and_echoes_after_them(
    database_url, sync_engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    engine = make_sync_engine(database_url)  # any engine of the process is watched
    url = make_url(database_url).set(drivername="postgresql", query={})
    listener = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    listener.execute(f"LISTEN {CHANNEL}")
    try:
        with Recorder() as recorder:
            with engine.begin() as conn:  # a read commits nothing to hold
                conn.execute(text("SELECT count(*) FROM merchant"))
            assert recorder.held == []
            with engine.begin() as conn:
                conn.execute(update(Merchant).where(Merchant.id == merchant.id).values(name="新名"))
            [(commit, notes)] = recorder.held
            assert notes == [("merchant", str(merchant.id))]
            with engine.begin() as conn:  # undone by a savepoint: nothing was announced
                inner = conn.begin_nested()
                conn.execute(update(Merchant).where(Merchant.id == merchant.id).values(name="又改"))
                inner.rollback()
            assert len(recorder.held) == 1
        heard = [n.payload for n in listener.notifies(timeout=1.0)]
        echo = f"echo:{LOCAL_WRITES.id}:"
        mine = [p for p in heard if p.endswith(str(merchant.id)) or p.startswith(echo)]
        assert mine == [f"merchant:{merchant.id}", f"{echo}{commit}"]
    finally:
        listener.close()
        engine.dispose()


@pytest.mark.usefixtures("postgres_only")
def test_a_bulk_write_holds_everything(sync_engine):
    merchants = make_merchants(sync_engine, 250)
    with Recorder() as recorder, sync_engine.begin() as conn:
        ids = [m.id for m in merchants]  # 250 merchants renamed: too many notes to list
        conn.execute(update(Merchant).where(col(Merchant.id).in_(ids)).values(name="X"))
    assert recorder.held[0][1] == [ALL]


@pytest.mark.usefixtures("postgres_only")
def test_a_transaction_that_failed_is_let_commit_as_the_rollback_it_is(sync_engine):
    (merchant,) = make_merchants(sync_engine, 1)
    with Recorder() as recorder:
        with sync_engine.begin() as conn, pytest.raises(DBAPIError):
            conn.execute(update(Merchant).where(Merchant.id == merchant.id).values(name="新名"))
            conn.execute(text("SELECT 1 / 0"))
        assert recorder.held == []  # nothing was asked of the failed transaction, nothing held
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).name != "新名"


@pytest.mark.usefixtures("postgres_only")
def test_a_process_without_a_feed_adds_nothing_to_its_commits(database_url, sync_engine):
    """The command line: no feed listens in the process, so no commit is asked what it touched."""
    (merchant,) = make_merchants(sync_engine, 1)
    url = make_url(database_url).set(drivername="postgresql", query={})
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        with sync_engine.begin() as conn:
            conn.execute(update(Merchant).where(Merchant.id == merchant.id).values(name="新名"))
        heard = [n.payload for n in listener.notifies(timeout=1.0)]
    assert f"merchant:{merchant.id}" in heard
    assert not [p for p in heard if p.startswith(f"echo:{LOCAL_WRITES.id}:")]


# -- the app ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("postgres_only")
def test_a_rotated_code_is_gone_at_once_and_other_pages_stay_in_memory(
    client, sync_engine, monkeypatch
):
    make_user(sync_engine, "sup", role="supervisor")
    csrf = login_as(client, "sup")
    rotated, other = make_merchants(sync_engine, 2)
    pages, feed = client.app.state.page_cache, client.app.state.feed
    settle(client)
    held: list[list[Note]] = []
    hold = feed.hold
    monkeypatch.setattr(
        feed, "hold", lambda commit, notes: hold(commit, held.append(notes) or notes)
    )
    for merchant in (rotated, other):
        assert client.get(f"/m/{merchant.qr_token}").status_code == 200
        assert pages.known(merchant.qr_token) is not None
    response = client.post(
        f"/api/v1/merchants/{rotated.id}/code/rotate",
        json={"reason": "二维码被复制张贴到别处"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    assert [("merchant", str(rotated.id))] in held  # what the rotation's commit touched
    assert pages.known(other.qr_token) is not None  # its page still answers from memory
    assert pages.known(rotated.qr_token) is None
    assert client.get(f"/m/{rotated.qr_token}").status_code == 404


@pytest.mark.usefixtures("postgres_only")
def test_a_signed_out_session_is_refused_at_once_and_others_stay_in_memory(client, sync_engine):
    make_user(sync_engine, "walker")
    make_user(sync_engine, "runner")
    visitors = {}
    for name in ("walker", "runner"):
        csrf = login_as(client, name)
        visitors[name] = (dict(client.cookies), csrf)
        client.cookies.clear()
    sessions = client.app.state.session_cache
    settle(client)
    eventually(lambda: sessions.sizes()["sessions"] >= 2)
    runner = token_hash(visitors["runner"][0]["ov_session"])
    assert sessions.known(runner, utcnow()) is not None

    cookies, csrf = visitors["walker"]
    client.cookies.update(cookies)
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.update(cookies)
    assert client.get("/api/v1/auth/me").status_code == 401  # this very process, at once
    assert sessions.known(runner, utcnow()) is not None  # the others answer from memory


@pytest.mark.usefixtures("postgres_only")
def test_a_record_sent_to_this_process_shows_in_the_next_download(client, sync_engine):
    day = make_day(sync_engine)
    with Session(sync_engine) as session:
        warm_packets(session, day.day)
    csrf = login_as(client, "insp-a")
    days = client.app.state.day_cache
    settle(client)
    eventually(lambda: days.sizes()["packets"] == 1 and day.day in days._days)
    [route_id] = days._packets.keys()
    before = client.get("/api/v1/me/day", params={"date": day.day.isoformat()})
    assert before.headers["etag"] == f'"{days.known_packet(route_id).etag}"'  # from memory
    sent = client.post("/api/v1/inspections", json=record_body(day), headers={"X-CSRF-Token": csrf})
    assert sent.status_code == 201, sent.text
    after = client.get(
        "/api/v1/me/day",
        params={"date": day.day.isoformat()},
        headers={"If-None-Match": before.headers["etag"]},
    )
    assert after.status_code == 200
    assert after.json()["route"]["visits"][0]["submitted"] is True
