"""A street's supervisor plans, browses and reads complaints for their own street only; a
district supervisor still sees every street."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from server.app import create_app
from server.complaints.models import Complaint
from server.core.settings import Settings
from server.merchants.models import Merchant
from server.org.models import Street
from server.planning.models import Plan
from tests.planning.conftest import DAY
from tests.support.app import console_login, login_as
from tests.support.factories import DEFAULT_PASSWORD, make_user

Login = Callable[[str], TestClient]


@pytest.fixture
def sign_in(district, plan_settings: Settings) -> Iterator[Login]:
    """Clients signed in to the API and the console as the named users."""
    make_user(district.engine, "sup_h", role="supervisor", street="hubin")
    make_user(district.engine, "sup_all", role="supervisor", street=None)
    make_user(district.engine, "insp_h", role="inspector", street="hubin")
    with ExitStack() as stack:

        def login(username: str) -> TestClient:
            client = stack.enter_context(TestClient(create_app(plan_settings)))
            if not username.startswith("sup"):  # the console is for supervisors
                client.headers["X-CSRF-Token"] = login_as(client, username)
                return client
            page = console_login(client, username, DEFAULT_PASSWORD)
            assert page.status_code in (302, 303), page.text
            client.headers["X-CSRF-Token"] = client.cookies["ov_csrf"]
            return client

        yield login


def street_id(engine, code: str):
    with Session(engine) as session:
        return session.exec(select(Street.id).where(Street.code == code)).one()


def plans(engine) -> list[tuple[str, int, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Street.code, Plan.version, Plan.status)
            .join(Street, Street.id == Plan.street_id)
            .where(Plan.day == DAY)
            .order_by(Street.code, Plan.version)
        )
        return [tuple(r) for r in rows]


def merchant_of(engine, code: str) -> Merchant:
    with Session(engine) as session:
        return session.exec(
            select(Merchant).where(Merchant.street_id == street_id(engine, code)).limit(1)
        ).one()


def test_the_plan_api_keeps_a_street_supervisor_on_their_street(sign_in, district):
    district_sup, street_sup = sign_in("sup_all"), sign_in("sup_h")
    kaixuan = district_sup.post(f"/api/v1/plans/{DAY}", json={"street": "kaixuan"})
    assert kaixuan.status_code == 201, kaixuan.text
    before = plans(district.engine)

    url = f"/api/v1/plans/{DAY}"
    assert street_sup.get(url, params={"street": "kaixuan"}).status_code == 404
    assert street_sup.post(url, json={"street": "kaixuan"}).status_code == 404
    assert street_sup.post(url, json={"street": "凯旋街道"}).status_code == 404
    route = kaixuan.json()["routes"][0]
    edits = {
        "publish": {"version": 1},
        "lock": {"version": 1, "team": route["number"]},
        "reorder": {
            "version": 1,
            "team": route["number"],
            "order": [v["id"] for v in route["visits"]],
        },
        "move": {"version": 1, "visit": route["visits"][0]["id"]},
    }
    for action, body in edits.items():
        refused = street_sup.post(f"{url}/streets/kaixuan/{action}", json=body)
        assert refused.status_code == 404, (action, refused.text)
    assert plans(district.engine) == before
    # An unknown street is still a reason to fix, not a missing plan.
    assert street_sup.post(url, json={"street": "atlantis"}).status_code == 422

    # "Every street" means their own street.
    built = street_sup.post(url, json={})
    assert built.status_code == 201, built.text
    assert {s["street"] for s in built.json()["streets"]} == {"hubin"}
    assert plans(district.engine) == sorted([*before, ("hubin", 1, "draft")])
    assert {s["street"] for s in street_sup.get(url).json()["streets"]} == {"hubin"}
    published = street_sup.post(f"{url}/streets/hubin/publish", json={"version": 1})
    assert published.status_code == 201, published.text
    assert {s["street"] for s in district_sup.get(url).json()["streets"]} == {"hubin", "kaixuan"}


def test_the_console_keeps_a_street_supervisor_on_their_street(sign_in, district):
    district_sup, street_sup = sign_in("sup_all"), sign_in("sup_h")
    day = DAY.isoformat()
    assert (
        district_sup.post(
            "/console/plan/build", data={"date": day, "street": "kaixuan", "version": "0"}
        ).status_code
        == 200
    )
    before = plans(district.engine)

    assert (
        street_sup.get("/console/plan", params={"date": day, "street": "kaixuan"}).status_code
        == 404
    )
    view = {"date": day, "street": "kaixuan"}
    assert street_sup.get("/console/plan/view", params=view).status_code == 404
    for action, extra in {
        "build": {"version": "1"},
        "publish": {"version": "1"},
        "lock": {"version": "1", "team": "1", "locked": "1"},
        "reorder": {"version": "1", "team": "1", "order": ""},
        "move": {"version": "1", "visit": "00000000-0000-0000-0000-000000000000"},
    }.items():
        refused = street_sup.post(f"/console/plan/{action}", data={**view, **extra})
        assert refused.status_code == 404, (action, refused.text)
    assert plans(district.engine) == before

    own = street_sup.get("/console/plan", params={"date": day})
    assert own.status_code == 200 and "湖滨街道" in own.text and "凯旋街道" not in own.text
    built = street_sup.post("/console/plan/build", data={"date": day, "version": "0"})
    assert built.status_code == 200 and "第 1 版" in built.text
    assert ("hubin", 1, "draft") in plans(district.engine)
    assert "凯旋街道" in district_sup.get("/console/plan", params={"date": day}).text


def test_merchant_pages_and_complaints_show_only_their_street(sign_in, district):
    hubin, kaixuan = merchant_of(district.engine, "hubin"), merchant_of(district.engine, "kaixuan")
    with Session(district.engine) as session:
        for n, merchant in enumerate((hubin, kaixuan)):
            session.add(
                Complaint(
                    tracking_no=f"TS{n:010d}",
                    merchant_id=merchant.id,
                    text="油烟",
                    contact=f"1380000000{n}",
                )
            )
        session.commit()
    district_sup, street_sup = sign_in("sup_all"), sign_in("sup_h")

    page = street_sup.get("/console/merchants", params={"street": "kaixuan"})
    assert page.status_code == 200
    found = street_sup.get("/console/merchants", params={"q": hubin.name}).text
    assert f"/console/merchants/{hubin.id}" in found
    assert "凯旋街道" not in page.text and 'id="street"' not in page.text
    found = street_sup.get("/console/merchants", params={"q": kaixuan.name}).text
    assert f"/console/merchants/{kaixuan.id}" not in found
    assert street_sup.get(f"/console/merchants/{kaixuan.id}").status_code == 404
    assert street_sup.get(f"/console/merchants/{hubin.id}").status_code == 200
    assert district_sup.get(f"/console/merchants/{kaixuan.id}").status_code == 200
    assert 'id="street"' in district_sup.get("/console/merchants").text

    inbox = street_sup.get("/console/complaints")
    assert inbox.status_code == 200
    assert "TS0000000000" in inbox.text and "TS0000000001" not in inbox.text
    both = district_sup.get("/console/complaints").text
    assert "TS0000000000" in both and "TS0000000001" in both


def test_the_merchant_api_lists_only_their_street(sign_in, district):
    hubin, kaixuan = merchant_of(district.engine, "hubin"), merchant_of(district.engine, "kaixuan")
    district_sup, street_sup = sign_in("sup_all"), sign_in("sup_h")
    inspector = sign_in("insp_h")

    listed = street_sup.get("/api/v1/merchants", params={"page_size": 500}).json()
    assert listed["total"] > 0 and {m["street"] for m in listed["items"]} == {"hubin"}
    # Naming another street is answered as naming an unknown one.
    other = street_sup.get("/api/v1/merchants", params={"street": "kaixuan"})
    unknown = street_sup.get("/api/v1/merchants", params={"street": "atlantis"})
    assert other.status_code == unknown.status_code == 400
    assert other.json()["detail"] == unknown.json()["detail"].replace("atlantis", "kaixuan")
    assert (
        street_sup.get("/api/v1/merchants", params={"street": "hubin"}).json()["total"]
        == (listed["total"])
    )
    assert street_sup.get(f"/api/v1/merchants/{kaixuan.id}").status_code == 404
    assert street_sup.get(f"/api/v1/merchants/{hubin.id}").status_code == 200

    everyone = district_sup.get("/api/v1/merchants", params={"page_size": 500}).json()
    assert {"hubin", "kaixuan"} <= {m["street"] for m in everyone["items"]}
    assert district_sup.get(f"/api/v1/merchants/{kaixuan.id}").status_code == 200
    # An inspector finds their own street's merchants, without contact and phone.
    assert inspector.get(f"/api/v1/merchants/{kaixuan.id}").status_code == 404
    own = inspector.get("/api/v1/merchants", params={"page_size": 500}).json()
    assert own["total"] == listed["total"] and {m["street"] for m in own["items"]} == {"hubin"}
    assert {(m["contact"], m["phone"]) for m in own["items"]} == {(None, None)}
