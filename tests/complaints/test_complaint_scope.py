"""What a street supervisor notices in the complaints queue: only complaints about their own
street's merchants, never another street's complainants' contact details or photos, and no way
to settle another street's complaint (and so change that merchant's colour)."""

import io

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.complaints.models import Complaint
from server.merchants.models import Merchant
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def complaint_about(engine: Engine, merchant: Merchant) -> Complaint:
    with Session(engine) as session:
        stmt = select(Complaint).where(Complaint.merchant_id == merchant.id)
        return session.exec(stmt).one()


@pytest.fixture
def merchants(client: TestClient, sync_engine: Engine) -> tuple[Merchant, Merchant]:
    (own,) = make_merchants(sync_engine, 1, street="hubin", seed=1, name_prefix="湖滨店")
    (other,) = make_merchants(sync_engine, 1, street="qingbo", seed=2, name_prefix="清波店")
    for merchant, contact in ((own, "13900001111"), (other, "13800002222")):
        sent = client.post(
            f"/m/{merchant.qr_token}/complaints",
            data={"text": "后厨地面油污严重，有老鼠出没", "contact": contact},
            files={"photo": ("p.jpg", jpeg(), "image/jpeg")},
        )
        assert sent.status_code == 200, sent.text
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    make_user(sync_engine, "sup_district", role="supervisor", street=None)
    return own, other


def test_a_street_supervisor_lists_only_their_streets_complaints(
    client: TestClient, sync_engine: Engine, merchants: tuple[Merchant, Merchant]
):
    own, other = merchants
    login_as(client, "sup_hubin")
    listed = client.get("/api/v1/complaints")
    assert listed.status_code == 200
    assert [c["merchant_id"] for c in listed.json()] == [str(own.id)]
    assert "13900001111" in listed.text and "13800002222" not in listed.text
    asked_for_other = client.get(f"/api/v1/complaints?merchant_id={other.id}")
    assert asked_for_other.status_code == 200 and asked_for_other.json() == []
    received = client.get("/api/v1/complaints?status=received").json()
    assert [c["merchant_id"] for c in received] == [str(own.id)]

    theirs = complaint_about(sync_engine, other)
    refused = client.get(f"/api/v1/complaints/{theirs.id}/photo")
    unknown = client.get(f"/api/v1/complaints/{UNKNOWN}/photo")
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()
    mine = complaint_about(sync_engine, own)
    assert client.get(f"/api/v1/complaints/{mine.id}/photo").status_code == 200


def test_a_street_supervisor_cannot_settle_another_streets_complaint(
    client: TestClient, sync_engine: Engine, merchants: tuple[Merchant, Merchant]
):
    own, other = merchants
    csrf = login_as(client, "sup_hubin")
    headers = {"X-CSRF-Token": csrf}
    theirs = complaint_about(sync_engine, other)
    verdict = {"status": "verified", "note": "现场核实属实"}
    refused = client.post(f"/api/v1/complaints/{theirs.id}/outcome", json=verdict, headers=headers)
    unknown = client.post(f"/api/v1/complaints/{UNKNOWN}/outcome", json=verdict, headers=headers)
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()
    with Session(sync_engine) as session:
        assert session.get(Merchant, other.id).colour == "green"
        after = session.get(Complaint, theirs.id)
        assert (after.status, after.handled_by, after.outcome_note) == ("received", None, "")

    mine = complaint_about(sync_engine, own)
    settled = client.post(f"/api/v1/complaints/{mine.id}/outcome", json=verdict, headers=headers)
    assert settled.status_code == 200, settled.text
    with Session(sync_engine) as session:
        assert session.get(Merchant, own.id).colour == "yellow"


def test_a_district_supervisor_still_handles_every_streets_complaints(
    client: TestClient, sync_engine: Engine, merchants: tuple[Merchant, Merchant]
):
    own, other = merchants
    csrf = login_as(client, "sup_district")
    listed = client.get("/api/v1/complaints").json()
    assert {c["merchant_id"] for c in listed} == {str(own.id), str(other.id)}
    theirs = complaint_about(sync_engine, other)
    assert client.get(f"/api/v1/complaints/{theirs.id}/photo").status_code == 200
    settled = client.post(
        f"/api/v1/complaints/{theirs.id}/outcome",
        json={"status": "verified"},
        headers={"X-CSRF-Token": csrf},
    )
    assert settled.status_code == 200, settled.text
    with Session(sync_engine) as session:
        assert session.get(Merchant, other.id).colour == "yellow"
