"""线索: a department, or a street, passes a matter to a street for a visit — the merchant, the
items to check, the reason and what backs it. The lead takes an action code (XS…); the street
accepts it or returns it with its reasons, within working days; an accepted lead is a due visit
of its items (the planner's `referral`) until an inspection of the merchant has checked them.

Reads and the right to answer follow the cases' rules (server/auth/access.py): the sending unit
and the receiving street read it, the street's officers and supervisors answer it.
"""

import uuid
from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, select

from server.audit.service import Actor, record
from server.auth.access import CaseFacts, may_handle_case, may_read_case
from server.cases.lead_models import Lead, LeadItem
from server.cases.lead_schemas import LeadBody
from server.cases.rules import LEAD_ANSWER_DAYS, LEAD_PREFIX, LEAD_VISIT_DAYS
from server.cases.schemas import Answer
from server.cases.service import CaseRefused, deadline
from server.cases.units import unit_of_user
from server.catalog.models import CheckItem, ScenarioItem
from server.core.clock import as_utc, local_today, utcnow
from server.core.codes import action_code
from server.core.i18n import t
from server.core.principal import Principal
from server.inspections.models import Finding, Inspection
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Street, Team, User

__all__ = ["accept_lead", "lead_facts", "lead_to_read", "outstanding", "return_lead", "send_lead"]


def lead_facts(session: Session, lead: Lead) -> CaseFacts:
    streets = {lead.to_street_id}
    if lead.from_team_id is not None:
        team = session.get(Team, lead.from_team_id)
        if team is not None and team.street_id is not None:
            streets.add(team.street_id)
    teams = {lead.from_team_id} - {None}
    departments = {lead.from_department_id} - {None}
    return CaseFacts(frozenset(teams), frozenset(departments), frozenset(streets))  # type: ignore[arg-type]


def lead_to_read(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """The lead, if the principal may read it; else 404 as for an unknown one."""
    lead = session.get(Lead, lead_id)
    if lead is None or not may_read_case(principal, lead_facts(session, lead)):
        raise CaseRefused(t("lead.error.not_found"), 404)
    return lead


def _street(session: Session, raw: str) -> Street:
    code = raw.strip()
    found = session.exec(select(Street).where(Street.code == code)).first()
    found = found or session.exec(select(Street).where(Street.name == code)).first()
    if found is None:
        raise CaseRefused(t("lead.error.unknown_street", code=code), 422, field="to_street")
    return found


def _items(session: Session, merchant: Merchant, codes: list[str]) -> list[CheckItem]:
    """The items named, each one the merchant's scenarios carry (else no visit could check it)."""
    carried = set(
        session.exec(
            select(ScenarioItem.check_item_id)
            .join(MerchantScenario, col(MerchantScenario.scenario_id) == ScenarioItem.scenario_id)
            .where(MerchantScenario.merchant_id == merchant.id)
        )
    )
    items = []
    for code in dict.fromkeys(c.strip() for c in codes):
        item = session.exec(select(CheckItem).where(CheckItem.code == code)).first()
        if item is None:
            raise CaseRefused(t("lead.error.unknown_item", code=code), 422, field="items")
        if item.id not in carried:
            raise CaseRefused(
                t(
                    "lead.error.item_not_applicable",
                    code=code,
                    title=item.title,
                    merchant=merchant.name,
                ),
                422,
                field="items",
            )
        items.append(item)
    return items


def _audit(session: Session, lead: Lead, action: str, actor: Actor, note: str) -> None:
    record(
        session,
        action=f"lead.{action}",
        entity="lead",
        entity_id=lead.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"code": lead.action_code, "status": lead.status, "note": note[:500]},
    )


def send_lead(session: Session, principal: Principal, actor: Actor, body: LeadBody) -> Lead:
    """Pass a lead to a street: the merchant must be of that street, the items its own."""
    if principal.role not in ("admin", "supervisor", "inspector"):
        raise CaseRefused(t("auth.forbidden"), 403)
    merchant = session.get(Merchant, body.merchant_id)
    if merchant is None:
        raise CaseRefused(t("lead.error.merchant"), 422, field="merchant_id")
    street = _street(session, body.to_street)
    if merchant.street_id != street.id:
        home = session.get(Street, merchant.street_id)
        name = home.name if home else ""
        raise CaseRefused(
            t("lead.error.other_street", merchant=merchant.name, street=name, to=street.name),
            422,
            field="to_street",
        )
    items = _items(session, merchant, body.items)
    user = session.get(User, principal.id)
    unit = unit_of_user(session, user) if user else None
    if unit is None and principal.role == "inspector":
        raise CaseRefused(t("lead.error.not_sender"), 422)
    today = local_today()
    lead = Lead(
        action_code=action_code(LEAD_PREFIX, today),
        merchant_id=merchant.id,
        from_team_id=unit.team_id if unit else None,
        from_department_id=unit.department_id if unit else None,
        to_street_id=street.id,
        reason=body.reason.strip(),
        evidence=body.evidence.strip(),
        sent_on=today,
        sent_by=principal.id,
        due_on=deadline(today, LEAD_ANSWER_DAYS),
    )
    session.add(lead)
    session.flush()
    session.add_all(LeadItem(lead_id=lead.id, check_item_id=i.id) for i in items)
    _audit(session, lead, "send", actor, lead.reason)
    return lead


def _to_answer(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    lead = lead_to_read(session, principal, lead_id)
    if lead.status != "pending":
        raise CaseRefused(
            t(
                "lead.error.answered",
                code=lead.action_code,
                day=lead.answered_on.isoformat() if lead.answered_on else "",
                answer=t(f"lead.status.{lead.status}"),
            ),
            409,
        )
    if not may_handle_case(principal, None, None, lead.to_street_id):
        street = session.get(Street, lead.to_street_id)
        raise CaseRefused(t("lead.error.not_receiver", street=street.name if street else ""), 403)
    return lead


def accept_lead(
    session: Session, principal: Principal, actor: Actor, lead_id: uuid.UUID, body: Answer
) -> Lead:
    """The street takes the lead: a due visit of its items from today, by the visit deadline."""
    lead = _to_answer(session, principal, lead_id)
    today = local_today()
    lead.status, lead.answered_on, lead.answered_by = "accepted", today, principal.id
    lead.answered_at = utcnow()
    lead.answer_note = body.reason.strip()
    lead.visit_by = deadline(today, LEAD_VISIT_DAYS)
    session.add(lead)
    _audit(session, lead, "accept", actor, lead.answer_note)
    return lead


def return_lead(
    session: Session, principal: Principal, actor: Actor, lead_id: uuid.UUID, body: Answer
) -> Lead:
    """The street sends the lead back with its reasons."""
    reason = body.reason.strip()
    if not reason:
        raise CaseRefused(t("lead.error.return_reason"), 422, field="reason")
    lead = _to_answer(session, principal, lead_id)
    lead.status, lead.answered_on, lead.answered_by = "returned", local_today(), principal.id
    lead.answered_at = utcnow()
    lead.answer_note = reason
    session.add(lead)
    _audit(session, lead, "return", actor, reason)
    return lead


def outstanding(
    session: Session, leads: list[Lead], until: date | None = None
) -> dict[uuid.UUID, tuple[list[uuid.UUID], list[str]]]:
    """Per accepted lead, its items no inspection of the merchant recorded after it was accepted
    has checked (visits up to the day `until`), and the codes of the inspections that checked
    some."""
    accepted = [lead for lead in leads if lead.status == "accepted" and lead.answered_at]
    if not accepted:
        return {}
    wanted: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for lead_id, item_id in session.exec(
        select(LeadItem.lead_id, LeadItem.check_item_id).where(
            col(LeadItem.lead_id).in_([lead.id for lead in accepted])
        )
    ):
        wanted[lead_id].append(item_id)
    since = min(lead.answered_on for lead in accepted)  # type: ignore[type-var]
    checks = session.exec(
        select(
            Inspection.merchant_id,
            Inspection.created_at,
            Inspection.visit_date,
            Inspection.action_code,
            Finding.check_item_id,
        )
        .join(Finding, col(Finding.inspection_id) == Inspection.id)
        .where(col(Inspection.merchant_id).in_({lead.merchant_id for lead in accepted}))
        .where(Inspection.visit_date >= since, col(Finding.outcome).in_(("pass", "fail")))
    ).all()
    found = {}
    for lead in accepted:
        done = [
            (item, code)
            for merchant, at, day, code, item in checks
            if merchant == lead.merchant_id
            and as_utc(at) >= as_utc(lead.answered_at)  # type: ignore[arg-type]
            and (until is None or day <= until)
            and item in wanted[lead.id]
        ]
        checked = {item for item, _ in done}
        found[lead.id] = (
            [i for i in wanted[lead.id] if i not in checked],
            sorted({code for _, code in done}),
        )
    return found
