"""Operations: health checks and the published API description."""

import shutil
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from litestar.testing import TestClient

from server.app import create_app
from server.core.db import make_sync_engine
from server.health import nightly_status
from server.migrate import upgrade
from server.web import PWA, TEMPLATES, missing_files
from tests.support.s3server import free_port

READY = {"status", "database", "migrations", "storage", "files"}


def test_healthz_reports_database_and_object_store(client):
    deadline = time.monotonic() + 10
    # PostgreSQL: "degraded" (and 200) until the change feed has connected and loaded
    while (response := client.get("/healthz")).json()["status"] == "degraded":
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.05)
    assert response.status_code == 200
    body = response.json()
    assert body["change_feed"]["state"] in ("listening", "off")
    assert {k: body[k] for k in ("status", "database", "storage")} == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
    }


def test_healthz_is_503_when_the_object_store_is_down(settings):
    dead = replace(settings, storage_url=f"s3://k:s@127.0.0.1:{free_port()}/nothing")
    with TestClient(create_app(dead)) as client:
        response = client.get("/healthz")
        ready = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["storage"].startswith("error")
    assert ready.status_code == 503
    assert ready.json()["storage"].startswith("error")
    assert ready.json()["migrations"] == ready.json()["files"] == "ok"


def test_healthz_is_503_when_the_database_is_gone(settings):
    missing = replace(settings, database_url="postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(missing)) as client:
        response = client.get("/healthz")
        ready = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert ready.status_code == 503
    assert ready.json()["database"].startswith("error")
    assert ready.json()["migrations"].startswith("unknown")


def test_readyz_is_ok_when_the_installation_can_serve(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in READY} == dict.fromkeys(READY, "ok")
    assert set(body) == {*READY, "change_feed"}  # shown, but not a condition of readiness


def test_readyz_is_503_until_the_database_is_migrated_to_the_newest_schema(
    settings, empty_database_url
):
    engine = make_sync_engine(empty_database_url)
    engine.connect().close()  # SQLite: the file exists, empty
    engine.dispose()
    with TestClient(create_app(replace(settings, database_url=empty_database_url))) as client:
        empty = client.get("/readyz")
        upgrade(empty_database_url, "+1")
        behind = client.get("/readyz")
        upgrade(empty_database_url)
        current = client.get("/readyz")
    assert empty.status_code == 503
    assert empty.json()["migrations"] == "not migrated: run `onevisit db upgrade`"
    assert empty.json()["database"] == empty.json()["storage"] == "ok"
    assert behind.status_code == 503
    assert behind.json()["migrations"].startswith("at ")
    assert "newest is" in behind.json()["migrations"]
    assert current.status_code == 200


def test_readyz_is_503_naming_the_phone_app_files_that_are_missing(settings, tmp_path: Path):
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    (copy / "sw.js").unlink()
    (copy / "vendor" / "htmx.min.js").unlink()
    with TestClient(create_app(replace(settings, pwa_dir=copy))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["files"].startswith("missing: ")
    assert str(copy / "sw.js") in body["files"]
    assert str(copy / "vendor" / "htmx.min.js") in body["files"]
    assert body["database"] == body["migrations"] == body["storage"] == "ok"


def test_the_installation_holds_its_pages_phone_app_and_libraries(tmp_path: Path):
    assert missing_files() == []
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    (copy / "console" / "login.html").unlink()
    assert missing_files(copy, PWA) == [str(copy / "console" / "login.html")]


def test_openapi_document_lists_the_json_api(client):
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/merchants", "/healthz", "/readyz"):
        assert path in paths
    assert not any(p.startswith("/console") for p in paths)


def test_a_night_is_late_only_once_one_was_due_and_not_finished():
    today = date(2026, 3, 10)
    assert nightly_status(None, None, today) == {"last_day": None, "late": False}
    assert nightly_status(None, date(2026, 3, 9), today)["late"] is False
    assert nightly_status(None, date(2026, 3, 8), today)["late"] is True  # failing since
    assert nightly_status(date(2026, 3, 9), date(2026, 1, 1), today) == {
        "last_day": "2026-03-09",
        "late": False,
    }
    assert nightly_status(date(2026, 3, 8), date(2026, 1, 1), today)["late"] is True
