"""Complaints, re-checks after rectification deadlines and re-rating requests become visits,
and the frequency caps never hold them back."""

import uuid
from datetime import timedelta

import msgspec
from sqlmodel import Session, col, select

from server.catalog.models import CheckItem, ScenarioItem
from server.colour.models import ReratingRequest
from server.complaints.models import Complaint
from server.inspections.models import Finding, Inspection
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Street
from server.planning.read import plan_document
from server.planning.service import build_plan
from server.rectifications.models import RectificationOrder
from tests.planning.conftest import DAY, FAST, TODAY, inspected


def _inspect(session: Session, merchant: Merchant, day, outcome: str = "pass") -> Inspection:
    inspection = Inspection(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        visit_date=day,
        result="pass" if outcome == "pass" else "rectify",
        action_code=f"XZS{uuid.uuid4().hex[:12]}",
    )
    session.add(inspection)
    session.flush()
    items = session.exec(
        select(CheckItem.id)
        .join(ScenarioItem, col(ScenarioItem.check_item_id) == CheckItem.id)
        .join(MerchantScenario, col(MerchantScenario.scenario_id) == ScenarioItem.scenario_id)
        .where(MerchantScenario.merchant_id == merchant.id)
    ).all()
    session.add_all(
        Finding(inspection_id=inspection.id, check_item_id=i, outcome=outcome) for i in items
    )
    return inspection


def test_complaints_rechecks_and_reratings_are_planned_and_exempt_from_caps(district):
    with Session(district.engine, expire_on_commit=False) as session:
        qingbo = session.exec(select(Street).where(Street.code == "qingbo")).one()
        seen = inspected(session)
        quiet = [
            m
            for m in session.exec(
                select(Merchant).where(Merchant.street_id == qingbo.id).order_by(Merchant.uscc)
            )
            if m.id not in seen and (m.next_due is None or m.next_due > DAY)
        ][:3]
        complained, ordered, rerated = quiet
        for n in range(2):  # every department has had its two visits this year
            _inspect(session, complained, DAY - timedelta(days=3 + n))
        failed = _inspect(session, ordered, DAY - timedelta(days=40), outcome="fail")
        session.add(Complaint(tracking_no="TS0001", merchant_id=complained.id, text="油烟扰民"))
        session.add(
            RectificationOrder(
                merchant_id=ordered.id,
                inspection_id=failed.id,
                issued_on=DAY - timedelta(days=40),
                deadline=DAY - timedelta(days=10),
            )
        )
        session.add(ReratingRequest(merchant_id=rerated.id, requested_on=TODAY))
        session.commit()
    with Session(district.engine) as session:
        build_plan(session, DAY, settings=FAST, street="qingbo", today=TODAY)
        session.commit()
        doc = msgspec.to_builtins(plan_document(session, DAY))
    visits = {v["merchant_id"]: v for r in doc["routes"] for v in r["visits"]}
    visits |= {u["merchant_id"]: u for u in doc["unassigned"] if "reasons" in u}
    assert "complaint" in visits[str(complained.id)]["reasons"]
    assert visits[str(complained.id)]["departments"], "complaints are exempt from the caps"
    assert visits[str(ordered.id)]["reasons"] == ["reinspection"]
    assert visits[str(rerated.id)]["reasons"] == ["rerating"]
