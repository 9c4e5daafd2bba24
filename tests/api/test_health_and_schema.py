"""Operations: health checks and the published API description."""

from dataclasses import replace
from datetime import date

from litestar.testing import TestClient

from server.app import create_app
from server.health import nightly_status
from tests.support.s3server import free_port


def test_healthz_reports_database_and_object_store(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "database", "storage")} == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
    }


def test_healthz_is_503_when_the_object_store_is_down(settings):
    dead = replace(settings, storage_url=f"s3://k:s@127.0.0.1:{free_port()}/nothing")
    with TestClient(create_app(dead)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["storage"].startswith("error")


def test_healthz_is_503_when_the_database_is_gone(settings):
    missing = replace(settings, database_url="postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(missing)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_openapi_document_lists_the_json_api(client):
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/merchants", "/healthz"):
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
