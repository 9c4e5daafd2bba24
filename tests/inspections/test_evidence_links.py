"""Photos sent through tus before the record: the record names them and the server links them."""

import hashlib

from sqlmodel import Session, select

from server.evidence.models import Evidence, EvidenceLink
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from tests.evidence.tus import jpeg, upload_whole
from tests.inspections.conftest import record_body
from tests.support.app import login_as


def _photo(client, csrf) -> tuple[str, bytes]:
    data = jpeg()
    _, path = upload_whole(client, csrf, data)
    upload = client.get(path).json()
    assert upload["evidence_id"], upload
    return upload["evidence_id"], data


def test_a_closed_shop_with_its_photo_is_recorded_absent_and_keeps_its_colour(
    client, sync_engine, today_route
):
    csrf = login_as(client, "insp-a")
    evidence_id, data = _photo(client, csrf)
    body = record_body(
        today_route, presence={"method": "closed"}, findings=[], evidence=[evidence_id]
    )
    response = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    assert response.json()["result"] == "absent" and response.json()["orders"] == []
    with Session(sync_engine) as session:
        assert session.get(Merchant, today_route.merchant_id).colour == "green"
        inspection = session.exec(select(Inspection)).one()
        link = session.exec(select(EvidenceLink)).one()
        assert link.inspection_id == inspection.id and link.subject == "inspection"
        evidence = session.get(Evidence, link.evidence_id)
        assert evidence.sha256 == hashlib.sha256(data).hexdigest()


def test_a_record_cannot_claim_a_photo_the_team_did_not_take(client, today_route):
    stranger_csrf = login_as(client, "insp-c")
    evidence_id, _ = _photo(client, stranger_csrf)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": stranger_csrf})
    csrf = login_as(client, "insp-a")
    body = record_body(
        today_route, presence={"method": "closed"}, findings=[], evidence=[evidence_id]
    )
    response = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422 and "证据" in response.json()["detail"]


def test_an_obstructed_check_needs_its_account_and_evidence_and_turns_the_shop_red(
    client, sync_engine, today_route
):
    csrf = login_as(client, "insp-a")
    presence = {"method": "obstructed", "reason": ""}
    bare = record_body(today_route, presence=presence, findings=[], evidence=[])
    refused = client.post("/api/v1/inspections", json=bare, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    assert "写明经过" in refused.json()["detail"] and "现场照片" in refused.json()["detail"]

    evidence_id, _ = _photo(client, csrf)
    told = {"method": "obstructed", "reason": "店主锁门拒绝执法人员进入后厨，并推搡执法人员"}
    body = record_body(today_route, presence=told, findings=[], evidence=[evidence_id])
    body["signatures"].pop("merchant")  # no merchant signs an obstructed check
    response = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    assert response.json()["result"] == "obstructed"
    with Session(sync_engine) as session:
        assert session.get(Merchant, today_route.merchant_id).colour == "red"
