"""Each refusal of the case workflow is a 4xx whose reason says what to do."""

from sqlmodel import Session, select

from server.catalog.models import Matter
from tests.cases.conftest import file_case

FINE = {"kind": "penalty", "measures": ["fine"], "amount": 500}
REVOKE = {"kind": "penalty", "measures": ["revoke_licence"]}


def _to_review(user, case_id: str, proposal: dict) -> None:
    base = f"/api/v1/cases/{case_id}"
    assert user("insp-a").post(f"{base}/steps", json={"step": "investigate"}).status_code == 200
    submitted = user.post(f"{base}/submit", json=proposal)
    assert submitted.status_code == 200, submitted.text


def test_filing_needs_an_item_the_inspection_found_failed(user, world):
    body = {"inspection_id": str(world.inspection_id), "items": ["T-exits"], "summary": "x"}
    refused = user("insp-a").post("/api/v1/cases", json=body)
    assert refused.status_code == 422
    assert (
        "T-exits" in refused.json()["detail"] and world.inspection_code in refused.json()["detail"]
    )
    unknown = user.post("/api/v1/cases", json={**body, "items": ["NOPE-1"]})
    assert unknown.status_code == 422 and "NOPE-1" in unknown.json()["detail"]
    missing = user.post("/api/v1/cases", json={**body, "items": []})
    assert missing.status_code == 400 and "items" in missing.json()["detail"]


def test_an_outsider_cannot_file_or_see_the_case(user, world):
    body = {"inspection_id": str(world.inspection_id), "items": ["T-licence"], "summary": "x"}
    assert user("insp-qb").post("/api/v1/cases", json=body).status_code == 404
    case_id = file_case(user, world)["id"]
    for outsider in ("insp-qb", "sup-qb"):
        assert user(outsider).get(f"/api/v1/cases/{case_id}").status_code == 404
    assert user("watch").get(f"/api/v1/cases/{case_id}").status_code == 403
    for reader in ("sup-hb", "dist-sup", "legal1", "insp-b"):
        assert user(reader).get(f"/api/v1/cases/{case_id}").status_code == 200, reader


def test_filing_the_same_items_twice_is_a_conflict(user, world):
    first = file_case(user, world)
    again = user("insp-b").post(
        "/api/v1/cases",
        json={"inspection_id": str(world.inspection_id), "items": ["T-licence"], "summary": "y"},
    )
    assert again.status_code == 409 and first["action_code"] in again.json()["detail"]


def test_a_step_out_of_order_says_what_may_come_next(user, world):
    case_id = file_case(user, world)["id"]
    refused = user("insp-a").post(f"/api/v1/cases/{case_id}/steps", json={"step": "serve"})
    assert refused.status_code == 409
    assert "立案" in refused.json()["detail"] and "开始调查" in refused.json()["detail"]
    early = user.post(f"/api/v1/cases/{case_id}/submit", json=FINE)
    assert early.status_code == 409


def test_a_decision_without_legal_review_is_refused(user, world):
    case_id = file_case(user, world)["id"]
    base = f"/api/v1/cases/{case_id}"
    user("insp-a").post(f"{base}/steps", json={"step": "investigate"})
    refused = user.post(f"{base}/decision", json=FINE)
    assert refused.status_code == 422 and "法制审核" in refused.json()["detail"]
    user.post(f"{base}/submit", json=FINE)
    pending = user.post(f"{base}/decision", json=FINE)
    assert pending.status_code == 422 and "已通过 0 级" in pending.json()["detail"]


def test_only_legal_reviewers_review_and_a_return_needs_reasons(user, world):
    case_id = file_case(user, world)["id"]
    _to_review(user, case_id, FINE)
    base = f"/api/v1/cases/{case_id}"
    assert user("sup-hb").post(f"{base}/reviews", json={"verdict": "approve"}).status_code == 403
    bare = user("legal1").post(f"{base}/reviews", json={"verdict": "return"})
    assert bare.status_code == 422 and "理由" in bare.json()["detail"]
    back = user.post(
        f"{base}/reviews", json={"verdict": "return", "note": "证据不足，补充询问笔录"}
    )
    assert back.status_code == 200 and back.json()["status"] == "investigating"
    assert back.json()["steps"][-1]["note"] == "证据不足，补充询问笔录"


def test_a_street_deciding_a_measure_reserved_to_the_district_is_told_to_transfer(user, world):
    case_id = file_case(user, world)["id"]
    base = f"/api/v1/cases/{case_id}"
    user("insp-a").post(f"{base}/steps", json={"step": "investigate"})
    refused = user.post(f"{base}/submit", json=REVOKE)
    assert refused.status_code == 422
    body = refused.json()
    assert body["matter"] == "T-001" and body["measure"] == "revoke_licence"
    assert "测试事项" in body["detail"] and "吊销许可证件" in body["detail"]
    assert "移送" in body["detail"]
    large = user.post(f"{base}/submit", json={**FINE, "amount": 50000})
    assert large.status_code == 422 and "较大数额罚没" in large.json()["detail"]


def test_a_matter_that_reserves_nothing_lets_the_street_decide_but_review_is_still_three_levels(
    user, world, sync_engine
):
    with Session(sync_engine) as session:
        matter = session.exec(select(Matter).where(Matter.code == "T-001")).one()
        matter.reserved_measures = ["revoke_licence"]
        session.add(matter)
        session.commit()
    case_id = file_case(user, world)["id"]
    _to_review(user, case_id, {**FINE, "amount": 50000})
    base = f"/api/v1/cases/{case_id}"
    # Past review, the decision is checked again: the matter's list changed back meanwhile.
    assert (
        user("legal1").post(f"{base}/reviews", json={"verdict": "approve"}).json()["reviews_needed"]
        == 3
    )
    again = user.post(f"{base}/reviews", json={"verdict": "approve"})
    assert again.status_code == 409 and "另一名" in again.json()["detail"]
    user("legal2").post(f"{base}/reviews", json={"verdict": "approve"})
    two = user("insp-a").post(f"{base}/decision", json={**FINE, "amount": 50000})
    assert two.status_code == 422 and "已通过 2 级" in two.json()["detail"]
    user("legal3").post(f"{base}/reviews", json={"verdict": "approve"})
    other = user("insp-a").post(f"{base}/decision", json={**FINE, "amount": 40000})
    assert other.status_code == 422 and "不一致" in other.json()["detail"]
    done = user.post(f"{base}/decision", json={**FINE, "amount": 50000})
    assert done.status_code == 200, done.text
    assert done.json()["decision"]["measures"] == ["fine", "large_fine"]


def test_bad_decision_bodies_name_the_field(user, world):
    case_id = file_case(user, world)["id"]
    base = f"/api/v1/cases/{case_id}"
    user("insp-a").post(f"{base}/steps", json={"step": "investigate"})
    cases = [
        ({"kind": "penalty", "measures": ["flogging"]}, "flogging"),
        ({"kind": "penalty", "measures": ["fine"]}, "amount"),
        ({"kind": "no_penalty", "measures": ["warning"]}, "measures"),
        ({"kind": "penalty", "measures": ["warning"], "amount": 10}, "amount"),
        ({"kind": "penalty", "measures": ["fine"], "amount": 10.123}, "amount"),
    ]
    for body, named in cases:
        refused = user.post(f"{base}/submit", json=body)
        assert refused.status_code == 422, body
        assert named in refused.json()["detail"], refused.json()
    bad_kind = user.post(f"{base}/submit", json={"kind": "exile"})
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["detail"]
    assert user.get("/api/v1/cases?status=nonsense").status_code == 422
