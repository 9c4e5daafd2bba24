"""A case from filing to closing, each step recorded with who, when and a deadline."""

import pytest
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.core.workdays import CALENDAR
from tests.cases.conftest import file_case
from tests.support.clock import at

TODAY = at("2026-06-02T10:00").date()


def test_filing_answers_the_contract_and_links_what_it_came_from(user, world, sync_engine):
    created = file_case(user, world)
    assert created["status"] == "open"
    assert created["action_code"].startswith(f"AJ{TODAY:%Y%m%d}")
    assert created["holding_unit"] == "湖滨综合行政执法队"
    assert created["due_on"] == CALENDAR.add(TODAY, 5).isoformat()
    case = user.get(f"/api/v1/cases/{created['id']}").json()
    assert case["inspection_code"] == world.inspection_code
    assert [i["code"] for i in case["items"]] == ["T-licence"]
    assert case["items"][0]["reserved_measures"][0] == "large_fine"
    assert len(case["officers"]) == 2
    assert [(s["step"], s["status"]) for s in case["steps"]] == [("file", "open")]
    with Session(sync_engine) as session:
        actions = session.exec(select(AuditEvent.action, AuditEvent.actor)).all()
    assert ("case.file", "insp-a") in actions


def test_every_step_in_order_to_closing(user, world):
    case_id = file_case(user, world)["id"]
    base = f"/api/v1/cases/{case_id}"
    step = user("insp-a").post(f"{base}/steps", json={"step": "investigate", "note": "调取监控"})
    assert step.status_code == 200, step.text
    assert step.json()["status"] == "investigating"
    assert step.json()["due_on"] == CALENDAR.add(TODAY, 30).isoformat()
    proposal = {
        "kind": "penalty",
        "measures": ["warning", "fine"],
        "amount": 2000,
        "note": "拟警告并罚款",
        "documents": ["询问笔录 2026-001"],
    }
    submitted = user.post(f"{base}/submit", json=proposal)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "review"
    assert submitted.json()["reviews_needed"] == 1
    approved = user("legal1").post(f"{base}/reviews", json={"verdict": "approve", "note": "同意"})
    assert approved.status_code == 200, approved.text
    decided = user("insp-b").post(f"{base}/decision", json=proposal)
    assert decided.status_code == 200, decided.text
    decision = decided.json()["decision"]
    assert decision["action_code"].startswith("CF")
    assert decision["measures"] == ["warning", "fine"] and decision["amount"] == 2000
    assert decided.json()["due_on"] == CALENDAR.add(TODAY, 7).isoformat()
    served = user.post(
        f"{base}/steps", json={"step": "serve", "note": "直接送达", "documents": ["送达回证"]}
    )
    assert served.json()["status"] == "served"
    closed = user.post(f"{base}/steps", json={"step": "close", "note": "罚款已缴纳"})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed" and body["due_on"] is None
    steps = [(s["step"], s["by"]) for s in body["steps"]]
    assert steps == [
        ("file", "insp-a"),
        ("investigate", "insp-a"),
        ("submit", "insp-a"),
        ("approve", "legal1"),
        ("decide", "insp-b"),
        ("serve", "insp-b"),
        ("close", "insp-b"),
    ]
    assert body["steps"][2]["documents"] == ["询问笔录 2026-001"]
    assert body["reviews"][0]["reviewer"] and body["reviews"][0]["verdict"] == "approve"


@pytest.mark.clock("2026-11-26T10:00+08:00")
def test_a_deadline_in_a_year_the_calendar_lacks_is_left_open_not_guessed(user, world):
    created = file_case(user, world)
    assert created["due_on"] == "2026-12-03"
    step = user("insp-a").post(f"/api/v1/cases/{created['id']}/steps", json={"step": "investigate"})
    assert step.status_code == 200, step.text
    assert step.json()["status"] == "investigating" and step.json()["due_on"] is None
