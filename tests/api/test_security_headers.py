"""Every answer tells the browser to run only the app's own scripts, never to frame or sniff it,
and not to hand the page's address to other sites."""

import re
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.core.security import tile_source
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

CONSOLE_PAGES = [
    "/console/",
    "/console/plan?date=2030-03-04&street=hubin",
    "/console/merchants",
    "/console/complaints",
    "/console/codes/",
    "/console/evidence/",
    "/console/evidence/dock",
]


def directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.partition(" ")[2] for d in policy.split("; ")}


def nonce_of(response) -> str:
    found = re.search(r"'nonce-([^']+)'", directives(response)["script-src"])
    assert found, response.headers["content-security-policy"]
    return found.group(1)


def assert_framing_and_sniffing_refused(response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")


@pytest.fixture
def supervisor(client: TestClient, sync_engine) -> TestClient:
    make_user(sync_engine, "sup_headers", role="supervisor", street=None)
    client.headers["X-CSRF-Token"] = login_as(client, "sup_headers")
    return client


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_console_pages_run_only_scripts_that_carry_this_responses_nonce(supervisor, path):
    page = supervisor.get(path)
    assert page.status_code == 200, page.text
    script = directives(page)["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert directives(page)["object-src"] == "'none'"
    assert directives(page)["base-uri"] == "'none'"
    assert_framing_and_sniffing_refused(page)
    nonce = nonce_of(page)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text)
    for attributes in inline:
        # Data blocks are not run; every script that runs carries this response's nonce.
        assert 'type="application/json"' in attributes or f'nonce="{nonce}"' in attributes
    assert not re.search(r"\son[a-z]+=", page.text), "an inline event handler would be blocked"
    assert "hx-on" not in page.text
    assert nonce_of(supervisor.get(path)) != nonce  # a fresh nonce every time


def test_the_login_page_api_phone_app_and_public_pages_carry_the_headers(client, sync_engine):
    (merchant,) = make_merchants(sync_engine, 1)
    for path in (
        "/console/login",
        "/healthz",
        "/api/v1/auth/me",
        "/app/",
        "/app/sw.js",
        f"/m/{merchant.qr_token}",
        "/m/no-such-code",
        "/schema/openapi.json",
    ):
        response = client.get(path)
        assert response.status_code in (200, 401, 404), (path, response.status_code)
        assert_framing_and_sniffing_refused(response)
        assert "'unsafe-inline'" not in directives(response)["script-src"], path
    # The public page keeps its stricter referrer rule: a scan never tells a site where from.
    assert client.get(f"/m/{merchant.qr_token}").headers["referrer-policy"] == "no-referrer"


def test_only_the_phone_app_may_compile_webassembly(client):
    # hash-wasm hashes long clips on the phone; nothing else needs WebAssembly.
    assert "'wasm-unsafe-eval'" in directives(client.get("/app/"))["script-src"]
    assert "'wasm-unsafe-eval'" not in directives(client.get("/console/login"))["script-src"]


def test_the_districts_tile_server_may_serve_map_images(settings):
    tiles = replace(
        settings,
        planning=replace(
            settings.planning, map_tile_url="https://{s}.tiles.example:8443/{z}/{x}/{y}.png"
        ),
    )
    with TestClient(create_app(tiles)) as client:
        images = directives(client.get("/console/login"))["img-src"].split()
    assert "https://*.tiles.example:8443" in images
    assert "'self'" in images and "data:" in images  # signatures are drawn from data: URLs
    with TestClient(create_app(settings)) as client:  # no tile server: no other image origin
        images = directives(client.get("/console/login"))["img-src"].split()
    assert images == ["'self'", "data:", "blob:"]


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tiles.example/{z}/{x}/{y}.png", "https://tiles.example"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://10.0.0.5:8080/wmts/{z}/{y}/{x}", "http://10.0.0.5:8080"),
        ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=K", "https://*.tianditu.gov.cn"),
        ("https://maps.{s}.example/{z}/{x}/{y}", "https:"),
        ("", None),
        ("tiles/{z}/{x}/{y}.png", None),
    ],
)
def test_the_tile_servers_origin_is_what_the_policy_names(url, source):
    assert tile_source(url) == source


def test_https_deployments_ask_browsers_to_stay_on_https(settings):
    secure = replace(settings, public_base_url="https://onevisit.example", secure_cookies=True)
    with TestClient(create_app(secure)) as client:
        assert (
            client.get("/console/login").headers["strict-transport-security"].startswith("max-age=")
        )
    with TestClient(create_app(settings)) as client:
        assert "strict-transport-security" not in client.get("/console/login").headers


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger", "/schema/redoc"])
def test_the_api_documentation_pages_scripts_carry_the_nonce(client, path):
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    nonce = nonce_of(page)
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert "'unsafe-inline'" not in directives(page)["script-src"]
    assert client.get("/schema/openapi.json").json()["info"]["title"] == "OneVisit API"
