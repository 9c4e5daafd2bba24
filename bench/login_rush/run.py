"""Benchmark the morning rush: many inspectors signing in at once while others are served.

    python bench/login_rush/run.py [--logins 500] [--workers 1] [--db postgresql|sqlite]
                                   [--probes-per-second 40] [--quiet 10]

Seeds a fresh database with `--logins` inspectors (one Argon2id hash made once and shared, as
the demo does) and serves it twice with `onevisit serve --workers N`, both behind a pretend load
balancer on 127.0.0.1 (TRUSTED_PROXIES=127.0.0.1; every phone has its own X-Forwarded-For
address): the server under test, and an identical anchor server on the same database that takes
no sign-ins. Probes (`GET /api/v1/auth/me` of a signed-in bystander and `GET /healthz`,
alternately, each on a new connection, `--probes-per-second` to each server) run for `--quiet`
seconds, then on through the rush: every inspector's `POST /api/v1/auth/login` to the server
under test at the same moment, each on its own connection. Prints the probes' p50/p99/max on both
servers, quiet and during the rush (and by phase of the rush), and the ratio anchor p99 / tested
p99 during the rush: the anchor sees the same machine, the same database and the same load
generator at the same moments, so the ratio shows what the rush costs other requests in the
process that serves it. Goal: p99 ≤ 150 ms during the rush of 500; every login answered 200.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import uvloop

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402

from bench.scan_page.run import POSTGRES, free_port, fresh_database, onevisit, serve, stop  # noqa: E402
from server.auth.passwords import hash_password  # noqa: E402
from server.core.db import make_sync_engine  # noqa: E402
from server.org.models import User  # noqa: E402

GOAL_P99_MS = 150.0
PASSWORD = "bench-rush-pw"
PHASES = ((0, 5), (5, 30), (30, None))  # seconds into the rush


def seed(database_url: str, count: int) -> list[str]:
    """`count` inspectors and two bystanders, all with one shared hash; the inspectors' names."""
    shared = hash_password(PASSWORD)  # Argon2 is slow on purpose: hashed once
    names = [f"rush{n:04d}" for n in range(count)]
    rows = [
        User(username=name, name=f"检查员{name}", password_hash=shared, role="inspector")
        for name in [*names, "bystander0", "bystander1"]
    ]
    engine = make_sync_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(User), [row.model_dump() for row in rows])
    engine.dispose()
    return names


def http(method: str, path: str, port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(port: int, request: bytes) -> tuple[float, bytes]:
    """A new connection, one request, the whole answer (the server closes); ms and bytes."""
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    answer = await reader.read()
    writer.close()
    return (time.perf_counter() - began) * 1000, answer


def login_request(port: int, username: str, n: int) -> bytes:
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    phone = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 + 1}"  # behind the balancer
    headers = {"Content-Type": "application/json", "X-Forwarded-For": phone}
    return http("POST", "/api/v1/auth/login", port, headers, body)


async def bystander_cookie(port: int, username: str) -> str:
    _, answer = await exchange(port, login_request(port, username, 70000))
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    if not head.startswith("HTTP/1.1 200"):
        raise RuntimeError(f"the bystander could not sign in: {head}")
    for line in head.split("\r\n"):
        if line.lower().startswith("set-cookie: ov_session="):
            return line.split("=", 1)[1].split(";", 1)[0]
    raise RuntimeError("no session cookie")


class Probes:
    """Other requests to one server at a steady rate: when each was sent, its latency, and how
    many were not answered 200."""

    def __init__(self, port: int, cookie: str, rate: float) -> None:
        self.port, self.rate = port, rate
        self.requests = [
            http("GET", "/api/v1/auth/me", port, {"Cookie": f"ov_session={cookie}"}),
            http("GET", "/healthz", port, {}),
        ]
        self.sent: list[tuple[float, float]] = []
        self.failed = 0

    async def _one(self, request: bytes) -> None:
        at = time.perf_counter()
        latency, answer = await exchange(self.port, request)
        self.sent.append((at, latency))
        self.failed += answer[9:12] != b"200"

    async def run(self, stop_at: asyncio.Event) -> None:
        pending: set[asyncio.Task] = set()
        n, began = 0, time.perf_counter()
        while not stop_at.is_set():
            task = asyncio.create_task(self._one(self.requests[n % 2]))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
            await asyncio.sleep(max(0.0, began + n / self.rate - time.perf_counter()))
        await asyncio.gather(*pending)

    def between(self, start: float, end: float | None = None) -> list[float]:
        return [ms for at, ms in self.sent if at >= start and (end is None or at < end)]


async def rush(port: int, usernames: list[str]) -> tuple[float, float, list[float], dict]:
    """Every inspector signs in at the same moment: start, wall seconds, latencies, statuses."""
    gate = asyncio.Event()
    statuses: dict[str, int] = {}

    async def one(n: int, username: str) -> float:
        await gate.wait()
        latency, answer = await exchange(port, login_request(port, username, n))
        status = answer[9:12].decode() or "no answer"
        statuses[status] = statuses.get(status, 0) + 1
        return latency

    tasks = [asyncio.create_task(one(n, u)) for n, u in enumerate(usernames)]
    await asyncio.sleep(0.2)
    began = time.perf_counter()
    gate.set()
    latencies = list(await asyncio.gather(*tasks))
    return began, time.perf_counter() - began, latencies, statuses


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(latencies: list[float]) -> str:
    return (
        f"{len(latencies)} probes: p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 0.99):.0f} ms, max {max(latencies):.0f} ms"
    )


async def load(ports: tuple[int, int], usernames: list[str], rate: float, quiet: float) -> None:
    probes = [
        Probes(port, await bystander_cookie(port, f"bystander{n}"), rate)
        for n, port in enumerate(ports)
    ]
    stop_at = asyncio.Event()
    running = [asyncio.create_task(p.run(stop_at)) for p in probes]
    calm = time.perf_counter()
    await asyncio.sleep(quiet)
    began, seconds, logins, statuses = await rush(ports[0], usernames)
    stop_at.set()
    await asyncio.gather(*running)
    for name, p in zip(("tested", "anchor"), probes, strict=True):
        print(f"{name} server, quiet: {summary(p.between(calm, began))}")
    print(
        f"rush: {len(usernames)} logins at once to the tested server, all answered in "
        f"{seconds:.1f} s ({len(usernames) / seconds:.1f} logins/s); login latency p50 "
        f"{statistics.median(logins) / 1000:.1f} s, max {max(logins) / 1000:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    for low, high in PHASES:
        if low >= seconds:
            break
        span = f"{low}–{high if high else round(seconds)} s"
        for name, p in zip(("tested", "anchor"), probes, strict=True):
            part = p.between(began + low, began + high if high else None)
            print(f"  {span} into the rush, {name}: {summary(part)}")
    busy, idle = probes[0].between(began), probes[1].between(began)
    p99, anchor_p99 = percentile(busy, 0.99), percentile(idle, 0.99)
    verdict = "meets" if p99 <= GOAL_P99_MS else "misses"
    print(
        f"during the rush, tested: {summary(busy)}, {probes[0].failed} not answered 200 "
        f"({verdict} p99 ≤ {GOAL_P99_MS:.0f} ms)"
    )
    print(f"during the rush, anchor: {summary(idle)}, {probes[1].failed} not answered 200")
    ratio = anchor_p99 / p99
    print(f"ratio anchor p99 / tested p99: {anchor_p99:.0f} / {p99:.0f} ms = {ratio:.2f}")
    if statuses != {"200": len(usernames)}:
        print("NOT every login succeeded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logins", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--probes-per-second", type=float, default=40)
    parser.add_argument("--quiet", type=float, default=10, help="seconds before the rush")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="onevisit-rush-"))
    database_url, schema = fresh_database(args.db, workdir, "bench_rush")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"file://{workdir / 'media'}",
        "ONEVISIT_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": "bench-secret",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    servers = []
    try:
        onevisit(["db", "upgrade"], env)
        usernames = seed(database_url, args.logins)
        print(f"seeded {args.logins} inspectors on {args.db}; {args.workers} worker(s) each")
        ports = free_port(), free_port()
        for port in ports:
            command = [sys.executable, "-m", "server", "serve", "--port", str(port)]
            own = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
            servers.append(serve([*command, "--workers", str(args.workers)], own, port, "/healthz"))
        uvloop.run(load(ports, usernames, args.probes_per_second, args.quiet))
    finally:
        for server in servers:
            stop(server)
        if schema:
            with make_sync_engine(POSTGRES).begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
