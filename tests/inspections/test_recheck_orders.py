"""A re-check (复查) that finds an order's item put right verifies the order on the visit's day,
so that visit can improve the merchant's colour; an item failing again leaves it open."""

import uuid
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, col, select, update

from server.app import create_app
from server.core.clock import local_today
from server.merchants.models import Merchant
from server.rectifications.models import RectificationOrder
from tests.inspections.conftest import another_visit, make_day, record_body
from tests.support.app import login_as, with_settings


def _post(client, body):
    csrf = login_as(client, "insp-a")
    response = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    return response.json()


def _all_pass(day, **changes):
    findings = [{"item": f"T-{n}", "outcome": "pass"} for n in ("licence", "hygiene", "signage")]
    return record_body(day, findings=findings, **changes)


def _orders(engine) -> list[RectificationOrder]:
    with Session(engine) as session:
        return list(session.exec(select(RectificationOrder).order_by(RectificationOrder.issued_on)))


@pytest.mark.parametrize("outcome", ["pass", "na"])
def test_a_recheck_finding_the_item_fine_verifies_the_order_and_turns_red_to_yellow(
    client, sync_engine, outcome
):
    today = local_today()
    first = make_day(sync_engine, on=today - timedelta(days=14))
    assert _post(client, record_body(first))["merchant"]["colour"] == "red"
    with Session(sync_engine) as session:  # the nightly run found the deadline passed
        session.exec(update(RectificationOrder).values(status="overdue"))
        session.commit()

    recheck = another_visit(sync_engine, first, today)
    body = _all_pass(recheck)
    body["findings"][0]["outcome"] = outcome
    stored = _post(client, body)

    [order] = _orders(sync_engine)
    assert (order.status, order.verified_on) == ("verified", today)
    assert order.verify_inspection_id == uuid.UUID(stored["id"])
    assert order.verified_by == first.officers[0].id
    assert stored["merchant"]["colour"] == "yellow"  # one step, as the policy says


def test_a_recheck_failing_the_item_again_leaves_the_order_open(client, sync_engine):
    today = local_today()
    first = make_day(sync_engine, on=today - timedelta(days=14))
    issued = _post(client, record_body(first))["orders"][0]["id"]

    recheck = another_visit(sync_engine, first, today)
    stored = _post(client, record_body(recheck))

    earlier = next(o for o in _orders(sync_engine) if str(o.id) == issued)
    assert (earlier.status, earlier.verified_on) == ("open", None)
    assert [o["id"] for o in stored["orders"]] != [issued]  # the re-check issued its own
    assert stored["merchant"]["colour"] == "red"


def test_a_yellow_merchant_goes_green_when_the_policy_allows_it_at_once(
    settings, sync_engine, tmp_path
):
    policy = tmp_path / "policy.yaml"
    policy.write_text("improvement: {green_after_months: 0}\n")
    today = local_today()
    first = make_day(sync_engine, on=today - timedelta(days=14))
    minor = record_body(first)
    minor["findings"][0] = {"item": "T-licence", "outcome": "pass"}
    minor["findings"][1] = {
        "item": "T-hygiene",
        "outcome": "fail",
        "deadline": (first.day + timedelta(days=7)).isoformat(),
    }
    with TestClient(create_app(with_settings(settings, policy_file=str(policy)))) as client:
        assert _post(client, minor)["merchant"]["colour"] == "yellow"  # an open order
        stored = _post(client, _all_pass(another_visit(sync_engine, first, today)))
    assert stored["merchant"]["colour"] == "green"
    [order] = _orders(sync_engine)
    assert order.status == "verified"


def test_an_order_for_a_whole_visit_is_verified_once_every_item_it_covers_is_fine(
    client, sync_engine
):
    """Orders made before orders named their item (and the demo's) cover their visit."""
    today = local_today()
    first = make_day(sync_engine, on=today - timedelta(days=14))
    body = record_body(first)
    body["findings"][1] = {**body["findings"][0], "item": "T-hygiene"}
    _post(client, body)
    with Session(sync_engine) as session:
        session.exec(update(RectificationOrder).values(check_item_id=None))
        session.commit()
    old = {o.id for o in _orders(sync_engine)}
    assert len(old) == 2

    halfway = _all_pass(another_visit(sync_engine, first, today - timedelta(days=7)))
    halfway["findings"][1] = {
        "item": "T-hygiene",
        "outcome": "fail",
        "deadline": today.isoformat(),
    }
    _post(client, halfway)
    assert {o.status for o in _orders(sync_engine) if o.id in old} == {"open"}

    _post(client, _all_pass(another_visit(sync_engine, first, today)))
    with Session(sync_engine) as session:
        rows = session.exec(select(RectificationOrder.status, RectificationOrder.verified_on))
        assert set(rows) == {("verified", today)}
        merchant = session.exec(select(Merchant).where(col(Merchant.id) == first.merchant_id)).one()
    assert merchant.colour == "yellow"
