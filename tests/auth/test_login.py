"""Signing in and out as a user would experience it."""

from litestar.testing import TestClient

from tests.support.app import console_login, login_as
from tests.support.factories import make_user


def test_login_sets_a_protected_session_cookie_and_me_knows_the_user(client, sync_engine):
    make_user(sync_engine, "zhang", role="supervisor")
    response = client.post(
        "/api/v1/auth/login", json={"username": "zhang", "password": "pw-correct-horse"}
    )
    assert response.status_code == 200
    cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("ov_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie or "samesite=lax" in session_cookie.lower()
    assert response.json()["user"]["role"] == "supervisor"
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "zhang"


def test_wrong_password_and_unknown_user_get_the_same_401(client, sync_engine):
    make_user(sync_engine, "li")
    wrong = client.post("/api/v1/auth/login", json={"username": "li", "password": "nope"})
    unknown = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "ov_session" not in wrong.headers.get("set-cookie", "")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_inactive_user_cannot_sign_in(client, sync_engine):
    make_user(sync_engine, "gone", active=False)
    response = client.post(
        "/api/v1/auth/login", json={"username": "gone", "password": "pw-correct-horse"}
    )
    assert response.status_code == 401


def test_repeated_failures_are_throttled_with_retry_after(client, sync_engine):
    make_user(sync_engine, "wang")
    make_user(sync_engine, "zhao")
    for _ in range(5):
        bad = client.post("/api/v1/auth/login", json={"username": "wang", "password": "x"})
        assert bad.status_code == 401
    blocked = client.post(
        "/api/v1/auth/login", json={"username": "wang", "password": "pw-correct-horse"}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "秒后再试" in blocked.json()["detail"]  # a short wait, not a lock-out
    # Another officer on the same network is not locked out by wang's mistakes.
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "zhao", "password": "pw-correct-horse"}
        ).status_code
        == 200
    )


def test_logout_needs_the_csrf_token_and_ends_the_session_everywhere(client, sync_engine):
    make_user(sync_engine, "chen")
    csrf = login_as(client, "chen")
    stolen_cookie = client.cookies.get("ov_session")
    refused = client.post("/api/v1/auth/logout")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    other_device = TestClient(client.app, cookies={"ov_session": stolen_cookie})
    with other_device:
        assert other_device.get("/api/v1/auth/me").status_code == 401


def test_bad_login_bodies_get_a_reason_not_a_500(client):
    missing = client.post("/api/v1/auth/login", json={"username": "a"})
    assert missing.status_code == 400
    assert "password" in missing.json()["detail"]
    broken = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["detail"]
    empty = client.post("/api/v1/auth/login", json={"username": "", "password": ""})
    assert empty.status_code == 400


def test_passwords_are_stored_as_argon2_hashes(sync_engine):
    user = make_user(sync_engine, "hash")
    assert user.password_hash.startswith("$argon2id$")
    assert "pw-correct-horse" not in user.password_hash


def test_the_console_form_signs_in_only_when_sent_back_with_its_token(client, sync_engine):
    make_user(sync_engine, "sup_form", role="supervisor")
    page = console_login(client, "sup_form")
    assert page.status_code in (302, 303) and page.headers["location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_another_site_cannot_sign_a_browser_in_to_its_own_console_account(client, sync_engine):
    # Login CSRF: a page elsewhere posts the attacker's name and password to our form, so what
    # the victim then does lands in the attacker's account. Its POST carries no form token (it
    # cannot read one) and no form cookie (SameSite=Strict).
    make_user(sync_engine, "mallory", role="supervisor")
    forged = client.post(
        "/console/login",
        data={"username": "mallory", "password": "pw-correct-horse"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "登录页面已过期，或登录请求并非从本系统的登录页发出" in forged.text
    assert "ov_session" not in client.cookies
    assert client.get("/console/", follow_redirects=False).headers["location"] == "/console/login"
    # A token copied from one's own form is no use without the browser's form cookie …
    form = client.get("/console/login")
    token = form.text.split('name="login_token" value="')[1].split('"')[0]
    client.cookies.clear()
    stolen = client.post(
        "/console/login",
        data={"username": "mallory", "password": "pw-correct-horse", "login_token": token},
        follow_redirects=False,
    )
    assert stolen.status_code == 403 and "ov_session" not in client.cookies
    # … and the refusal hands the person a fresh form that works.
    again = console_login(client, "mallory")
    assert again.status_code in (302, 303)


def test_the_api_sign_in_takes_only_json_so_no_form_elsewhere_can_send_it(client, sync_engine):
    make_user(sync_engine, "wang")
    body = b'{"username": "wang", "password": "pw-correct-horse"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        # What <form enctype="text/plain"> on another site sends, with no CORS preflight.
        response = client.post(
            "/api/v1/auth/login", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 415, response.text
        assert "Content-Type: application/json" in response.json()["detail"]
        assert "ov_session" not in client.cookies
    cross = client.post(
        "/api/v1/auth/login",
        content=body,
        headers={"content-type": "application/json", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403 and "ov_session" not in client.cookies
    assert (
        client.post(
            "/api/v1/auth/login",
            content=body,
            headers={"content-type": "application/json; charset=utf-8"},
        ).status_code
        == 200
    )
