"""The app under test, wired to the test database and the real S3 server."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.core.settings import Settings
from tests.support.s3server import local_storage_only

__all__ = ["client", "console_login", "login_as", "settings", "with_settings"]


@pytest.fixture(scope="session")
def s3_bucket_url(request: pytest.FixtureRequest, tmp_path_factory) -> str:
    """One bucket for the app tests; storage contract tests make their own. With
    TEST_STORAGE=local the app stores in a folder instead (the runs under a faked system clock:
    an S3 server refuses requests signed hours away from its own time)."""
    if local_storage_only():
        return f"file://{tmp_path_factory.mktemp('media')}"
    s3_server = request.getfixturevalue("s3_server")
    return s3_server.url(f"onevisit-app-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def settings(database_url: str, s3_bucket_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        storage_url=s3_bucket_url,
        secret_key="test-secret-key",
        public_base_url="http://testserver.local",
        var_dir=tmp_path / "var",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def login_as(client: TestClient, username: str, password: str = "pw-correct-horse") -> str:
    """Sign in; returns the CSRF token to send with writes."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def console_login(client: TestClient, username: str, password: str = "pw-correct-horse"):
    """Sign in through the console's form as a browser does: open it, send it back with its
    token. Returns the form's answer (a redirect to the console when it worked)."""
    form = client.get("/console/login")
    assert form.status_code == 200, form.text
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )


def with_settings(settings: Settings, **changes: object) -> Settings:
    """The same settings with some values changed."""
    return replace(settings, **changes)
