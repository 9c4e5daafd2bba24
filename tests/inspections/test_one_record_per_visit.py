"""A visit holds one inspection: a second real record is refused, 未遇 records may repeat."""

from sqlalchemy import func
from sqlmodel import Session, select

from server.colour.models import ColourEvent
from server.inspections import validate
from server.inspections.models import Inspection
from server.inspections.record_models import InspectionRecord
from server.rectifications.models import RectificationOrder
from tests.evidence.tus import jpeg, upload_whole
from tests.inspections.conftest import record_body
from tests.support.app import login_as


def _post(client, csrf, body):
    return client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})


def _counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in (Inspection, InspectionRecord, RectificationOrder, ColourEvent)
        }


def test_a_second_record_for_a_recorded_visit_is_409_naming_the_first(
    client, sync_engine, today_route
):
    csrf = login_as(client, "insp-a")
    body = record_body(today_route)
    first = _post(client, csrf, body)
    assert first.status_code == 201, first.text
    code = first.json()["action_code"]
    before = _counts(sync_engine)
    assert before["RectificationOrder"] == 1

    second = _post(client, csrf, record_body(today_route, summary="另一部手机上的记录"))
    assert second.status_code == 409, second.text
    assert code in second.json()["detail"] and "无需再次提交" in second.json()["detail"]
    assert second.json()["action_code"] == code  # for the phone to show and settle on
    assert _counts(sync_engine) == before

    # The first record itself, sent again, is still a success; changed, still a conflict.
    again = _post(client, csrf, body)
    assert again.status_code == 200 and again.json()["action_code"] == code
    changed = _post(client, csrf, {**body, "summary": "改了"})
    assert changed.status_code == 409 and "不同的内容" in changed.json()["detail"]
    assert _counts(sync_engine) == before


def test_a_refused_record_is_checked_before_the_visit_is(client, sync_engine, today_route):
    csrf = login_as(client, "insp-a")
    assert _post(client, csrf, record_body(today_route)).status_code == 201
    unsigned = record_body(today_route, signatures={"officers": {}})
    assert _post(client, csrf, unsigned).status_code == 422
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    outsider = login_as(client, "insp-c")
    assert _post(client, outsider, record_body(today_route)).status_code == 403


def test_a_closed_shop_then_the_inspection_later_that_day_are_both_kept(
    client, sync_engine, today_route
):
    csrf = login_as(client, "insp-a")
    _, path = upload_whole(client, csrf, jpeg())
    photo = client.get(path).json()["evidence_id"]
    for _ in range(2):  # found closed twice before the shop opened
        closed = record_body(
            today_route, presence={"method": "closed"}, findings=[], evidence=[photo]
        )
        response = _post(client, csrf, closed)
        assert response.status_code == 201 and response.json()["result"] == "absent"
    real = _post(client, csrf, record_body(today_route))
    assert real.status_code == 201, real.text
    assert real.json()["result"] == "rectify"
    with Session(sync_engine) as session:
        presences = sorted(session.exec(select(InspectionRecord.presence)).all())
    assert presences == ["closed", "closed", "qr"]


def test_two_records_racing_for_one_visit_leave_one(client, sync_engine, today_route, monkeypatch):
    csrf = login_as(client, "insp-a")
    first = _post(client, csrf, record_body(today_route))
    assert first.status_code == 201
    before = _counts(sync_engine)
    # The loser of a race read the visit before the winner committed: the index stops its
    # write and the retry finds the winner.
    real, calls = validate.recorded_code, []

    def read_before_the_winner(session, key):
        calls.append(key)
        return None if len(calls) == 1 else real(session, key)

    monkeypatch.setattr(validate, "recorded_code", read_before_the_winner)
    loser = _post(client, csrf, record_body(today_route))
    assert len(calls) == 2
    assert loser.status_code == 409 and first.json()["action_code"] in loser.json()["detail"]
    assert _counts(sync_engine) == before
