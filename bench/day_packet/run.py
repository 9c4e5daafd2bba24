"""Benchmark `GET /api/v1/me/day`: many inspectors fetching their day packets at once.

    python bench/day_packet/run.py [--inspectors 500] [--rounds 3] [--workers 2]
                                   [--db postgresql|sqlite]

Seeds a fresh PostgreSQL schema (bench/day_packet/seed.py: routes of two, 20 visits each, 10 items
per visit, three earlier inspections per merchant), serves it with `onevisit serve --workers N`,
signs every inspector in, then in each round fires all inspectors' requests at the same moment
(one connection each) and records each response's latency. Prints p50/p99/max per round and the
gzipped size of one 20-visit packet. Goal: p99 ≤ 150 ms, packet ≤ 200 KB gzipped.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

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
from server.db import make_sync_engine  # noqa: E402

GOAL_P99_MS, GOAL_PACKET_KB = 150.0, 200.0


async def sign_in(url: str, usernames: list[str]) -> list[httpx.AsyncClient]:
    # a phone opens its own connection in the morning: no idle keep-alive to go stale
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=0)
    clients = [httpx.AsyncClient(base_url=url, limits=limits, timeout=60) for _ in usernames]
    gate = asyncio.Semaphore(16)

    async def one(client: httpx.AsyncClient, username: str) -> None:
        async with gate:
            r = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            r.raise_for_status()

    await asyncio.gather(*(one(c, u) for c, u in zip(clients, usernames, strict=True)))
    return clients


async def burst(clients: list[httpx.AsyncClient], day: str) -> list[float]:
    start_gate = asyncio.Event()

    async def one(client: httpx.AsyncClient) -> float:
        await start_gate.wait()
        began = time.perf_counter()
        r = await client.get("/api/v1/me/day", params={"date": day})
        r.raise_for_status()
        assert r.json()["route"] is not None
        return (time.perf_counter() - began) * 1000

    tasks = [asyncio.create_task(one(c)) for c in clients]
    await asyncio.sleep(0.2)
    start_gate.set()
    return list(await asyncio.gather(*tasks))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def load(url: str, usernames: list[str], rounds: int, day: str) -> None:
    clients = await sign_in(url, usernames)
    try:
        r = await clients[0].get(
            "/api/v1/me/day", params={"date": day}, headers={"Accept-Encoding": "gzip"}
        )
        print(
            f"one 20-visit packet: {len(r.content) / 1024:.1f} KB JSON, "
            f"{int(r.headers.get('content-length', len(r.content))) / 1024:.1f} KB on the wire "
            f"({r.headers.get('content-encoding', 'identity')})"
        )
        await burst(clients[:50], day)  # warm up
        for n in range(rounds):
            latencies = await burst(clients, day)
            p99 = percentile(latencies, 0.99)
            verdict = "meets" if p99 <= GOAL_P99_MS else "misses"
            p50 = statistics.median(latencies)
            print(
                f"round {n + 1}: {len(latencies)} at once: p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
                f"max {max(latencies):.0f} ms ({verdict} p99 ≤ {GOAL_P99_MS:.0f} ms)"
            )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inspectors", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
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
    day = date(2026, 11, 27)
    app = None
    try:
        onevisit(["db", "upgrade"], env)
        engine = make_sync_engine(database_url)
        began = time.perf_counter()
        usernames = seed(engine, args.inspectors, day)
        engine.dispose()
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
        asyncio.run(load(f"http://127.0.0.1:{port}", usernames, args.rounds, day.isoformat()))
    finally:
        if app is not None:
            stop(app)
        if schema:
            with make_sync_engine(POSTGRES).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
