"""The published API description tells a client every status an operation answers, a day in a
path as a date, and the tus headers; what the app really sends is among what it lists."""

import pytest

from tests.evidence import tus
from tests.support.app import login_as
from tests.support.factories import make_user

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


@pytest.fixture
def schema(client) -> dict:
    return client.get("/schema/openapi.json").json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def documented(schema: dict, method: str, path: str) -> set[int]:
    return {int(code) for code in schema["paths"][path][method.lower()]["responses"]}


def test_every_error_status_is_described_with_the_error_body(schema):
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                media = response["content"]["application/json"]["schema"]
                assert media == {"$ref": "#/components/schemas/Error"}, (method, path, code)
                assert response["description"], (method, path, code)
    assert schema["components"]["schemas"]["Error"]["required"] == ["status_code", "detail"]


def test_signed_in_operations_list_401_and_403_and_paths_with_ids_404(schema):
    public = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/api/v1/auth/login")}
    public |= {("GET", "/api/v1/draws/{day}"), ("OPTIONS", "/api/v1/uploads")}
    for method, path, operation in operations(schema):
        codes = {int(code) for code in operation["responses"]}
        if (method, path) not in public:
            assert 401 in codes, (method, path, codes)
        if (method, path) not in public | {("GET", "/api/v1/me/day")}:  # any session may ask
            assert 403 in codes, (method, path, codes)
        if "{" in path:
            assert 404 in codes, (method, path, codes)


def test_a_day_in_a_path_is_a_date(schema):
    days = [
        parameter
        for _, path, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == "day"
    ]
    assert len(days) >= 8
    assert all(p["schema"] == {"type": "string", "format": "date"} for p in days)


def test_the_tus_exchange_is_described(schema):
    uploads, one = (
        schema["paths"]["/api/v1/uploads"],
        schema["paths"]["/api/v1/uploads/{upload_id}"],
    )

    def headers(operation: dict) -> dict[str, bool]:
        return {p["name"]: p["required"] for p in operation["parameters"] if p["in"] == "header"}

    assert headers(uploads["post"]) == {
        "Tus-Resumable": True,
        "Upload-Length": True,
        "Upload-Metadata": True,
    }
    assert headers(one["patch"]) == {
        "Tus-Resumable": True,
        "Upload-Offset": True,
        "Upload-Checksum": False,
    }
    assert set(one["patch"]["requestBody"]["content"]) == {"application/offset+octet-stream"}
    assert {412, 409, 460, 413, 415} <= {int(c) for c in one["patch"]["responses"]}
    assert set(uploads["options"]["responses"]) == {"204"}
    assert {"Tus-Version", "Tus-Extension", "Tus-Max-Size"} <= set(
        uploads["options"]["responses"]["204"]["headers"]
    )
    assert "Upload-Offset" in one["head"]["responses"]["200"]["headers"]
    assert "Location" in uploads["post"]["responses"]["201"]["headers"]


def test_what_the_app_answers_is_among_what_its_description_lists(client, schema, sync_engine):
    make_user(sync_engine, "walker")
    asked = [  # (method, documented path, request path, headers): status seen
        ("GET", "/api/v1/merchants", "/api/v1/merchants", {}),  # no session: 401
        ("GET", "/api/v1/auth/me", "/api/v1/auth/me", {}),
        ("GET", "/api/v1/me/day", "/api/v1/me/day?date=2026-11-26", {}),
        ("OPTIONS", "/api/v1/uploads", "/api/v1/uploads/", {}),
    ]
    seen = [(m, p, client.request(m, url, headers=h).status_code) for m, p, url, h in asked]
    csrf = login_as(client, "walker")
    signed_in = [
        ("GET", "/api/v1/audit", "/api/v1/audit", {}),  # an inspector: 403
        ("GET", "/api/v1/plans/{day}", "/api/v1/plans/2026-13-45", {}),
        ("GET", "/api/v1/me/day", "/api/v1/me/day?date=someday", {}),
        ("GET", "/api/v1/draws/{day}", "/api/v1/draws/yesterday", {}),
        ("GET", "/api/v1/evidence/{evidence_id}", "/api/v1/evidence/not-an-id", {}),
        ("POST", "/api/v1/uploads", "/api/v1/uploads/", {"X-CSRF-Token": csrf}),  # no Tus: 412
        ("POST", "/api/v1/inspections", "/api/v1/inspections", {}),  # no X-CSRF-Token: 403
    ]
    seen += [(m, p, client.request(m, url, headers=h).status_code) for m, p, url, h in signed_in]
    created = tus.create(client, csrf, b"\xff\xd8\xff" + b"0" * 100)
    assert created.status_code == 201, created.text
    upload = tus.path_of(created)
    wrong = client.patch(
        upload,
        content=b"xyz",
        headers=tus.headers(csrf, **{"Upload-Offset": "5", "Content-Type": tus.OCTET}),
    )
    seen.append(("PATCH", "/api/v1/uploads/{upload_id}", wrong.status_code))  # offset: 409
    assert [(m, p, code) for m, p, code in seen if code not in documented(schema, m, p)] == []
    assert {code for *_, code in seen} >= {401, 403, 404, 409, 412, 422}


def test_every_operation_that_takes_a_body_lists_408(schema):
    """A body that stops coming, or comes too slowly, ends its request with 408."""
    for method, path, operation in operations(schema):
        if operation.get("requestBody") and method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            assert 408 in documented(schema, method, path), (method, path)
    assert 408 in documented(schema, "POST", "/api/v1/inspections")
    assert 408 in documented(schema, "PATCH", "/api/v1/uploads/{upload_id}")
