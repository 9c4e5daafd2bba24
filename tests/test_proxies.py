"""TRUSTED_PROXIES: which proxies' X-Forwarded-For names the client, for uvicorn and the app."""

import os
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.cli import cli
from server.core.net import TrustedProxies, throttle_key
from server.core.settings import load_settings
from tests.support.factories import make_user
from tests.support.s3server import free_port


def test_the_setting_takes_addresses_and_networks_and_names_a_bad_entry(tmp_path) -> None:
    base = {"SECRET_KEY": "x" * 40, "ONEVISIT_VAR_DIR": str(tmp_path)}
    assert load_settings(base).trusted_proxies == ("127.0.0.1",)  # uvicorn's own default
    listed = load_settings({**base, "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,fd00::/8"})
    assert listed.trusted_proxies == ("10.0.0.0/8", "192.0.2.7", "fd00::/8")
    assert load_settings({**base, "TRUSTED_PROXIES": ""}).trusted_proxies == ()
    with pytest.raises(ValueError, match=r"'lb\.internal' is not an IP address or network"):
        load_settings({**base, "TRUSTED_PROXIES": "10.0.0.1,lb.internal"})


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.2", "100.64.0.9", "100.64.0.9"),  # the balancer says whom it forwards for
        ("10.0.0.2", "6.6.6.6, 100.64.0.9", "100.64.0.9"),  # what the phone wrote is not believed
        ("10.0.0.2", "100.64.0.9, 10.0.0.3", "100.64.0.9"),  # two proxies of ours
        ("10.0.0.2", "100.64.0.9:5123", "100.64.0.9"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
        ("203.0.113.5", "100.64.0.9", "203.0.113.5"),  # not our proxy: its header is ignored
    ],
)
def test_the_client_is_the_first_address_not_of_a_trusted_proxy(peer, forwarded, client) -> None:
    assert TrustedProxies(["10.0.0.0/8"]).client(peer, forwarded) == client


def test_throttles_count_an_ipv6_subscriber_by_its_64() -> None:
    assert throttle_key("2001:db8:1:2:aaaa::1") == throttle_key("2001:db8:1:2::ffff")
    assert throttle_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert throttle_key("::ffff:198.51.100.4") == "198.51.100.4"
    assert throttle_key("198.51.100.4") == "198.51.100.4"


def test_serve_gives_uvicorn_the_same_list(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    runner = CliRunner()
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.7")
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "")
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert [(c["proxy_headers"], c["forwarded_allow_ips"]) for c in calls] == [
        (True, "10.0.0.0/8,192.0.2.7"),
        (False, None),
    ]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.300")
    refused = runner.invoke(cli, ["serve"])
    assert refused.exit_code == 2 and "'10.0.0.300' is not an IP address" in refused.output


def test_a_served_app_behind_a_trusted_proxy_sees_the_phones_address(
    database_url, settings, sync_engine, tmp_path
) -> None:
    """`onevisit serve` end to end, with the load balancer on 127.0.0.2 (not uvicorn's default)."""
    user = make_user(sync_engine, "zhou")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_URL": settings.storage_url,
        "SECRET_KEY": "proxy-test-secret-key-proxy-test-secret",
        "ONEVISIT_VAR_DIR": str(tmp_path),
        "TRUSTED_PROXIES": "127.0.0.2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    balancer = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        transport=httpx.HTTPTransport(local_address="127.0.0.2"),
        timeout=30,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                balancer.get("/healthz")
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        answer = balancer.post(
            "/api/v1/auth/login",
            json={"username": "zhou", "password": "pw-correct-horse"},
            headers={"X-Forwarded-For": "198.51.100.23"},
        )
        assert answer.status_code == 200, answer.text
    finally:
        balancer.close()
        server.terminate()
        server.wait(timeout=10)
    with Session(sync_engine) as session:
        login = session.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id)).one()
    assert login.ip == "198.51.100.23"
