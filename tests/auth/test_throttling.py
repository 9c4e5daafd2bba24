"""Sign-in throttling as people meet it: a stranger's guesses slow the stranger, not the
account's owner; each further failure waits longer; an address is slowed on its own; behind the
district's load balancer every phone counts as itself, and nobody outside it can pose as one."""

import re
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from server.app import create_app
from server.audit.models import AuditEvent
from tests.support.app import with_settings
from tests.support.factories import make_user
from tests.support.peers import peer, peers

__all__ = ["peers"]  # the fixture, used by name

RIGHT = "pw-correct-horse"
FROZEN = "2026-11-26T10:00+08:00"


def sign_in(client: TestClient, username: str, password: str, headers: dict[str, str]):
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


def console_sign_in(client: TestClient, username: str, password: str, headers: dict[str, str]):
    """The console's form, opened and sent back as a browser does, from the peer `headers` name."""
    form = client.get("/console/login", headers=headers)
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
        headers=headers,
        follow_redirects=False,
    )


def said(response) -> str:
    """What the person signing in reads: the JSON's detail, or the page's alert."""
    if response.headers["content-type"].startswith("application/json"):
        return response.json()["detail"]
    alert = re.search(r'<p class="error" role="alert">([^<]*)</p>', response.text)
    assert alert, response.text
    return alert.group(1)


@pytest.mark.clock(FROZEN, frozen=True)
@pytest.mark.usefixtures("peers")
@pytest.mark.parametrize("form", [sign_in, console_sign_in], ids=["api", "console"])
def test_a_throttled_sign_in_is_429_and_says_when_to_try_again(client, sync_engine, form) -> None:
    make_user(sync_engine, "zhao", role="supervisor")
    here = peer("198.51.100.31")
    for n in range(5):
        wrong = form(client, "zhao", f"typo{n}", here)
        assert wrong.status_code == 401
        assert said(wrong) == "用户名或密码错误"
    refused = form(client, "zhao", RIGHT, here)
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert wait == 1
    assert said(refused) == f"该账号从此处连续输错密码，为防止猜测密码，请 {wait} 秒后再试"


@pytest.mark.clock(FROZEN, frozen=True)
@pytest.mark.usefixtures("peers")
def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(client, sync_engine) -> None:
    make_user(sync_engine, "admin1", role="admin", street=None)
    stranger, owner = peer("203.0.113.9"), peer("198.51.100.20")
    answers = [sign_in(client, "admin1", f"guess{n}", stranger).status_code for n in range(7)]
    assert answers == [401] * 5 + [429] * 2
    assert sign_in(client, "admin1", RIGHT, stranger).status_code == 429  # the guesser waits
    # The administrator, from the office, signs in as on any other day.
    assert sign_in(client, "admin1", RIGHT, owner).status_code == 200


@pytest.mark.clock(FROZEN, frozen=True)
@pytest.mark.usefixtures("peers")
def test_each_further_failure_doubles_the_wait_up_to_a_cap(settings, sync_engine, clock) -> None:
    make_user(sync_engine, "wang")
    here = peer("198.51.100.7")
    with TestClient(create_app(with_settings(settings, login_delay_cap_seconds=8))) as client:
        for _ in range(5):
            assert sign_in(client, "wang", "typo", here).status_code == 401
        waits = []
        for _ in range(5):
            refused = sign_in(client, "wang", RIGHT, here)
            assert refused.status_code == 429
            wait = int(refused.headers["retry-after"])
            assert f"请 {wait} 秒后再试" in refused.json()["detail"]
            waits.append(wait)
            clock.advance(timedelta(seconds=wait))
            assert sign_in(client, "wang", "typo again", here).status_code == 401
        assert waits == [1, 2, 4, 8, 8]
        clock.advance(timedelta(seconds=8))
        assert sign_in(client, "wang", RIGHT, here).status_code == 200


@pytest.mark.clock(FROZEN, frozen=True)
@pytest.mark.usefixtures("peers")
def test_an_address_failing_on_many_accounts_is_slowed_for_all(settings, sync_engine) -> None:
    make_user(sync_engine, "zhou")
    sprayer, colleague = peer("203.0.113.50"), peer("198.51.100.8")
    # An address may fail four times as often as an account before it waits: here 4.
    with TestClient(create_app(with_settings(settings, login_max_failures=1))) as client:
        for n in range(4):
            assert sign_in(client, f"guess{n}", "123456", sprayer).status_code == 401
        refused = sign_in(client, "zhou", RIGHT, sprayer)
        assert refused.status_code == 429
        assert "此网络地址" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) == 1
        assert sign_in(client, "zhou", RIGHT, colleague).status_code == 200


@pytest.mark.clock(FROZEN, frozen=True)
@pytest.mark.usefixtures("peers")
def test_an_ipv6_subscriber_cannot_step_to_a_fresh_address_per_guess(settings, sync_engine) -> None:
    make_user(sync_engine, "qian")
    with TestClient(create_app(with_settings(settings, login_max_failures=1))) as client:
        for n in range(4):  # four addresses, one /64: one phone
            guess = sign_in(client, f"guess{n}", "x", peer(f"2001:db8:5:7::{n + 1}"))
            assert guess.status_code == 401
        refused = sign_in(client, "qian", RIGHT, peer("2001:db8:5:7::99"))
        assert refused.status_code == 429
        assert sign_in(client, "qian", RIGHT, peer("2001:db8:5:8::1")).status_code == 200


@pytest.mark.clock(FROZEN, frozen=True)
@pytest.mark.usefixtures("peers")
def test_behind_the_trusted_balancer_each_phone_counts_as_itself(settings, sync_engine) -> None:
    sun = make_user(sync_engine, "sun")
    district = with_settings(settings, login_max_failures=1, trusted_proxies=("10.0.0.0/8",))
    balancer = "10.0.0.2"
    with TestClient(create_app(district)) as client:
        # A morning's typos by many officers, every one through the district's balancer.
        for n in range(6):
            phone = peer(balancer, forwarded_for=f"100.64.0.{n + 1}")
            assert sign_in(client, f"officer{n}", "typo", phone).status_code == 401
        phone = peer(balancer, forwarded_for="100.64.1.1")
        assert sign_in(client, "sun", RIGHT, phone).status_code == 200
        # Someone outside cannot pick an address by writing the header himself.
        for n in range(4):
            spoofed = peer("203.0.113.66", forwarded_for=f"100.64.9.{n + 1}")
            assert sign_in(client, f"guess{n}", "x", spoofed).status_code == 401
        spoofed = peer("203.0.113.66", forwarded_for="100.64.9.200")
        assert sign_in(client, "sun", RIGHT, spoofed).status_code == 429
    with Session(sync_engine) as session:
        chosen = select(AuditEvent).where(
            AuditEvent.action == "auth.login", AuditEvent.actor_id == sun.id
        )
        logins = session.exec(chosen).all()
    assert [event.ip for event in logins] == ["100.64.1.1"]  # the phone, not the balancer
