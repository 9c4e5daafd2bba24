"""What an inspector finds through the merchant API: their street's merchants, for their work,
without the contact person and phone; supervisors see those, within their street."""

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from server.merchants.models import Merchant
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user


@pytest.fixture
def shops(sync_engine: Engine) -> dict[str, Merchant]:
    (own,) = make_merchants(sync_engine, 1, street="hubin", seed=1, name_prefix="湖滨店")
    (far,) = make_merchants(sync_engine, 1, street="qingbo", seed=2, name_prefix="清波店")
    with Session(sync_engine) as session:
        session.exec(update(Merchant).values(contact="王老板", phone="13800001111"))
        session.commit()
    make_user(sync_engine, "insp_hubin", street="hubin")
    make_user(sync_engine, "insp_fire", street=None)  # a specialist: no street of their own
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    return {"own": own, "far": far}


def test_an_inspector_finds_their_streets_merchants_without_contacts(
    client: TestClient, shops: dict[str, Merchant]
):
    login_as(client, "insp_hubin")
    listed = client.get("/api/v1/merchants")
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 1 and [m["name"] for m in page["items"]] == ["湖滨店0000"]
    assert page["items"][0]["contact"] is None and page["items"][0]["phone"] is None
    assert "13800001111" not in listed.text and "王老板" not in listed.text

    other_street = client.get("/api/v1/merchants", params={"street": "qingbo"})
    assert other_street.status_code == 400 and "qingbo" in other_street.json()["detail"]
    assert client.get(f"/api/v1/merchants/{shops['far'].id}").status_code == 404
    own = client.get(f"/api/v1/merchants/{shops['own'].id}")
    assert own.status_code == 200 and own.json()["name"] == "湖滨店0000"
    assert own.json()["phone"] is None and "13800001111" not in own.text


def test_a_specialist_finds_every_streets_merchants_without_contacts(
    client: TestClient, shops: dict[str, Merchant]
):
    login_as(client, "insp_fire")
    page = client.get("/api/v1/merchants").json()
    assert page["total"] == 2
    assert {(m["contact"], m["phone"]) for m in page["items"]} == {(None, None)}
    assert client.get(f"/api/v1/merchants/{shops['far'].id}").json()["phone"] is None


def test_a_supervisor_sees_the_contacts_of_their_streets_merchants(
    client: TestClient, shops: dict[str, Merchant]
):
    login_as(client, "sup_hubin")
    page = client.get("/api/v1/merchants").json()
    assert [(m["contact"], m["phone"]) for m in page["items"]] == [("王老板", "13800001111")]
    assert client.get(f"/api/v1/merchants/{shops['own'].id}").json()["phone"] == "13800001111"
