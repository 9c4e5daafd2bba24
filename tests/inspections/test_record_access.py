"""Who reads a stored inspection (the phone's view and the printed record with the merchant's
owner link): its officers and the supervisors of its merchant's street; another street's
supervisor is told it does not exist."""

import uuid
from datetime import UTC, date, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from server.inspections.models import InspectionOfficer
from server.public.owner import link_for_visit, visit_link_secret
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, make_catalogue

DAY = date(2030, 6, 3)
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
            now=datetime(2030, 6, 3, 3, tzinfo=UTC),
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
