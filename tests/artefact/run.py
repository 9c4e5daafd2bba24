"""The artefact test: the wheel a district installs, built, installed and run the way README's
"Running it for real" says and the Dockerfile does, outside the checkout.

    make test-artefact                                        # SQLite and a local folder
    TEST_DATABASE_URL=postgresql://…/test make test-artefact  # then PostgreSQL and S3 as well

Copy what the image's build stage gets (pyproject.toml, setup.py, MANIFEST.in, README.md,
package.json, package-lock.json, server/, templates/ and pwa/, git-ignored files left out) into a
temporary folder, then follow README's steps:
1. `npm ci`, `python3 -m server.vendor …` (the front-end libraries into pwa/vendor/),
   `python3 -m pip wheel …`; the wheel must hold every file under templates/ and pwa/, inside
   the package as server/web/templates/ and server/web/pwa/.
2. A new venv (in the temporary folder), `pip install` the wheel into it.
3. For each database, from an empty working folder, with ONEVISIT_ENV=production and nothing of
   the checkout in reach: `onevisit db upgrade`, `onevisit demo` (a few merchants, so there is a
   public page to open), `onevisit serve`; then over HTTP: the readiness and health checks, the
   console's sign-in page and its libraries, the phone app, its service worker and every file
   the worker precaches, a merchant's public page, the OpenAPI document.
   SQLite stores in a local folder; PostgreSQL (a schema of its own in TEST_DATABASE_URL) stores
   in a SeaweedFS S3 server started here, in a bucket the app has to create.

Every check is run and reported (with the status code seen); the exit status is 1 if any failed.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.support.s3server import free_port, seaweedfs

REPO = Path(__file__).resolve().parents[2]
# What the Dockerfile's build stage copies (git-ignored files excluded, as by .dockerignore).
SOURCES = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "package.json",
    "package-lock.json",
    "server",
    "templates",
    "pwa",
)
# The files the app reads at run time besides its code: all of them must be in the wheel, where
# they sit inside the package.
RUNTIME = ("templates", "pwa")
PACKAGED = "server/web"
VENDOR = "pwa/vendor"
DEMO_MERCHANTS = "30"
START_TIMEOUT = 90.0


def _step(title: str) -> float:
    print(f"== {title}", flush=True)
    return time.monotonic()


def _done(started: float) -> None:
    print(f"   ({time.monotonic() - started:.1f} s)", flush=True)


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"`{' '.join(command)}` exited with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


@dataclass
class Report:
    """Every check, passed or not, with what was seen."""

    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str, seen: str = "") -> bool:
        print(f"   {'ok  ' if ok else 'FAIL'}  {what}{f' → {seen}' if seen else ''}", flush=True)
        if not ok:
            self.failures.append(f"{what} → {seen}")
        return ok


def copy_sources(target: Path) -> None:
    listed = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *SOURCES],
        cwd=REPO,
    )
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def build_wheel(src: Path, report: Report) -> Path:
    """README "Running it for real", step 1 (the Dockerfile's build stage); `python3` is the
    interpreter running this script."""
    _run(["npm", "ci", "--no-audit", "--no-fund"], cwd=src)
    _run([sys.executable, "-m", "server.vendor", "node_modules", VENDOR], cwd=src)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", "dist", "."], cwd=src)
    (wheel,) = (src / "dist").glob("onevisit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    runtime = sorted(
        f"{PACKAGED}/{path.relative_to(src).as_posix()}"
        for folder in RUNTIME
        for path in (src / folder).rglob("*")
        if path.is_file()
    )
    missing = [name for name in runtime if name not in packed]
    vendored = [name for name in packed if name.startswith(f"{PACKAGED}/{VENDOR}/")]
    report.check(
        bool(runtime) and not missing,
        f"the wheel holds every file of {', '.join(RUNTIME)} in {PACKAGED}/ ({len(runtime)})",
        f"missing {len(missing)}: {', '.join(missing[:5])}" if missing else "",
    )
    report.check(bool(vendored), f"the wheel holds the front-end libraries ({len(vendored)})")
    return wheel


def install(src: Path, wheel: Path, venv: Path) -> None:
    """Step 2 (the Dockerfile's final stage), with the venv in the temporary folder."""
    _run([sys.executable, "-m", "venv", str(venv)], cwd=src)
    _run([str(venv / "bin" / "pip"), "install", str(wheel.relative_to(src))], cwd=src)


class App:
    """Step 3: `onevisit …` of the installed package, from an empty folder, in production mode."""

    def __init__(self, venv: Path, workdir: Path, database_url: str, storage_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log = workdir / "serve.log"
        workdir.mkdir(parents=True)
        # Only what an operator sets: no PYTHONPATH, no checkout on the path.
        self.env = {
            "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", str(workdir)),
            "LANG": "C.UTF-8",
            "ONEVISIT_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "STORAGE_URL": storage_url,
            "PUBLIC_BASE_URL": self.url,
        }
        self.onevisit = str(venv / "bin" / "onevisit")

    def command(self, *args: str) -> str:
        return _run([self.onevisit, *args], cwd=self.workdir, env=self.env)

    @contextmanager
    def serving(self) -> Iterator[None]:
        # The image's command, on a free local port.
        port = str(self.port)
        command = [self.onevisit, "serve", "--host", "127.0.0.1", "--port", port, "--workers", "2"]
        with self.log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait(process)
            yield
        finally:
            _stop(process)

    def _wait(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                httpx.get(f"{self.url}/healthz", timeout=2)  # any answer: it is up
                return
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"`onevisit serve` did not start:\n{self.tail()}") from None
                time.sleep(0.2)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log.exists() else ""


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group; SIGKILL after a grace."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def check_app(app: App, report: Report) -> None:
    """What a district's users reach, over HTTP, on the installed package."""
    with httpx.Client(base_url=app.url, timeout=30) as http:

        def get(path: str, expect: int = 200) -> httpx.Response:
            response = http.get(path)
            report.check(response.status_code == expect, f"GET {path}", str(response.status_code))
            return response

        ready = get("/readyz")
        report.check(
            _json(ready).get("status") == "ok", "readiness: every check ok", ready.text[:300]
        )
        health = get("/healthz")
        nightly = _json(health).get("nightly", {})
        report.check(
            nightly.get("late") is False,
            "a fresh install (no nightly run yet) is not late",
            str(nightly),
        )

        login = get("/console/login")
        report.check(
            "text/html" in login.headers.get("content-type", "")
            and 'name="password"' in login.text
            and 'action="/console/login"' in login.text,
            "the sign-in page is the sign-in form",
        )
        for library in sorted(set(re.findall(r'"(/static/vendor/[\w.-]+)"', login.text))):
            get(library)

        shell = get("/app/")
        report.check('rel="manifest"' in shell.text, "/app/ is the phone app's shell")
        worker = get("/app/sw.js")
        report.check(
            "javascript" in worker.headers.get("content-type", ""),
            "the service worker is JavaScript",
            worker.headers.get("content-type", ""),
        )
        precached = re.findall(r'"url":"([^"]+)"', worker.text)
        report.check(bool(precached), "the worker carries its precache list", f"{len(precached)}")
        failed = [url for url in precached if http.get(url).status_code != 200]
        report.check(
            not failed, f"every precached file answers 200 ({len(precached)})", ", ".join(failed)
        )

        openapi = get("/schema/openapi.json")
        paths = _json(openapi).get("paths", {})
        report.check(
            "/api/v1/auth/login" in paths and "/readyz" in paths,
            "the OpenAPI document lists the API and the readiness check",
        )

        _check_public_page(http, app.url, report)


def _check_public_page(http: httpx.Client, base_url: str, report: Report) -> None:
    """A demo merchant's QR link (given anew through the API, as a supervisor would), opened by a
    passer-by."""
    login = http.post("/api/v1/auth/login", json={"username": "admin", "password": "demo"})
    if not report.check(
        login.status_code == 200, "sign in as the demo admin", str(login.status_code)
    ):
        return
    csrf = login.json()["csrf_token"]
    found = http.get("/api/v1/merchants", params={"page_size": 1})
    items = _json(found).get("items") or [{}]
    merchant = items[0]
    if not report.check("id" in merchant, "list merchants", str(found.status_code)):
        return
    rotated = http.post(
        f"/api/v1/merchants/{merchant['id']}/code/rotate",
        json={"reason": "artefact test"},
        headers={"x-csrf-token": csrf},
    )
    url = _json(rotated).get("url", "")
    if not report.check(url.startswith(f"{base_url}/m/"), "a QR link", url):
        return
    with httpx.Client(timeout=30) as passer_by:
        page = passer_by.get(url)
    report.check(page.status_code == 200, f"GET /m/… ({merchant['name']})", str(page.status_code))
    report.check(merchant["name"] in page.text, "the public page names the merchant")


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def run_database(
    name: str, venv: Path, workdir: Path, database_url: str, storage_url: str, report: Report
) -> None:
    app = App(venv, workdir, database_url, storage_url)
    started = _step(f"{name}: onevisit db upgrade && onevisit demo")
    app.command("db", "upgrade")
    app.command("demo", "--merchants", DEMO_MERCHANTS)
    _done(started)
    started = _step(f"{name}: onevisit serve, then the checks")
    failures = len(report.failures)
    with app.serving():
        check_app(app, report)
    if len(report.failures) > failures:
        print(f"-- the server's log (last lines):\n{app.tail()}")
    _done(started)


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"ov_artefact_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    postgres = os.environ.get("TEST_DATABASE_URL")
    report = Report()
    root = Path(tempfile.mkdtemp(prefix="onevisit-artefact-"))
    began = time.monotonic()
    try:
        started = _step(f"build the wheel in {root / 'src'}")
        (root / "src").mkdir()
        copy_sources(root / "src")
        wheel = build_wheel(root / "src", report)
        _done(started)

        started = _step(f"install {wheel.name} into a new venv")
        install(root / "src", wheel, root / "venv")
        _done(started)

        media = root / "sqlite" / "media"
        run_database(
            "SQLite",
            root / "venv",
            root / "sqlite",
            f"sqlite:///{root / 'sqlite-onevisit.db'}",
            f"file://{media}",
            report,
        )
        if postgres:
            with postgres_schema(postgres) as database_url, seaweedfs() as s3:
                run_database(
                    "PostgreSQL + S3",
                    root / "venv",
                    root / "postgres",
                    database_url,
                    s3.url(f"onevisit-artefact-{uuid.uuid4().hex[:8]}"),
                    report,
                )
        else:
            print("== PostgreSQL + S3: skipped (set TEST_DATABASE_URL to run it)")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    took = time.monotonic() - began
    if report.failures:
        print(f"\nartefact test FAILED ({len(report.failures)} checks, {took:.0f} s):")
        for failure in report.failures:
            print(f"  {failure}")
        return 1
    print(f"\nartefact test passed ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
