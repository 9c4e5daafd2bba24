"""PostgreSQL, two real app processes (`python -m server serve`) on one database: what one
process writes, the other stops serving from memory at once, and it keeps doing so when the
database connection under its change feed dies, goes deaf, or every connection is ended at once,
and when a write skips the row triggers.

The database's side of a failure is played with pg_terminate_backend on the processes' own
connections (found by their client ports, so other suites on the same server are left alone),
and a listening connection that goes deaf without an error (a NAT or a pooler that dropped it)
with a small TCP proxy in front of PostgreSQL that silently drops what it carries.
"""

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.evidence import tus
from tests.evidence.live import LiveServer
from tests.support.factories import make_merchants, make_user

pytestmark = pytest.mark.usefixtures("postgres_only")

FEED_BACK = 20  # seconds a feed may take to come back (a connect timeout, the reload)


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("the change feed runs on PostgreSQL only; SQLite processes read in-process")


# -- the processes ---------------------------------------------------------------------------


class App:
    """One app process, asked as different people (the client keeps no cookies itself)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=30)

    @property
    def pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

    def send(
        self, method: str, path: str, who: "Visitor | None" = None, **headers: str
    ) -> httpx.Response:
        if who is not None:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in who.cookies.items())
            headers["X-CSRF-Token"] = who.csrf
        response = self.http.request(method, path, headers=headers)
        self.http.cookies.clear()
        return response

    def sign_in(self, username: str) -> "Visitor":
        response = self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": "pw-correct-horse"}
        )
        self.http.cookies.clear()
        assert response.status_code == 200, response.text
        return Visitor(dict(response.cookies), response.json()["csrf_token"])

    def get(self, path: str, who: "Visitor | None" = None) -> httpx.Response:
        return self.send("GET", path, who)

    def me(self, who: "Visitor") -> int:
        return self.get("/api/v1/auth/me", who).status_code

    def upload(self, who: "Visitor") -> int:
        """A write: an officer opens an upload of a photo."""
        meta = tus.metadata(filename="a.jpg", kind="photo", sha256="0" * 64)
        headers = {**tus.headers(), "Upload-Length": "1000", "Upload-Metadata": meta}
        return self.send("POST", "/api/v1/uploads/", who, **headers).status_code

    def sign_out(self, who: "Visitor") -> None:
        response = self.send("POST", "/api/v1/auth/logout", who)
        assert response.status_code == 204, response.text

    def health(self) -> dict[str, Any]:
        return self.http.get("/healthz").json()

    def feed(self) -> dict[str, Any]:
        return self.health().get("change_feed", {})

    def listening(self, *, sessions: int = 0) -> bool:
        feed = self.feed()
        return feed.get("state") == "listening" and feed["kept"]["sessions"] >= sessions


class Visitor:
    def __init__(self, cookies: dict[str, str], csrf: str) -> None:
        self.cookies = cookies
        self.csrf = csrf


def start(database_url: str, settings, tmp_path: Path, **env: str) -> App:
    return App(LiveServer(database_url, settings.storage_url, tmp_path, **env).start())


@pytest.fixture
def servers() -> Iterator[list[App]]:
    started: list[App] = []
    yield started
    for app in started:
        app.http.close()
        app.server.stop()


@pytest.fixture
def pair(database_url: str, settings, tmp_path: Path, servers: list[App]) -> tuple[App, App]:
    servers.extend(
        [start(database_url, settings, tmp_path), start(database_url, settings, tmp_path)]
    )
    return servers[0], servers[1]


def eventually(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


# -- the database's side ---------------------------------------------------------------------


def client_ports(pid: int, server_port: int = 5432) -> set[int]:
    """The local ports of the process's TCP connections to PostgreSQL (or to a proxy)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == server_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def backends(engine: Engine, ports: set[int]) -> list[tuple[int, str]]:
    """(pid, application_name) of the database sessions whose clients sit on `ports`."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid, application_name, client_port FROM pg_stat_activity"
                " WHERE client_addr IS NOT NULL AND pid <> pg_backend_pid()"
            )
        ).all()
    return [(pid, name) for pid, name, port in rows if port in ports]


def terminate(engine: Engine, pids: list[int]) -> None:
    with engine.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def listener_of(engine: Engine, app: App) -> int:
    [pid] = [pid for pid, name in backends(engine, client_ports(app.pid)) if " listener " in name]
    return pid


class DeafeningProxy:
    """TCP in front of PostgreSQL. Once `deafen()` is called, a connection that has asked to
    LISTEN carries nothing more either way, and its sockets stay open: the listener hears nothing
    and is told nothing, as behind a NAT or a pooler that lost it. Its LISTEN connections stay
    deaf (and new ones go deaf) until `hear()`."""

    MARK = b"LISTEN onevisit_changes"

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.deaf = False
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def deafen(self) -> None:
        self.deaf = True

    def hear(self) -> None:
        self.deaf = False

    def close(self) -> None:
        self._server.close()
        for sock in self._sockets:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            carried = {"listens": False, "cut": False}
            for source, sink, outgoing in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(
                    target=self._pump, args=(source, sink, outgoing, carried), daemon=True
                ).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, outgoing: bool, carried: dict
    ) -> None:
        try:
            while data := source.recv(65536):
                carried["listens"] |= outgoing and self.MARK in data
                # once something has been lost, the stream is broken for good
                carried["cut"] |= carried["listens"] and self.deaf
                if not carried["cut"]:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


# -- the cases -------------------------------------------------------------------------------


def test_a_sign_out_on_one_process_is_seen_by_the_other_within_60_ms(pair, sync_engine):
    a, b = pair
    make_user(sync_engine, "walker")
    took = []
    for _ in range(3):  # the best of three: the bound is the feed's, not the machine's load
        walker = a.sign_in("walker")
        eventually(lambda: b.listening(sessions=1), FEED_BACK, "B keeps the new session")
        assert b.me(walker) == 200
        a.sign_out(walker)
        signed_out = time.monotonic()
        while b.me(walker) != 401:
            assert time.monotonic() - signed_out < 5, "B still lets the signed-out user in"
        took.append(time.monotonic() - signed_out)
    assert min(took) < 0.060, took


def test_a_listener_ended_by_the_database_comes_back_and_nothing_stale_is_served_meanwhile(
    pair, sync_engine
):
    a, b = pair
    make_user(sync_engine, "walker")
    walker = a.sign_in("walker")
    eventually(lambda: b.listening(sessions=1), FEED_BACK, "B listens")
    assert b.me(walker) == 200

    terminate(sync_engine, [listener_of(sync_engine, b)])
    a.sign_out(walker)  # while B's feed is down: B must ask the database
    assert b.me(walker) == 401
    eventually(lambda: b.listening(), FEED_BACK, "B listens again")
    assert b.me(walker) == 401
    again = a.sign_in("walker")
    eventually(lambda: b.listening(sessions=1), FEED_BACK, "B keeps the new session")
    assert b.me(again) == 200


def test_a_deaf_listener_is_noticed_and_its_process_stops_trusting_its_memory(
    database_url, settings, tmp_path, servers, sync_engine
):
    proxy = DeafeningProxy(make_url(database_url).port or 5432)
    try:
        through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
        servers.append(start(database_url, settings, tmp_path))
        servers.append(
            start(through_proxy.render_as_string(hide_password=False), settings, tmp_path)
        )
        a, b = servers
        make_user(sync_engine, "walker")
        make_user(sync_engine, "runner")
        walker, runner = a.sign_in("walker"), a.sign_in("runner")
        eventually(lambda: b.listening(sessions=2), FEED_BACK, "B keeps both sessions")
        assert b.upload(runner) == 201
        # B reads what its own write touched from the database until the write is echoed back
        eventually(lambda: b.feed().get("holding") == 0, FEED_BACK, "B's write echoed back")
        assert b.me(walker) == b.me(runner) == 200

        proxy.deafen()  # B's listener hears nothing from here on, and no error says so
        a.sign_out(walker)
        with sync_engine.begin() as conn:  # an administrator deactivates the other officer
            conn.execute(text("UPDATE app_user SET active = false WHERE username = 'runner'"))

        # within a few seconds the missing heartbeat turns B's memory off: both are refused
        eventually(
            lambda: b.me(walker) == b.me(runner) == 401, 15, "B refuses the signed-out users"
        )
        assert b.upload(runner) == 401
        health = b.health()
        assert health["status"] == "degraded" and health["change_feed"]["state"] != "listening"

        proxy.hear()
        eventually(lambda: b.listening(), FEED_BACK, "B listens again once the network heals")
        assert b.me(walker) == b.me(runner) == 401
        again = a.sign_in("walker")
        eventually(lambda: b.listening(sessions=1), FEED_BACK, "B keeps the new session")
        assert b.me(again) == 200
    finally:
        proxy.close()


def test_after_every_connection_is_ended_no_request_fails_and_memory_comes_back(pair, sync_engine):
    a, b = pair
    make_user(sync_engine, "walker")
    merchant = make_merchants(sync_engine, 1)[0]
    walker = a.sign_in("walker")
    asks = [
        ("/api/v1/auth/me", walker),
        (f"/m/{merchant.qr_token}", None),
        ("/api/v1/me/day?date=2026-11-26", walker),
        ("/api/v1/evidence/" + str(uuid.uuid4()), walker),
        ("/healthz", None),
    ]
    for app in (a, b):
        eventually(lambda app=app: app.listening(sessions=1), FEED_BACK, "listening")
        for path, who in asks * 3:  # every pool holds connections now
            assert app.get(path, who).status_code < 500

    # a PostgreSQL restart or failover: every session of both processes ends at once
    doomed = [pid for app in (a, b) for pid, _ in backends(sync_engine, client_ports(app.pid))]
    assert len(doomed) >= 6
    terminate(sync_engine, doomed)

    answers = [
        (app.server.url, path, app.get(path, who).status_code)
        for _ in range(4)
        for app in (a, b)
        for path, who in asks
    ]
    assert [answer for answer in answers if answer[2] >= 500] == []
    for app in (a, b):
        eventually(lambda app=app: app.listening(sessions=1), FEED_BACK, "memory back")
        assert app.me(walker) == 200


def test_a_reload_that_fails_after_reconnecting_is_tried_again(pair, sync_engine):
    a, b = pair
    make_user(sync_engine, "walker")
    walker = a.sign_in("walker")
    eventually(lambda: b.listening(sessions=1), FEED_BACK, "B listens")
    try:
        with sync_engine.begin() as conn:  # the reload cannot read the kept packets for now
            conn.execute(text("ALTER TABLE day_packet RENAME TO day_packet_away"))
        terminate(sync_engine, [listener_of(sync_engine, b)])
        eventually(
            lambda: "reload failed" in b.feed().get("error", ""), FEED_BACK, "B's reload fails"
        )
        assert b.health()["status"] == "degraded"
        assert b.me(walker) == 200  # from the database meanwhile
    finally:
        with sync_engine.begin() as conn:
            conn.execute(text("ALTER TABLE day_packet_away RENAME TO day_packet"))
    eventually(lambda: b.listening(sessions=1), FEED_BACK, "B's reload succeeds on a retry")
    assert b.health()["status"] == "ok"


def test_truncating_the_sessions_signs_everyone_out_on_every_process(pair, sync_engine):
    a, b = pair
    make_user(sync_engine, "walker")
    walker = a.sign_in("walker")
    for app in (a, b):
        eventually(lambda app=app: app.listening(sessions=1), FEED_BACK, "listening")
        assert app.me(walker) == 200
    with sync_engine.begin() as conn:
        conn.execute(text("TRUNCATE user_session"))
    eventually(lambda: a.me(walker) == b.me(walker) == 401, 2, "both refuse the session")
    assert b.upload(walker) == 401


def test_a_write_no_trigger_sees_is_forgotten_within_the_maximum_age(
    database_url, settings, tmp_path, servers, sync_engine
):
    servers.append(start(database_url, settings, tmp_path, LIVE_MAX_AGE_SECONDS="2"))
    [b] = servers
    make_user(sync_engine, "walker")
    walker = b.sign_in("walker")
    eventually(lambda: b.listening(sessions=1), FEED_BACK, "B keeps the session")
    assert b.me(walker) == 200
    with sync_engine.begin() as conn:  # as a restore with triggers disabled would
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM user_session"))
    eventually(lambda: b.me(walker) == 401, 6, "the removed session stops working")


def test_every_connection_says_which_process_holds_it_and_what_for(pair, sync_engine):
    a, _ = pair
    make_user(sync_engine, "walker")
    walker = a.sign_in("walker")
    eventually(lambda: a.listening(sessions=1), FEED_BACK, "listening")
    assert a.get("/api/v1/merchants", walker).status_code == 200
    names = [name for _, name in backends(sync_engine, client_ports(a.pid))]
    roles = {name.split()[1] for name in names if name.startswith("onevisit ")}
    expected = {f"onevisit {role} {socket.gethostname()}:{a.pid}"[:63] for role in roles}
    assert names and set(names) == expected, names
    assert {"listener", "reader", "web"} <= roles, names
