"""Fuzz the running API with schemathesis, against its own /schema/openapi.json.

    make fuzz                                          # SQLite, 120 s of fuzzing
    TEST_DATABASE_URL=postgresql://…/test make fuzz    # PostgreSQL (a schema of its own)
    FUZZ_SECONDS=300 FUZZ_SEED=7 make fuzz             # longer, or one run again

A fresh database gets the demo district (`onevisit demo`), `python -m server serve` serves it on a
free port, and schemathesis signs in as the demo's district supervisor (the session cookie and
the X-CSRF-Token header on every request) and runs every phase (coverage, fuzzing, stateful) on
every operation but sign-out (which would end its own session) until FUZZ_SECONDS are spent.
Two checks decide: no response is a server error (5xx), and every status an operation sends is
one the schema lists for it. The exit status is schemathesis's: 0 when both held throughout.
The operations on one upload, evidence or inspection are given ones that exist (a photo
uploaded first, one of the demo's inspections), so that they are fuzzed past their 404.
The server's log and the JUnit report stay in the folder printed at the end.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import text

from server.core.db import make_sync_engine
from server.demo.loader import DEMO_PASSWORD
from tests.evidence import tus
from tests.support.s3server import free_port

ROOT = Path(__file__).resolve().parents[2]
SIGN_IN_AS = "supervisor"  # the demo's district supervisor: sees every street
CHECKS = "not_a_server_error,status_code_conformance"
NOT_FUZZED = "/api/v1/auth/logout"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", 120)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED") or 0) or None)
    parser.add_argument("--workers", default=os.environ.get("FUZZ_WORKERS", "2"))
    parser.add_argument("extra", nargs="*", help="more `st run` options, after --")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="onevisit-fuzz-"))
    base = os.environ.get("TEST_DATABASE_URL")
    schema = f"ov_fuzz_{uuid.uuid4().hex[:10]}" if base else None
    database_url = _postgres(base, schema) if base and schema else f"sqlite:///{work / 'fuzz.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_URL": (work / "media").as_uri(),
        "ONEVISIT_VAR_DIR": str(work / "var"),
        "SECRET_KEY": secrets.token_urlsafe(32),
    }
    env.pop("ONEVISIT_CLOCK", None)
    fuzzer_env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        _run([sys.executable, "-m", "server", "db", "upgrade"], env)
        _run([sys.executable, "-m", "server", "demo", "--merchants", "40"], env)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = url
        with (work / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait(url, server)
            cookies, csrf = _sign_in(url)
            config = work / "schemathesis.toml"
            config.write_text(_known_ids(url, cookies, csrf, database_url))
            command = [
                str(Path(sys.executable).with_name("st")),
                "--config-file",
                str(config),
                "run",
                f"{url}/schema/openapi.json",
                "--header",
                f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}",
                "--header",
                f"X-CSRF-Token: {csrf}",
                "--checks",
                CHECKS,
                "--exclude-path",
                NOT_FUZZED,
                "--max-time",
                str(args.seconds),
                "--workers",
                str(args.workers),
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-dir",
                str(work / "report"),
                "--no-color",
                *(["--seed", str(args.seed)] if args.seed else []),
                *args.extra,
            ]
            shown = [c if not c.startswith(("Cookie:", "X-CSRF")) else "…" for c in command]
            print("==", " ".join(shown), flush=True)
            fuzzing = time.monotonic()
            status = subprocess.run(command, cwd=work, env=fuzzer_env, check=False).returncode
            print(f"== fuzzed for {time.monotonic() - fuzzing:.0f} s", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        errors = (work / "server.log").read_text(errors="replace").count("unhandled error on")
        print(f"== the server logged {errors} unhandled errors; its log: {work / 'server.log'}")
    finally:
        if base and schema:
            _drop(base, schema)
        print(f"== {time.monotonic() - started:.0f} s in all; reports in {work}", flush=True)
    return status


def _postgres(base: str, schema: str) -> str:
    engine = make_sync_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def _drop(base: str, schema: str) -> None:
    engine = make_sync_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"`{' '.join(command)}` failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def _wait(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before it answered")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer /readyz within {timeout:.0f} s")


def _sign_in(url: str) -> tuple[dict[str, str], str]:
    response = httpx.post(
        f"{url}/api/v1/auth/login", json={"username": SIGN_IN_AS, "password": DEMO_PASSWORD}
    )
    response.raise_for_status()
    return dict(response.cookies), response.json()["csrf_token"]


def _known_ids(url: str, cookies: dict[str, str], csrf: str, database_url: str) -> str:
    """Schemathesis configuration naming records that exist, so that the operations on one
    evidence, upload or inspection reach past their 404: a photo uploaded here (tus) and one of
    the demo's inspections."""
    with httpx.Client(base_url=url, cookies=cookies, timeout=30) as client:
        photo = tus.jpeg()
        created = tus.create(client, csrf, photo, filename="fuzz.jpg")
        created.raise_for_status()
        upload = tus.path_of(created)
        tus.patch(client, csrf, upload, 0, photo).raise_for_status()
        evidence = client.get(upload).json()["evidence_id"]
    engine = make_sync_engine(database_url)
    with engine.connect() as conn:
        inspection = conn.execute(text("SELECT id FROM inspection LIMIT 1")).scalar()
    engine.dispose()
    ids = {
        "evidence_id": evidence,
        "upload_id": upload.rsplit("/", 1)[1],
        "inspection_id": uuid.UUID(str(inspection)) if inspection else None,
    }
    return "[parameters]\n" + "".join(f'"path.{k}" = "{v}"\n' for k, v in ids.items() if v)


if __name__ == "__main__":
    sys.exit(main())
