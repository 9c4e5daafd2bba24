"""移送: a street sends a case to the district; the district's inbox shows it; it accepts or
returns it once; both sides keep the history."""

from tests.cases.conftest import file_case


def _send(user, case_id: str, to: str = "scjg"):
    return user("insp-a").post(
        f"/api/v1/cases/{case_id}/transfer",
        json={"to_unit": to, "reason": "涉及吊销许可证件，属区级管辖", "documents": ["证据清单"]},
    )


def test_a_transfer_waits_in_the_inbox_and_is_accepted_once(user, world):
    case_id = file_case(user, world)["id"]
    sent = _send(user, case_id)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "transferred"
    transfer = sent.json()["transfers"][0]
    assert transfer["action_code"].startswith("YS") and transfer["to_unit"] == "市场监管"
    assert transfer["status"] == "pending" and transfer["due_on"] == "2026-06-09"
    inbox = user("dist-sc").get("/api/v1/cases?inbox=1").json()
    assert [(c["id"], c["awaiting"]) for c in inbox] == [(case_id, transfer["action_code"])]
    assert user("insp-qb").get("/api/v1/cases?inbox=1").json() == []
    assert user("insp-a").get("/api/v1/cases?inbox=1").json() == []
    assert user("insp-a").post(f"/api/v1/cases/{case_id}/accept").status_code == 403
    accepted = user("dist-sc").post(f"/api/v1/cases/{case_id}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "investigating"
    assert accepted.json()["holding_unit"] == "市场监管"
    twice = user.post(f"/api/v1/cases/{case_id}/accept")
    assert twice.status_code == 409 and "已接收" in twice.json()["detail"]
    assert user("dist-sc").get("/api/v1/cases?inbox=1").json() == []
    mine = user("dist-sc").get("/api/v1/cases?mine=1").json()
    assert [c["id"] for c in mine] == [case_id]
    # The sender still sees the case and its history, and no longer acts on it.
    seen = user("insp-a").get(f"/api/v1/cases/{case_id}").json()
    assert [s["step"] for s in seen["steps"]] == ["file", "transfer", "accept"]
    refused = user.post(f"/api/v1/cases/{case_id}/steps", json={"step": "investigate"})
    assert refused.status_code == 403 and "市场监管" in refused.json()["detail"]


def test_the_district_may_decide_what_the_street_may_not(user, world):
    case_id = file_case(user, world)["id"]
    _send(user, case_id)
    user("dist-sc").post(f"/api/v1/cases/{case_id}/accept")
    base = f"/api/v1/cases/{case_id}"
    submitted = user.post(
        f"{base}/submit", json={"kind": "penalty", "measures": ["revoke_licence"]}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["reviews_needed"] == 3
    for reviewer in ("legal1", "legal2", "legal3"):
        assert (
            user(reviewer).post(f"{base}/reviews", json={"verdict": "approve"}).status_code == 200
        )
    decided = user("dist-sc").post(
        f"{base}/decision", json={"kind": "penalty", "measures": ["revoke_licence"]}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"]["action_code"].startswith("CF")


def test_a_returned_transfer_goes_back_to_the_sender_with_the_reason(user, world):
    case_id = file_case(user, world)["id"]
    user("insp-a").post(f"/api/v1/cases/{case_id}/steps", json={"step": "investigate"})
    _send(user, case_id)
    bare = user("dist-sc").post(f"/api/v1/cases/{case_id}/return", json={"reason": " "})
    assert bare.status_code == 422 and "reason" in bare.json()["detail"]
    back = user.post(f"/api/v1/cases/{case_id}/return", json={"reason": "不属于本部门管辖事项"})
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "investigating"
    assert back.json()["holding_unit"] == "湖滨综合行政执法队"
    assert back.json()["transfers"][0]["answer"] == "不属于本部门管辖事项"
    again = user.post(f"/api/v1/cases/{case_id}/accept")
    assert again.status_code == 409 and "已退回" in again.json()["detail"]
    seen = user("insp-a").get(f"/api/v1/cases/{case_id}").json()
    assert seen["steps"][-1]["note"] == "不属于本部门管辖事项"


def test_a_transfer_to_an_unknown_unit_names_the_code(user, world):
    case_id = file_case(user, world)["id"]
    refused = _send(user, case_id, to="no-such-unit")
    assert refused.status_code == 422
    assert "no-such-unit" in refused.json()["detail"] and refused.json()["field"] == "to_unit"
    self_sent = _send(user, case_id, to="hubin-zh")
    assert self_sent.status_code == 422
    assert _send(user, case_id).status_code == 200
    assert _send(user, case_id).status_code == 409


def test_a_team_code_reaches_another_street(user, world):
    case_id = file_case(user, world)["id"]
    assert _send(user, case_id, to="qingbo-zh").status_code == 200
    assert [c["id"] for c in user("sup-qb").get("/api/v1/cases?inbox=1").json()] == [case_id]
    assert user("sup-qb").post(f"/api/v1/cases/{case_id}/accept").status_code == 200
