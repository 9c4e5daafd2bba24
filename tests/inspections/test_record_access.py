"""Who reads a stored inspection (the phone's view and the printed record with the merchant's
owner link): its officers and the supervisors of its merchant's street; another street's
supervisor is told it does not exist."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from server.inspections.models import InspectionOfficer
from server.merchants.owner_links import link_for_visit, visit_link_secret
from server.org.models import User
from tests.inspections.conftest import make_day, record_body
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, make_catalogue

DAY = date(2026, 12, 7)  # a Monday, a working day after the suite's today
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def visit(sync_engine: Engine, client: TestClient) -> uuid.UUID:
    """An inspection of a hubin shop by two hubin officers, with the owner link its papers carry."""
    officers = [make_user(sync_engine, name) for name in ("insp-a", "insp-b")]
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    make_user(sync_engine, "sup_qingbo", role="supervisor", street="qingbo")
    make_user(sync_engine, "sup_district", role="supervisor", street=None)
    (merchant,) = make_merchants(sync_engine, 1, street="hubin", name_prefix="湖滨面馆")
    inspection_id = add_inspection(sync_engine, make_catalogue(sync_engine), merchant.id, DAY)
    with Session(sync_engine) as session:
        session.add_all(
            InspectionOfficer(inspection_id=inspection_id, user_id=o.id) for o in officers
        )
        link_for_visit(
            session,
            merchant.id,
            inspection_id,
            secret_key=client.app.state.settings.secret_key,
            days=36500,
            issued_by=officers[0].id,
            now=datetime(2026, 12, 7, 3, tzinfo=UTC),
        )
        session.commit()
    return inspection_id


def test_another_streets_supervisor_reads_no_record_and_no_owner_link(
    client: TestClient, visit: uuid.UUID
):
    login_as(client, "sup_qingbo")
    for tail in ("", "/record"):
        refused = client.get(f"/api/v1/inspections/{visit}{tail}")
        unknown = client.get(f"/api/v1/inspections/{UNKNOWN}{tail}")
        assert refused.status_code == unknown.status_code == 404, tail
        assert refused.json() == unknown.json()
        assert "湖滨面馆" not in refused.text


@pytest.mark.parametrize("username", ["sup_hubin", "sup_district", "insp-a"])
def test_the_streets_supervisors_and_the_officers_read_it(
    client: TestClient, visit: uuid.UUID, username: str
):
    login_as(client, username)
    assert client.get(f"/api/v1/inspections/{visit}").json()["merchant"]["name"] == "湖滨面馆0000"
    printed = client.get(f"/api/v1/inspections/{visit}/record")
    assert printed.status_code == 200 and "湖滨面馆" in printed.text
    assert "商户专用查询码" in printed.text  # the owner link's QR is on the papers
    secret = visit_link_secret(client.app.state.settings.secret_key, visit)
    assert client.get(f"/m/o/{secret}").status_code == 200


def test_sending_a_stored_record_again_tells_only_its_officers_what_was_stored(
    client: TestClient, sync_engine: Engine
):
    day = make_day(sync_engine, "r-", on=DAY)
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    with Session(sync_engine) as session:  # certificates valid on the fixed day
        session.exec(update(User).values(cert_valid_from=date(2020, 1, 1), cert_valid_until=None))
        session.commit()
    start = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    body = record_body(
        day,
        started_at=start.isoformat(),
        finished_at=(start + timedelta(minutes=25)).isoformat(),
    )
    csrf = login_as(client, "r-insp-a")
    stored = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert stored.status_code == 201, stored.text
    code = stored.json()["action_code"]

    for outsider in ("r-insp-c", "sup_hubin"):  # not of the team: another's record, same body
        csrf = login_as(client, outsider)
        again = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
        assert again.status_code == 403, again.text
        assert code not in again.text and "老王面馆" not in again.text
    csrf = login_as(client, "r-insp-b")  # the partner's phone sends it too: told it is stored
    again = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 200 and again.json()["action_code"] == code
