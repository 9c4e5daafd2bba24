"""Benchmark `GET /m/{token}` (the public merchant page) against the smallest Litestar page.

    python bench/scan_page/run.py [--merchants 3000] [--duration 10] [--connections 32]
                                  [--database sqlite|postgresql]

Both are served the same way on this machine: one uvicorn worker each (`onevisit serve
--workers 1` for the app, the same uvicorn settings for the anchor in bench/scan_page/anchor.py),
loaded by wrk with 32 connections. The app runs on a demo district (`onevisit demo`) and wrk
walks through every merchant's code in turn. It is measured twice: as configured by default
(pages kept in memory until a change is announced, or on SQLite until anyone commits) and
with PUBLIC_PAGE_CACHE=0 PUBLIC_PAGE_SECONDS=0 (every scan reads the database and renders).
Prints requests per second, p99 latency and the ratio app / anchor; goal: ratio ≥ 0.5 and
p99 ≤ 30 ms.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402

from server.core.db import make_sync_engine  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
GOAL_RATIO, GOAL_P99_MS = 0.5, 30.0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install -y wrk) …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def onevisit(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def serve(command: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}") from None
            time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"{command} did not answer on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if found is None:
        raise RuntimeError(f"wrk printed a latency this cannot read: {value!r}")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def load(wrk: str, url: str, script: Path | None, args: argparse.Namespace, seconds: int):
    command = [wrk, "-t1", f"-c{args.connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if not re.search(r"99%\s+[\d.]+(us|ms|s)\b", out):
        raise RuntimeError(f"wrk gave no latency figures for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # the latency distribution's line, not a "+/- Stdev" figure that happens to end in 99%
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses\n{out}")
    return rps, p99


def measure(wrk, url, script, args) -> tuple[float, float]:
    load(wrk, url, script, args, 3)  # warm up
    runs = [load(wrk, url, script, args, args.duration) for _ in range(args.rounds)]
    return max(r[0] for r in runs), min(r[1] for r in runs)


def fresh_database(kind: str, workdir: Path, prefix: str) -> tuple[str, str | None]:
    """A database URL for a run: a new PostgreSQL schema (returned, to drop), or SQLite."""
    if kind != "postgresql":
        return f"sqlite:///{workdir / 'onevisit.db'}", None
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with make_sync_engine(POSTGRES).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--merchants", type=int, default=3000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="onevisit-scan-"))
    database_url, schema = fresh_database(args.database, workdir, "bench_scan")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"file://{workdir / 'media'}",
        "ONEVISIT_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": "bench-secret",
    }
    try:
        print(f"preparing a demo district of {args.merchants} merchants on {args.database} …")
        onevisit(["db", "upgrade"], env)
        onevisit(["demo", "--merchants", str(args.merchants)], env)
        engine = make_sync_engine(database_url)
        with engine.connect() as conn:
            tokens = [t for (t,) in conn.execute(text("SELECT qr_token FROM merchant"))]
        engine.dispose()
        script = workdir / "walk.lua"
        paths = ",".join(f'"/m/{t}"' for t in tokens)
        script.write_text(
            f"local paths = {{{paths}}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n"
            "  return wrk.format('GET', paths[i])\nend\n"
        )
        results = {}
        port = free_port()
        anchor = serve(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.scan_page.anchor:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--proxy-headers",
                "--log-level",
                "info",
            ],
            env,
            port,
            "/",
        )
        try:
            results["anchor (smallest Litestar page)"] = measure(
                wrk, f"http://127.0.0.1:{port}/", None, args
            )
        finally:
            stop(anchor)
        configurations = (
            ("GET /m/{token}", {}),
            (
                "GET /m/{token}, nothing kept",
                {"PUBLIC_PAGE_CACHE": "0", "PUBLIC_PAGE_SECONDS": "0"},
            ),
        )
        for label, overrides in configurations:
            port = free_port()
            app = serve(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                ],
                {**env, **overrides},
                port,
                f"/m/{tokens[0]}",
            )
            try:
                results[label] = measure(wrk, f"http://127.0.0.1:{port}/", script, args)
            finally:
                stop(app)
        anchor_rps = results["anchor (smallest Litestar page)"][0]
        print(
            f"\n{args.connections} connections, 1 worker each, {args.database}, "
            f"{len(tokens)} merchant codes walked in turn; best of {args.rounds} × "
            f"{args.duration} s"
        )
        print(f"{'':34} {'req/s':>9} {'p99 ms':>8} {'ratio':>6}")
        for label, (rps, p99) in results.items():
            print(f"{label:34} {rps:9.0f} {p99:8.1f} {rps / anchor_rps:6.2f}")
        rps, p99 = results["GET /m/{token}"]
        ok = rps / anchor_rps >= GOAL_RATIO and p99 <= GOAL_P99_MS
        print(
            f"\ngoal ratio ≥ {GOAL_RATIO} and p99 ≤ {GOAL_P99_MS:.0f} ms: "
            f"{'met' if ok else 'NOT met'} (ratio {rps / anchor_rps:.2f}, p99 {p99:.1f} ms)"
        )
    finally:
        if schema:
            with make_sync_engine(POSTGRES).begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
