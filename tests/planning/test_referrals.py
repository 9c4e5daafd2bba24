"""An accepted lead (线索) is a visit with the reason `referral`, carrying only its items and
never capped, until an inspection recorded after it was accepted has checked them."""

import uuid
from datetime import timedelta

import msgspec
from sqlmodel import Session, col, select

from server.cases.lead_models import Lead, LeadItem
from server.catalog.models import CheckItem, ScenarioItem
from server.core.clock import utcnow
from server.inspections.models import Finding, Inspection
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Street
from server.planning.due import referral_visits
from server.planning.read import plan_document
from server.planning.service import build_plan
from server.policy.rules import DEFAULT_POLICY
from tests.planning.conftest import DAY, FAST, TODAY, inspected


def _quiet_merchant(session: Session) -> tuple[Merchant, Street]:
    qingbo = session.exec(select(Street).where(Street.code == "qingbo")).one()
    seen = inspected(session)
    merchant = next(
        m
        for m in session.exec(
            select(Merchant).where(Merchant.street_id == qingbo.id).order_by(Merchant.uscc)
        )
        if m.id not in seen and (m.next_due is None or m.next_due > DAY)
    )
    return merchant, qingbo


def _lead(session: Session, merchant: Merchant, street: Street) -> tuple[Lead, CheckItem]:
    item = session.exec(
        select(CheckItem)
        .join(ScenarioItem, col(ScenarioItem.check_item_id) == CheckItem.id)
        .join(MerchantScenario, col(MerchantScenario.scenario_id) == ScenarioItem.scenario_id)
        .where(MerchantScenario.merchant_id == merchant.id)
        .order_by(col(CheckItem.code))
    ).first()
    lead = Lead(
        action_code=f"XS{uuid.uuid4().hex[:16].upper()}",
        merchant_id=merchant.id,
        to_street_id=street.id,
        reason="市场监管局移交：群众举报",
        status="accepted",
        sent_on=TODAY,
        answered_on=TODAY,
        answered_at=utcnow(),
        visit_by=TODAY + timedelta(days=14),
    )
    session.add(lead)
    session.flush()
    session.add(LeadItem(lead_id=lead.id, check_item_id=item.id))
    return lead, item


def test_an_accepted_lead_is_planned_as_a_referral_of_its_items_only(district):
    with Session(district.engine, expire_on_commit=False) as session:
        merchant, qingbo = _quiet_merchant(session)
        _, item = _lead(session, merchant, qingbo)
        pending = Lead(
            action_code="XS-PENDING-0001",
            merchant_id=merchant.id,
            to_street_id=qingbo.id,
            reason="未接收的线索不进计划",
            sent_on=TODAY,
        )
        session.add(pending)
        session.commit()
    with Session(district.engine) as session:
        build_plan(session, DAY, settings=FAST, street="qingbo", today=TODAY)
        session.commit()
        doc = msgspec.to_builtins(plan_document(session, DAY))
    visits = {v["merchant_id"]: v for r in doc["routes"] for v in r["visits"]}
    visits |= {u["merchant_id"]: u for u in doc["unassigned"] if "reasons" in u}
    visit = visits[str(merchant.id)]
    assert visit["reasons"] == ["referral"]
    assert visit["items"] == [item.code]  # only the lead's items, not a full check


def test_an_inspection_after_acceptance_clears_the_referral(district):
    with Session(district.engine, expire_on_commit=False) as session:
        merchant, qingbo = _quiet_merchant(session)
        lead, item = _lead(session, merchant, qingbo)
        session.commit()
        [check] = [
            c
            for c in referral_visits(session, DAY, [qingbo.id], DEFAULT_POLICY)
            if c.merchant_id == merchant.id
        ]
        assert check.reason == "referral" and check.items == (item.id,)
        assert check.source_id == str(lead.id)
        visit = Inspection(
            id=uuid.uuid4(),
            merchant_id=merchant.id,
            visit_date=DAY - timedelta(days=1),
            result="pass",
            action_code=f"XZT{uuid.uuid4().hex[:12]}",
        )
        session.add(visit)
        session.flush()
        session.add(Finding(inspection_id=visit.id, check_item_id=item.id, outcome="pass"))
        session.commit()
        left = [
            c
            for c in referral_visits(session, DAY, [qingbo.id], DEFAULT_POLICY)
            if c.merchant_id == merchant.id
        ]
    assert left == []
