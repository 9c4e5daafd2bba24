"""Leave and recusals as a street's supervisor notices them: only their street's officers and
merchants are within reach (another street's answer as unknown ones), the day's leave list shows
their street's officers only, and the same leave sent twice is stored once."""

from datetime import date

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from server.org.models import User
from server.planning.models import OfficerLeave, Recusal
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

DAY = date(2030, 6, 3)
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def people(sync_engine: Engine) -> dict[str, User]:
    found = {
        name: make_user(sync_engine, name, street=street)
        for name, street in (("insp_hubin", "hubin"), ("insp_qingbo", "qingbo"), ("fire", None))
    }
    for name, street in (("sup_hubin", "hubin"), ("sup_qingbo", "qingbo"), ("sup_district", None)):
        found[name] = make_user(sync_engine, name, role="supervisor", street=street)
    return found


def leave(user: User, reason: str = "年休假") -> dict:
    return {"user_id": str(user.id), "starts_on": str(DAY), "ends_on": str(DAY), "reason": reason}


def count(engine: Engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_street_supervisor_records_no_leave_for_another_streets_officer(
    client: TestClient, sync_engine: Engine, people: dict[str, User]
):
    csrf = {"X-CSRF-Token": login_as(client, "sup_hubin")}
    for user in (people["insp_qingbo"], people["fire"]):
        refused = client.post("/api/v1/leave", json=leave(user), headers=csrf)
        unknown = client.post(
            "/api/v1/leave", json=leave(user) | {"user_id": UNKNOWN}, headers=csrf
        )
        assert refused.status_code == unknown.status_code == 404
        assert refused.json() == unknown.json()
    assert count(sync_engine, OfficerLeave) == 0
    own = client.post("/api/v1/leave", json=leave(people["insp_hubin"]), headers=csrf)
    assert own.status_code == 201 and own.json()["username"] == "insp_hubin"


def test_the_leave_list_shows_a_street_supervisor_their_streets_officers_only(
    client: TestClient, people: dict[str, User]
):
    csrf = {"X-CSRF-Token": login_as(client, "sup_district")}
    for name, reason in (("insp_hubin", "年休假"), ("insp_qingbo", "病假：住院"), ("fire", "培训")):
        assert client.post(
            "/api/v1/leave", json=leave(people[name], reason), headers=csrf
        ).is_success
    every = client.get("/api/v1/leave", params={"date": str(DAY)}).json()
    assert [r["username"] for r in every] == ["fire", "insp_hubin", "insp_qingbo"]

    login_as(client, "sup_hubin")
    shown = client.get("/api/v1/leave", params={"date": str(DAY)})
    assert shown.status_code == 200
    assert [(r["username"], r["reason"]) for r in shown.json()] == [("insp_hubin", "年休假")]
    assert "病假" not in shown.text


def test_the_same_leave_twice_is_stored_once(
    client: TestClient, sync_engine: Engine, people: dict[str, User]
):
    csrf = {"X-CSRF-Token": login_as(client, "sup_hubin")}
    first = client.post("/api/v1/leave", json=leave(people["insp_hubin"]), headers=csrf)
    again = client.post("/api/v1/leave", json=leave(people["insp_hubin"]), headers=csrf)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    other = client.post("/api/v1/leave", json=leave(people["insp_hubin"], "病假"), headers=csrf)
    assert other.status_code == 409
    assert "已登记" in other.json()["detail"] and "年休假" in other.json()["detail"]
    assert count(sync_engine, OfficerLeave) == 1
    listed = client.get("/api/v1/leave", params={"date": str(DAY)}).json()
    assert [r["id"] for r in listed] == [first.json()["id"]]


def test_recusals_reach_the_streets_merchants_for_its_officers_and_specialists(
    client: TestClient, sync_engine: Engine, people: dict[str, User]
):
    (own,) = make_merchants(sync_engine, 1, street="hubin", seed=1)
    (far,) = make_merchants(sync_engine, 1, street="qingbo", seed=2)
    csrf = {"X-CSRF-Token": login_as(client, "sup_hubin")}

    def recuse(user: User, merchant) -> int:
        body = {"user_id": str(user.id), "merchant_id": str(merchant.id), "reason": "近亲属经营"}
        return client.post("/api/v1/recusals", json=body, headers=csrf).status_code

    assert recuse(people["insp_hubin"], far) == 404  # another street's merchant
    assert recuse(people["insp_qingbo"], own) == 404  # another street's officer
    assert count(sync_engine, Recusal) == 0
    assert recuse(people["insp_hubin"], own) == 201
    assert recuse(people["fire"], own) == 201  # a specialist joins any street's visits
    csrf["X-CSRF-Token"] = login_as(client, "sup_district")
    assert recuse(people["insp_qingbo"], far) == 201
    assert count(sync_engine, Recusal) == 3
