"""Operations: health checks and the published API description."""

from dataclasses import replace

from litestar.testing import TestClient

from server.app import create_app
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
