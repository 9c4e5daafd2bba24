"""The users page as an administrator uses it, and the link as the officer opens it: one
journey over HTTP, then what anyone else gets and what bad input gets."""

import re
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from server.org.service import ensure_district
from tests.support.app import console_login, login_as
from tests.support.factories import make_user

pytestmark = pytest.mark.clock("2026-11-26T10:00+08:00", frozen=True)
NEW_PASSWORD = "my-own-password-1"


@pytest.fixture
def admin(client, sync_engine) -> dict[str, str]:
    """Signed in to the console as an administrator: the headers htmx sends."""
    with Session(sync_engine) as session:
        ensure_district(session)
        session.commit()
    make_user(sync_engine, "admin", role="admin", street=None)
    assert console_login(client, "admin").status_code in (302, 303)
    return {"X-CSRF-Token": client.cookies["ov_csrf"], "HX-Request": "true"}


def _link(html: str) -> str:
    found = re.search(r'id="reset-url">http://testserver\.local(/console/reset/[^<]+)<', html)
    assert found, html
    return found.group(1)


def _user_id(client: TestClient, username: str) -> str:
    page = client.get("/console/users", params={"status": "all"})
    found = re.search(rf'href="/console/users/([0-9a-f-]+)">{username}</a>', page.text)
    assert found, page.text
    return found.group(1)


def test_an_officer_is_added_sets_their_password_and_is_stopped(client, admin, clock):
    page = client.get("/console/users")
    assert page.status_code == 200 and "新增用户" in page.text
    added = client.post(
        "/console/users",
        data={
            "username": "zhang",
            "role": "inspector",
            "name": "张三",
            "team": "湖滨综合行政执法队",
            "cert_no": "33010226001",
            "cert_from": "2026-01-01",
            "cert_until": "2030-12-31",
        },
        headers=admin,
    )
    assert added.status_code == 201 and "已添加用户 zhang（张三）" in added.text
    assert added.headers["cache-control"] == "no-store"
    link = _link(added.text)
    for guess in ("!", "", "zhang"):  # no password until the officer sets one by the link
        tried = TestClient(client.app).post(
            "/api/v1/auth/login", json={"username": "zhang", "password": guess}
        )
        assert tried.status_code in (400, 401), guess
    listed = client.get("/console/users", params={"street": "hubin", "role": "inspector"})
    assert "湖滨综合行政执法队" in listed.text and "2030-12-31" in listed.text

    # The officer's own browser (the app is already running: no second start-up).
    officer = TestClient(client.app)
    form = officer.get(link)
    assert form.status_code == 200 and "账号：zhang（张三）" in form.text
    short = officer.post(link, data={"password": "short", "password_again": "short"})
    assert short.status_code == 422 and "密码太短" in short.text
    done = officer.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 200 and "新密码已设置" in done.text
    again = officer.get(link)
    assert again.status_code == 410 and "已于 2026-11-26 10:00 使用过" in again.text
    login_as(officer, "zhang", NEW_PASSWORD)
    assert officer.get("/api/v1/auth/me").status_code == 200

    user_id = _user_id(client, "zhang")
    edit = client.get(f"/console/users/{user_id}")
    assert edit.status_code == 200 and 'value="33010226001"' in edit.text
    moved = client.post(
        f"/console/users/{user_id}",
        data={"role": "street_supervisor", "name": "张三", "street": "qingbo"},
        headers=admin,
    )
    assert moved.status_code == 200
    assert moved.headers["hx-redirect"] == f"/console/users/{user_id}?done=saved"
    assert officer.get("/api/v1/auth/me").json()["role"] == "supervisor"
    stopped = client.post(f"/console/users/{user_id}/deactivate", headers=admin)
    assert stopped.status_code == 200
    assert "已停用" in client.get(stopped.headers["hx-redirect"]).text
    assert officer.get("/api/v1/auth/me").status_code == 401  # signed out at once

    client.post(f"/console/users/{user_id}/activate", headers=admin)
    fresh = _link(client.post(f"/console/users/{user_id}/reset-link", headers=admin).text)
    clock.advance(timedelta(hours=24, minutes=1))
    expired = client.get(fresh)
    assert expired.status_code == 410 and "已于 2026-11-27 10:00 过期" in expired.text


BAD_INPUT = [
    ({"username": "", "role": "inspector", "name": "X"}, 422, "用户名不能为空"),
    ({"username": "a" * 65, "role": "inspector", "name": "X"}, 422, "现为 65 个"),
    ({"username": "  ", "role": "inspector", "name": "X"}, 422, "用户名不能为空"),
    ({"username": "x1", "role": "root", "name": "X"}, 422, "未知角色“root”"),
    (
        {
            "username": "x1",
            "role": "inspector",
            "name": "X",
            "team": "湖滨综合行政执法队",
            "cert_no": "1",
            "cert_until": "2026-02-30",
        },
        422,
        "执法证截止日期“2026-02-30”不存在",
    ),
    ({"username": "x1", "role": "street_supervisor", "name": "X"}, 422, "街道管理员须填写所属街道"),
    (
        {"username": "x1", "role": "inspector", "name": "X", "street": "hubin"},
        422,
        "执法人员须填写所属队伍",
    ),
    ({"username": "admin", "role": "inspector", "name": "X"}, 409, "已被占用"),
    ({"username": "x1"}, 422, "请填写角色"),
]


def test_bad_input_is_answered_with_its_reason(client, admin):
    for data, status, reason in BAD_INPUT:
        answer = client.post("/console/users", data=data, headers=admin)
        assert answer.status_code == status, data
        assert reason in answer.text and 'class="error"' in answer.text, data
    assert "共 1 人" in client.get("/console/users").text  # the administrator alone


def test_bad_filters_and_unknown_users_are_4xx_not_500(client, admin):
    assert "未知角色" in client.get("/console/users", params={"role": "boss"}).text
    assert client.get("/console/users", params={"street": "nowhere"}).status_code == 422
    assert client.get("/console/users", params={"status": "maybe"}).status_code == 422
    ghost = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/console/users/{ghost}").status_code == 404
    assert client.post(f"/console/users/{ghost}/deactivate", headers=admin).status_code == 404
    unknown = client.get("/console/reset/not-a-link")
    assert unknown.status_code == 404 and "该链接无效" in unknown.text
    # A page for whoever holds a link shows no console menu and carries no session token.
    assert "<nav" not in unknown.text and "csrf" not in unknown.text.lower()
    assert client.post("/console/users", data={"username": "x"}).status_code == 403  # no CSRF


def test_only_administrators_reach_the_page(client, sync_engine):
    make_user(sync_engine, "sup", role="supervisor")
    console_login(client, "sup")
    page = client.get("/console/users", follow_redirects=False)
    assert page.status_code in (302, 303) and page.headers["location"] == "/console/login"
    csrf = {"X-CSRF-Token": client.cookies["ov_csrf"]}
    refused = client.post("/console/users", data={"username": "x"}, headers=csrf)
    assert refused.status_code == 403 and "无权" in refused.text


def test_the_link_works_in_a_browser_signed_in_as_someone_else(client, admin):
    """The officer may open the link on a shared PC where someone is signed in: the form needs
    no session's token, and it is refused when another site sends it."""
    link = _link(
        client.post(
            "/console/users",
            data={"username": "li", "role": "legal", "name": "李四"},
            headers=admin,
        ).text
    )
    body = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    forged = client.post(link, data=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and "来自其他网站" in forged.text
    mismatch = client.post(link, data={**body, "password_again": "something-else"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    assert client.post(link, data=body).status_code == 200
    assert client.get("/api/v1/auth/me").json()["username"] == "admin"
