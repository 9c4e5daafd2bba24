"""Who may see what."""

from sqlalchemy import func
from sqlmodel import Session, select

from server.auth.models import UserSession
from tests.support.app import console_login, login_as
from tests.support.factories import make_merchants, make_user


def test_api_needs_sign_in(client):
    response = client.get("/api/v1/merchants")
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录"


def test_audit_trail_is_for_administrators_only(client, sync_engine):
    make_user(sync_engine, "insp", role="inspector")
    make_user(sync_engine, "boss", role="admin")
    login_as(client, "insp")
    forbidden = client.get("/api/v1/audit")
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"]
    login_as(client, "boss")
    allowed = client.get("/api/v1/audit", params={"action": "auth.login"})
    assert allowed.status_code == 200
    actors = {e["actor"] for e in allowed.json()["items"]}
    assert {"insp", "boss"} <= actors


def test_console_is_for_supervisors_not_inspectors(client, sync_engine):
    make_user(sync_engine, "insp2", role="inspector")
    make_user(sync_engine, "sup", role="supervisor")
    page = console_login(client, "insp2")
    assert page.status_code == 401
    assert "用户名或密码错误" in page.text
    # An inspector refused at the console gets no session behind the refusal.
    with Session(sync_engine) as session:
        assert session.exec(select(func.count()).select_from(UserSession)).one() == 0
    ok = console_login(client, "sup")
    assert ok.status_code in (302, 303)
    home = client.get("/console/")
    assert home.status_code == 200
    assert "各街道三色码分布" in home.text


def test_a_street_supervisors_console_home_counts_their_street_only(client, sync_engine):
    make_merchants(sync_engine, 2, street="hubin", seed=1)
    make_merchants(sync_engine, 3, street="qingbo", seed=2)
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    make_user(sync_engine, "sup_all", role="supervisor", street=None)
    login_as(client, "sup_hubin")
    own = client.get("/console/").text
    assert "湖滨街道" in own and "清波街道" not in own
    login_as(client, "sup_all")
    every = client.get("/console/").text
    assert "湖滨街道" in every and "清波街道" in every
