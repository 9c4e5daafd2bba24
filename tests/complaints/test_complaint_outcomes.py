"""A settled complaint stays settled, and a verification date must be a real one."""

from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.colour.models import ColourEvent
from server.complaints.models import Complaint
from server.core.clock import local_today
from server.merchants.models import Merchant
from tests.complaints.test_complaints import complain, complaints
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, make_catalogue


def _settle(client: TestClient, complaint_id, csrf: str, **body):
    return client.post(
        f"/api/v1/complaints/{complaint_id}/outcome", json=body, headers={"X-CSRF-Token": csrf}
    )


@pytest.fixture
def complained(client: TestClient, sync_engine: Engine):
    """A merchant, a complaint about it, and a district supervisor's CSRF token."""
    (merchant,) = make_merchants(sync_engine, 1)
    complain(client, merchant.qr_token)
    (stored,) = complaints(sync_engine)
    make_user(sync_engine, "sup", role="supervisor", street=None)
    return merchant, stored, login_as(client, "sup")


def test_a_settled_complaint_cannot_be_flipped(client: TestClient, sync_engine: Engine, complained):
    merchant, stored, csrf = complained
    assert _settle(client, stored.id, csrf, status="verified", note="属实").status_code == 200
    for status in ("unfounded", "closed", "planned"):
        refused = _settle(client, stored.id, csrf, status=status, note="改判")
        assert refused.status_code == 400 and "已办结" in refused.json()["detail"]
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "yellow"
        events = session.exec(select(ColourEvent).where(ColourEvent.merchant_id == merchant.id))
        assert len(events.all()) == 1


def test_a_verification_date_in_the_future_or_before_the_complaint_is_refused(
    client: TestClient, sync_engine: Engine, complained
):
    merchant, stored, csrf = complained
    for day in (local_today() + timedelta(days=1), local_today() - timedelta(days=30)):
        refused = _settle(client, stored.id, csrf, status="verified", verified_on=day.isoformat())
        assert refused.status_code == 400 and "核实日期" in refused.json()["detail"]
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "green"
    ok = _settle(client, stored.id, csrf, status="verified", verified_on=local_today().isoformat())
    assert ok.status_code == 200


def test_an_outcome_links_only_an_inspection_of_the_complaints_merchant(
    client: TestClient, sync_engine: Engine, complained
):
    merchant, stored, csrf = complained
    (other,) = make_merchants(sync_engine, 1, seed=9, name_prefix="隔壁店")
    catalogue = make_catalogue(sync_engine)
    theirs = add_inspection(sync_engine, catalogue, other.id, date(2030, 6, 3))
    ours = add_inspection(sync_engine, catalogue, merchant.id, date(2030, 6, 3))
    unknown = "00000000-0000-4000-8000-000000000000"
    for inspection_id in (str(theirs), unknown):
        refused = _settle(
            client, stored.id, csrf, status="planned", note="已安排", inspection_id=inspection_id
        )
        assert refused.status_code == 422 and "被投诉商户" in refused.json()["detail"]
    with Session(sync_engine) as session:
        kept = session.get(Complaint, stored.id)
        assert (kept.status, kept.inspection_id, kept.outcome_note) == ("received", None, "")
    linked = _settle(client, stored.id, csrf, status="planned", inspection_id=str(ours))
    assert linked.status_code == 200 and linked.json()["status"] == "planned"
    with Session(sync_engine) as session:
        assert session.get(Complaint, stored.id).inspection_id == ours
