"""线索: a department passes a lead to a street; the street's inbox lists it; it is accepted or
returned with reasons; its code verifies; an accepted lead is owed until an inspection has
checked its items."""

from datetime import timedelta

from sqlmodel import Session, select

from server.catalog.models import CheckItem, Scenario, ScenarioItem
from server.core.workdays import CALENDAR
from server.merchants.models import MerchantScenario
from tests.support.clock import at
from tests.support.records import add_inspection, make_catalogue

TODAY = at("2026-06-02T10:00").date()


def _scenario(engine, world, codes=("T-licence", "T-hygiene", "T-signage")):
    """The merchant's scenario carries the items a lead may name."""
    with Session(engine) as session:
        scenario = Scenario(code="CJ-T", name="测试场景")
        session.add(scenario)
        session.flush()
        for code in codes:
            item = session.exec(select(CheckItem.id).where(CheckItem.code == code)).one()
            session.add(ScenarioItem(scenario_id=scenario.id, check_item_id=item))
        session.add(MerchantScenario(merchant_id=world.merchant_id, scenario_id=scenario.id))
        session.commit()


def _lead(world, **changes):
    return {
        "merchant_id": str(world.merchant_id),
        "to_street": "hubin",
        "items": ["T-licence"],
        "reason": "群众反映未公示许可证",
        "evidence": "12345 热线工单 2026-0601",
        **changes,
    }


def _send(user, world, who="dist-sc", **changes):
    sent = user(who).post("/api/v1/leads", json=_lead(world, **changes))
    assert sent.status_code == 201, sent.text
    return sent.json()


def test_a_lead_reaches_the_streets_inbox_and_is_accepted_with_a_visit_deadline(
    user, world, sync_engine
):
    _scenario(sync_engine, world)
    created = _send(user, world)
    assert created["action_code"].startswith(f"XS{TODAY:%Y%m%d}")
    assert created["status"] == "pending" and created["to_street"] == "湖滨街道"
    assert created["due_on"] == CALENDAR.add(TODAY, 5).isoformat()
    inbox = user("sup-hb").get("/api/v1/leads?inbox=1").json()
    assert [row["action_code"] for row in inbox] == [created["action_code"]]
    assert user("sup-qb").get("/api/v1/leads?inbox=1").json() == []
    assert user("insp-qb").get(f"/api/v1/leads/{created['id']}").status_code == 404
    read = user("insp-a").get(f"/api/v1/leads/{created['id']}").json()
    assert read["from_unit"] and read["items"] == [
        {"code": "T-licence", "title": "测试检查项 licence"}
    ]
    accepted = user("insp-a").post(
        f"/api/v1/leads/{created['id']}/accept", json={"reason": "安排核查"}
    )
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "accepted" and body["visit_by"] == CALENDAR.add(TODAY, 10).isoformat()
    assert body["open_items"] == ["T-licence"]
    again = user("sup-hb").post(f"/api/v1/leads/{created['id']}/accept")
    assert again.status_code == 409 and "已接收" in again.json()["detail"]
    assert user("sup-hb").get("/api/v1/leads?inbox=1").json() == []


def test_an_inspection_of_the_items_after_acceptance_clears_the_lead(user, world, sync_engine):
    _scenario(sync_engine, world)
    created = _send(user, world, items=["T-licence", "T-signage"])
    user("sup-hb").post(f"/api/v1/leads/{created['id']}/accept")
    catalogue = make_catalogue(sync_engine)
    code_day = TODAY + timedelta(days=1)
    add_inspection(sync_engine, catalogue, world.merchant_id, code_day, {})
    read = user("sup-hb").get(f"/api/v1/leads/{created['id']}").json()
    assert read["open_items"] == [] and read["state"] == "已核查"
    assert len(read["checked_by"]) == 1


def test_a_lead_is_returned_with_reasons_and_only_by_the_receiving_street(user, world, sync_engine):
    _scenario(sync_engine, world)
    created = _send(user, world)
    base = f"/api/v1/leads/{created['id']}"
    assert user("sup-hb").post(f"{base}/return", json={"reason": " "}).status_code == 422
    assert user("dist-sc").post(f"{base}/return", json={"reason": "x"}).status_code == 403
    returned = user("sup-hb").post(f"{base}/return", json={"reason": "该店已停业，请核实地址"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["answer"] == "该店已停业，请核实地址"
    sender_sees = user("dist-sc").get(base).json()
    assert sender_sees["state"] == "已退回"
    assert user("sup-hb").post(f"{base}/accept").status_code == 409


def test_bad_leads_are_refused_naming_the_field(user, world, sync_engine):
    _scenario(sync_engine, world, codes=("T-licence",))
    cases = [
        ({"to_street": "atlantis"}, 422, "atlantis"),
        ({"to_street": "qingbo"}, 422, "湖滨街道"),
        ({"items": ["T-nope"]}, 422, "T-nope"),
        ({"items": ["T-signage"]}, 422, "T-signage"),
    ]
    for changes, status, named in cases:
        refused = user("dist-sc").post("/api/v1/leads", json=_lead(world, **changes))
        assert refused.status_code == status, (changes, refused.text)
        assert named in refused.json()["detail"], refused.json()
    assert user.post("/api/v1/leads", json=_lead(world, items=[])).status_code == 400
    assert user.post("/api/v1/leads", json=_lead(world, reason="")).status_code == 400
    assert user("watch").post("/api/v1/leads", json=_lead(world)).status_code == 403


def test_the_lead_code_verifies_and_an_unknown_one_does_not(user, world, sync_engine):
    _scenario(sync_engine, world)
    created = _send(user, world)
    page = user.client.get(f"/v/{created['action_code']}")
    assert page.status_code == 200
    assert "线索移交" in page.text and "湖滨街道" in page.text
    assert "12345 热线工单" not in page.text  # the evidence is not public
    assert user.client.get("/v/XS20260602DEADBEEF00").status_code == 404


def test_the_console_lists_the_inbox_and_answers_a_lead(user, world, sync_engine):
    _scenario(sync_engine, world)
    created = _send(user, world)
    page = user("sup-hb").get("/console/leads")
    assert page.status_code == 200 and created["action_code"] in page.text
    lead_page = user.get(f"/console/leads/{created['id']}")
    assert lead_page.status_code == 200 and "群众反映未公示许可证" in lead_page.text
    answer = user.post(f"/console/leads/{created['id']}/return", data={"reason": ""})
    assert "理由" in answer.text
    done = user.post(f"/console/leads/{created['id']}/accept", data={"reason": "好"})
    assert done.headers.get("HX-Redirect") == f"/console/leads/{created['id']}"
    sent = user.post(
        "/console/leads",
        data={
            "merchant_id": str(world.merchant_id),
            "to_street": "nowhere",
            "items": "T-licence",
            "reason": "r",
        },
    )
    assert "nowhere" in sent.text
