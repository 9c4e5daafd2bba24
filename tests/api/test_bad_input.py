"""Input the database cannot take is refused with a 400 that names the field, on SQLite as on
PostgreSQL (which cannot store or compare a NUL, and overflows past 64 bits), and nothing of it
is stored; a % or _ in a search is that very character."""

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func, update
from sqlmodel import Session, select

from server.colour.models import ColourOverride
from server.merchants.models import Merchant
from server.planning.models import OfficerLeave
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

NUL_FIELD = "中含有无法保存的空字符"


@pytest.fixture
def staff(sync_engine: Engine) -> Merchant:
    make_user(sync_engine, "sup", role="supervisor", street=None)
    make_user(sync_engine, "boss", role="admin", street=None)
    (merchant,) = make_merchants(sync_engine, 1)
    return merchant


def count(engine: Engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(
    ("who", "url", "field"),
    [
        ("sup", "/api/v1/merchants?q=%00", "q"),
        ("sup", "/api/v1/merchants?street=hu%00bin", "street"),
        ("sup", "/api/v1/complaints?status=%00", "status"),
        ("boss", "/api/v1/audit?action=auth.login%00", "action"),
        ("boss", "/api/v1/audit?entity_id=%00", "entity_id"),
        ("sup", "/console/codes/?q=%00", "q"),
        ("sup", "/console/merchants?q=%00", "q"),
        ("sup", "/console/codes/streets/hu%00bin/posters", "code"),
        (None, "/v/XZ%00", "code"),
    ],
)
def test_a_nul_in_the_address_is_a_400_naming_the_field(
    client: TestClient, staff: Merchant, who: str | None, url: str, field: str
):
    if who:
        login_as(client, who)
    response = client.get(url)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == f"“{field}”{NUL_FIELD}（U+0000），请删除后重试"


@pytest.mark.parametrize("body", [b"{bad", b'{"id": "x",', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_400_saying_so_in_chinese(
    client: TestClient, staff: Merchant, body: bytes
):
    csrf = {"X-CSRF-Token": login_as(client, "sup")}
    response = client.post(
        "/api/v1/inspections", content=body, headers={**csrf, "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "请求内容不是有效的 JSON"


def test_a_nul_in_a_json_body_is_a_400_naming_where_it_is(
    client: TestClient, sync_engine: Engine, staff: Merchant
):
    csrf = {"X-CSRF-Token": login_as(client, "sup")}
    user = make_user(sync_engine, "insp")
    leave = {"user_id": str(user.id), "starts_on": "2030-06-03", "ends_on": "2030-06-03"}
    refused = client.post("/api/v1/leave", json=leave | {"reason": "病\u0000假"}, headers=csrf)
    assert refused.status_code == 400 and "“reason”" + NUL_FIELD in refused.json()["detail"]
    assert count(sync_engine, OfficerLeave) == 0

    record = {"id": "x", "findings": [{"item": "T-1", "note": "ok"}, {"note": "a\u0000"}]}
    deep = client.post("/api/v1/inspections", json=record, headers=csrf)
    assert deep.status_code == 400 and "“findings[1].note”" in deep.json()["detail"]
    key = client.post("/api/v1/inspections", json={"sig\u0000": 1}, headers=csrf)
    assert key.status_code == 400 and "“sig\\u0000”" in key.json()["detail"]

    assert client.post("/api/v1/leave", json=leave | {"reason": "病假"}, headers=csrf).is_success


def test_a_nul_in_a_form_field_is_a_400_and_nothing_is_stored(
    client: TestClient, sync_engine: Engine, staff: Merchant
):
    csrf = {"X-CSRF-Token": login_as(client, "sup")}
    url = f"/console/codes/merchants/{staff.id}/override"
    form = {"colour": "yellow", "days": "10"}
    refused = client.post(url, data=form | {"reason": "复核\x00中"}, headers=csrf)
    assert refused.status_code == 400 and "“reason”" + NUL_FIELD in refused.json()["detail"]
    assert count(sync_engine, ColourOverride) == 0
    assert client.post(url, data=form | {"reason": "复核中"}, headers=csrf).is_success
    assert count(sync_engine, ColourOverride) == 1


def test_numbers_past_what_the_database_holds_are_a_400_naming_the_field(
    client: TestClient, staff: Merchant
):
    csrf = {"X-CSRF-Token": login_as(client, "boss")}
    for url in (
        "/api/v1/merchants?page=99999999999999999999",  # past a bigint
        "/api/v1/merchants?page=9999999999999999",  # its OFFSET past a bigint
        "/api/v1/audit?page=9999999999999999",
    ):
        refused = client.get(url)
        assert refused.status_code == 400 and "page" in refused.json()["detail"], url
    past = client.post(
        "/api/v1/plans/2030-06-03/streets/hubin/publish",
        json={"version": 99999999999999999999},
        headers=csrf,
    )
    assert past.status_code == 400 and "“version”的数值超出" in past.json()["detail"]
    # The console's pages take any page number as the nearest one there is.
    assert client.get("/console/merchants?page=9999999999999999").status_code == 200
    assert client.get("/console/codes/streets/hubin/posters?page=0").status_code == 200


def test_a_percent_or_underscore_in_a_search_is_that_character(
    client: TestClient, sync_engine: Engine, staff: Merchant
):
    shops = make_merchants(sync_engine, 4, seed=5)
    with Session(sync_engine) as session:
        for shop, name in zip(
            shops, ("五折%特价店", "五折_特价店", "五折x特价店", "百分百店"), strict=True
        ):
            session.exec(update(Merchant).where(Merchant.id == shop.id).values(name=name))
        session.commit()
    login_as(client, "sup")

    def found(q: str) -> list[str]:
        return sorted(
            m["name"] for m in client.get("/api/v1/merchants", params={"q": q}).json()["items"]
        )

    assert found("%") == ["五折%特价店"]
    assert found("_") == ["五折_特价店"]
    assert found("折%特") == ["五折%特价店"]
    assert found("特价") == ["五折%特价店", "五折_特价店", "五折x特价店"]
    console = client.get("/console/codes/", params={"q": "%"}).text
    assert "五折%特价店" in console and "五折x特价店" not in console and "百分百店" not in console


@pytest.mark.parametrize("path", ["/m/%00", "/m/c/TS%00", "/m/o/%00", "/m/%00/complaints"])
def test_a_public_pages_token_with_a_nul_gets_the_page_of_an_unknown_one(
    client: TestClient, path: str
):
    # The public pages never tell a malformed token from an unknown one.
    refused, unknown = client.get(path), client.get(path.replace("%00", "ZZZZ"))
    assert refused.status_code == unknown.status_code == 404
    assert refused.text == unknown.text
