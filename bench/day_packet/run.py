"""Benchmark `GET /api/v1/me/day`: many inspectors fetching their day packets at once.

    python bench/day_packet/run.py [--inspectors 500] [--rounds 3] [--workers 2]
                                   [--db postgresql|sqlite] [--cold]

Seeds a fresh PostgreSQL schema (bench/day_packet/seed.py: routes of two, 20 visits each, 10 items
per visit, three earlier inspections per merchant), builds the packets as publishing does
(`onevisit plan warm`; not with --cold), serves it with `onevisit serve --workers N`, signs every
inspector in, then in each round fires all inspectors' requests at the same moment (a new
connection each, plain sockets) and records each response's latency. Prints p50/p99/max per round
and the gzipped size of one 20-visit packet. Goal: p99 ≤ 150 ms, packet ≤ 200 KB gzipped.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402

from bench.day_packet.seed import PASSWORD, seed  # noqa: E402
from bench.scan_page.run import (  # noqa: E402
    POSTGRES,
    free_port,
    fresh_database,
    onevisit,
    serve,
    stop,
)
from server.core.clock import local_today  # noqa: E402
from server.core.db import make_sync_engine  # noqa: E402

GOAL_P99_MS, GOAL_PACKET_KB = 150.0, 200.0


async def sign_in(url: str, usernames: list[str]) -> list[str]:
    """Each inspector's session cookie."""
    gate = asyncio.Semaphore(16)

    async def one(username: str) -> str:
        async with gate, httpx.AsyncClient(base_url=url, timeout=60) as client:
            r = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            r.raise_for_status()
            return r.cookies["ov_session"]

    return list(await asyncio.gather(*(one(u) for u in usernames)))


async def fetch(port: int, request: bytes) -> tuple[float, bytes]:
    """One phone: a new connection, one request, the whole answer (the server closes)."""
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    answer = await reader.read()
    writer.close()
    return (time.perf_counter() - began) * 1000, answer


def request_for(port: int, day: str, cookie: str) -> bytes:
    return (
        f"GET /api/v1/me/day?date={day} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: ov_session={cookie}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    ).encode()


async def burst(port: int, requests: list[bytes]) -> list[float]:
    """Every phone at the same moment; the load side is plain sockets so that the two shared
    CPUs go to the server rather than to an HTTP client library."""
    start_gate = asyncio.Event()

    async def one(request: bytes) -> float:
        await start_gate.wait()
        latency, answer = await fetch(port, request)
        status = answer[9:12]
        if status != b"200":
            raise RuntimeError(f"answered {answer[:200]!r}")
        return latency

    tasks = [asyncio.create_task(one(r)) for r in requests]
    await asyncio.sleep(0.2)
    start_gate.set()
    return list(await asyncio.gather(*tasks))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(what: str, latencies: list[float], count: int | None = None) -> None:
    p99 = percentile(latencies, 0.99)
    verdict = "meets" if p99 <= GOAL_P99_MS else "misses"
    print(
        f"{what}: {count or len(latencies)} at once: p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {p99:.0f} ms, max {max(latencies):.0f} ms ({verdict} p99 ≤ {GOAL_P99_MS:.0f} ms)",
        flush=True,
    )


def ab_burst(url: str, count: int, headers: list[str]) -> list[float]:
    """The same burst from ApacheBench (C, one thread): `count` new connections at once."""
    ab = shutil.which("ab")
    if ab is None:
        print("installing ab (apt-get install -y apache2-utils) …", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "apache2-utils"], check=True, capture_output=True
        )
        ab = shutil.which("ab") or "ab"
    with tempfile.NamedTemporaryFile(suffix=".csv") as table:
        command = [ab, "-q", "-n", str(count), "-c", str(count), "-e", table.name]
        for header in headers:
            command += ["-H", header]
        done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
        if "Non-2xx" in done.stdout or "Failed requests:        0" not in done.stdout:
            raise RuntimeError(done.stdout)
        rows = [line.split(",") for line in Path(table.name).read_text().splitlines()[1:]]
    # its percentile table (0 … 100 % served within so many ms) stands in for the latencies
    shares = {float(share): float(ms) for share, ms in rows}
    return [shares[float(n)] for n in range(101)]


async def load(port: int, usernames: list[str], rounds: int, day: str) -> None:
    url = f"http://127.0.0.1:{port}"
    cookies = await sign_in(url, usernames)
    await asyncio.sleep(1)  # phones sign in when the shift starts, not in the download's second
    requests = [request_for(port, day, c) for c in cookies]
    async with httpx.AsyncClient(base_url=url, cookies={"ov_session": cookies[0]}) as client:
        r = await client.get("/api/v1/me/day", params={"date": day})
        assert r.json()["route"] is not None
        wire = int(r.headers.get("content-length", len(r.content)))
        print(
            f"one 20-visit packet: {len(r.content) / 1024:.1f} KB JSON, {wire / 1024:.1f} KB "
            f"on the wire ({r.headers.get('content-encoding', 'identity')})"
        )
    for n in range(rounds):
        report(f"round {n + 1}, every inspector", await burst(port, requests))
    headers = [f"Cookie: ov_session={cookies[0]}", "Accept-Encoding: gzip"]
    for n in range(rounds):
        latencies = ab_burst(f"{url}/api/v1/me/day?date={day}", len(cookies), headers)
        report(f"round {n + 1}, ab, one inspector's session", latencies, len(cookies))


async def calibrate(port: int, count: int, rounds: int) -> None:
    """The smallest Litestar page under the same bursts: what this machine allows at all."""
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    for n in range(rounds):
        report(f"anchor round {n + 1}", await burst(port, [request] * count))
    for n in range(rounds):
        latencies = ab_burst(f"http://127.0.0.1:{port}/", count, [])
        report(f"anchor round {n + 1}, ab", latencies, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inspectors", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument(
        "--cold", action="store_true", help="no packets built ahead: the first round builds them"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="onevisit-day-"))
    database_url, schema = fresh_database(args.db, workdir, "bench_day")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"file://{workdir / 'media'}",
        "ONEVISIT_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": "bench-secret",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    day = local_today()  # packets are kept from yesterday on
    app = None
    try:
        onevisit(["db", "upgrade"], env)
        engine = make_sync_engine(database_url)
        began = time.perf_counter()
        usernames = seed(engine, args.inspectors, day)
        engine.dispose()
        if not args.cold:  # what publishing the plan does: every route's packet built ahead
            began = time.perf_counter()
            onevisit(["plan", "warm", "--date", day.isoformat()], env)
            print(f"packets built ahead in {time.perf_counter() - began:.1f} s")
        print(
            f"seeded {args.inspectors} inspectors on {args.db} "
            f"in {time.perf_counter() - began:.0f} s"
        )
        command = [
            sys.executable,
            "-m",
            "server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ]
        app = serve(command, env, port, "/healthz")
        # uvloop on the load side too: the two shared CPUs should go to the server
        uvloop.run(load(port, usernames, args.rounds, day.isoformat()))
        stop(app)
        app = serve(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.scan_page.anchor:create_app",
                "--factory",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env,
            port,
            "/",
        )
        uvloop.run(calibrate(port, args.inspectors, args.rounds))
    finally:
        if app is not None:
            stop(app)
        if schema:
            with make_sync_engine(POSTGRES).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
