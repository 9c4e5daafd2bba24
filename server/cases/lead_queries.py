"""What a lead looks like to those who may read it, and the lists: a street's inbox (leads
awaiting its answer) and every lead within reach."""

import uuid

from sqlmodel import Session, col, select

from server.auth.access import may_read_case
from server.cases.lead_models import Lead, LeadItem
from server.cases.lead_schemas import LeadItemRead, LeadRead, LeadRow
from server.cases.leads import lead_facts, lead_to_read, outstanding
from server.cases.units import unit_of
from server.catalog.models import CheckItem
from server.core.clock import local_today
from server.core.i18n import t
from server.core.principal import Principal
from server.merchants.models import Merchant
from server.org.models import Street

__all__ = ["list_leads", "read_lead"]


def _from(session: Session, lead: Lead) -> str:
    unit = unit_of(session, lead.from_team_id, lead.from_department_id)
    return unit.name if unit else t("lead.district")


def _street(session: Session, street_id: uuid.UUID) -> str:
    street = session.get(Street, street_id)
    return street.name if street else ""


def _state(lead: Lead, open_items: list | None) -> str:
    if lead.status == "accepted" and open_items == []:
        return t("lead.status.done")
    return t(f"lead.status.{lead.status}")


def read_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> LeadRead:
    lead = lead_to_read(session, principal, lead_id)
    merchant = session.get(Merchant, lead.merchant_id)
    items = session.exec(
        select(CheckItem)
        .join(LeadItem, col(LeadItem.check_item_id) == CheckItem.id)
        .where(LeadItem.lead_id == lead.id)
        .order_by(col(CheckItem.code))
    ).all()
    codes = {i.id: i.code for i in items}
    left, checked_by = outstanding(session, [lead]).get(lead.id, (None, []))
    return LeadRead(
        id=lead.id,
        action_code=lead.action_code,
        status=lead.status,
        state=_state(lead, left),
        merchant_id=lead.merchant_id,
        merchant=merchant.name if merchant else "",
        from_unit=_from(session, lead),
        to_street=_street(session, lead.to_street_id),
        items=[LeadItemRead(i.code, i.title) for i in items],
        reason=lead.reason,
        evidence=lead.evidence,
        sent_on=lead.sent_on,
        due_on=lead.due_on,
        answered_on=lead.answered_on,
        answer=lead.answer_note,
        visit_by=lead.visit_by,
        open_items=sorted(codes[i] for i in left) if left is not None else sorted(codes.values()),
        checked_by=checked_by,
    )


def list_leads(
    session: Session, principal: Principal, inbox: bool, limit: int = 200
) -> list[LeadRow]:
    """The leads the principal may read, newest first; `inbox`: those awaiting the answer of a
    street the principal answers for (a street's staff their street; district supervisors and
    administrators every street)."""
    query = select(Lead, Merchant.name).join(Merchant, col(Merchant.id) == Lead.merchant_id)
    if inbox:
        query = query.where(Lead.status == "pending")
        if principal.role != "admin" and principal.street_id is not None:
            query = query.where(Lead.to_street_id == principal.street_id)
        elif principal.role not in ("admin", "supervisor"):
            return []
    query = query.order_by(col(Lead.sent_on).desc(), col(Lead.action_code))
    today = local_today()
    rows = []
    for lead, merchant in session.exec(query):
        if not may_read_case(principal, lead_facts(session, lead)):
            continue
        rows.append(
            LeadRow(
                id=lead.id,
                action_code=lead.action_code,
                status=lead.status,
                state=t(f"lead.status.{lead.status}"),
                merchant=merchant,
                from_unit=_from(session, lead),
                to_street=_street(session, lead.to_street_id),
                sent_on=lead.sent_on,
                due_on=lead.due_on if lead.status == "pending" else lead.visit_by,
                overdue=lead.status == "pending"
                and lead.due_on is not None
                and lead.due_on < today,
            )
        )
        if len(rows) >= limit:
            break
    return rows
