"""What the public action-code page (/v/{code}) shows of a case's acts: the filing (AJ), the
decision (CF 处罚, JQ 减轻处罚, BY 不予处罚) and each transfer (YS). Public fields only: the
merchant, the day, the state, the unit and the codes linked to it (一码关联).

Filing a case is no finding: until a decision is made, a case reads 案件办理中 and nothing that
says the merchant broke the law; its allegations (summary, items) are never shown here.
"""

import uuid
from typing import Any

from sqlmodel import Session, col, select

from server.cases.lead_models import Lead
from server.cases.models import CaseDecision, CaseTransfer, EnforcementCase
from server.cases.rules import CASE_PREFIX, DECISION_PREFIXES, LEAD_PREFIX, TRANSFER_PREFIX
from server.cases.units import unit_of
from server.catalog.measures import measure_name
from server.core.i18n import t
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import Street

__all__ = ["CASE_CODE_PREFIXES", "codes_of_inspection", "verify_case_code"]

CASE_CODE_PREFIXES = (CASE_PREFIX, TRANSFER_PREFIX, LEAD_PREFIX, *DECISION_PREFIXES.values())
_DECIDED = ("decided", "served", "closed")


def _merchant(session: Session, merchant_id: uuid.UUID) -> str:
    merchant = session.get(Merchant, merchant_id)
    return merchant.name if merchant else ""


def _link(kind: str, code: str) -> dict[str, str]:
    return {"kind": t(f"verify.kind.{kind}"), "code": code}


def _case_links(session: Session, case: EnforcementCase) -> list[dict[str, str]]:
    links = []
    if case.inspection_id is not None:
        inspection = session.get(Inspection, case.inspection_id)
        if inspection is not None:
            links.append(_link("inspection", inspection.action_code))
    links.append(_link("case", case.case_no))
    decision = session.exec(select(CaseDecision).where(CaseDecision.case_id == case.id)).first()
    if decision is not None:
        links.append(_link(f"decision_{decision.kind}", decision.action_code))
    return links


def _case_state(case: EnforcementCase) -> str:
    if case.status in _DECIDED:
        return t(f"verify.case.{case.status}")
    if case.status == "withdrawn":
        return t("verify.case.withdrawn")
    return t("verify.case.pending")


def _unit(session: Session, team_id: uuid.UUID | None, dept_id: uuid.UUID | None) -> str:
    unit = unit_of(session, team_id, dept_id)
    return unit.name if unit else ""


def _of_case(session: Session, case: EnforcementCase) -> dict[str, Any]:
    return {
        "code": case.case_no,
        "kind": t("verify.kind.case"),
        "merchant": _merchant(session, case.merchant_id),
        "day": case.opened_on.isoformat(),
        "state": _case_state(case),
        "unit": _unit(session, case.holding_team_id, case.holding_department_id),
        "notice": "" if case.status in _DECIDED else t("verify.case.notice"),
        "officers": [],
        "links": [link for link in _case_links(session, case) if link["code"] != case.case_no],
    }


def _of_decision(session: Session, row: CaseDecision) -> dict[str, Any]:
    case = session.get(EnforcementCase, row.case_id)
    measures = "、".join(measure_name(m) for m in row.measures)
    if row.amount_cents:
        measures += t("verify.decision.amount", amount=f"{row.amount_cents / 100:,.2f}")
    links = _case_links(session, case) if case else []
    return {
        "code": row.action_code,
        "kind": t(f"verify.kind.decision_{row.kind}"),
        "merchant": _merchant(session, case.merchant_id) if case else "",
        "day": row.decided_on.isoformat(),
        "state": t(f"verify.case.{case.status}") if case and case.status in _DECIDED else "",
        "measures": measures,
        "unit": _unit(session, row.holding_team_id, row.holding_department_id),
        "officers": [],
        "links": [link for link in links if link["code"] != row.action_code],
    }


def _of_transfer(session: Session, row: CaseTransfer) -> dict[str, Any]:
    case = session.get(EnforcementCase, row.case_id)
    return {
        "code": row.action_code,
        "kind": t("verify.kind.transfer"),
        "merchant": _merchant(session, case.merchant_id) if case else "",
        "day": row.sent_on.isoformat(),
        "state": t(f"case.transfer.{row.status}"),
        "unit": _unit(session, row.from_team_id, row.from_department_id),
        "to_unit": _unit(session, row.to_team_id, row.to_department_id),
        "answer_by": row.due_on.isoformat() if row.due_on and row.status == "pending" else None,
        "officers": [],
        "links": [_link("case", case.case_no)] if case else [],
    }


def _of_lead(session: Session, row: Lead) -> dict[str, Any]:
    """A lead's public fields: who passed it to which street, when, and where it stands; never
    its reasons or evidence."""
    street = session.exec(select(Street.name).where(Street.id == row.to_street_id)).first()
    return {
        "code": row.action_code,
        "kind": t("verify.kind.lead"),
        "merchant": _merchant(session, row.merchant_id),
        "day": row.sent_on.isoformat(),
        "state": t(f"lead.status.{row.status}"),
        "unit": _unit(session, row.from_team_id, row.from_department_id) or t("lead.district"),
        "to_unit": street or "",
        "answer_by": row.due_on.isoformat() if row.due_on and row.status == "pending" else None,
        "officers": [],
        "links": [],
    }


def verify_case_code(session: Session, code: str) -> dict[str, Any] | None:
    """The public view of a case's act by its code, or None for a code no act has."""
    case = session.exec(select(EnforcementCase).where(EnforcementCase.case_no == code)).first()
    if case is not None:
        return _of_case(session, case)
    decision = session.exec(select(CaseDecision).where(CaseDecision.action_code == code)).first()
    if decision is not None:
        return _of_decision(session, decision)
    transfer = session.exec(select(CaseTransfer).where(CaseTransfer.action_code == code)).first()
    if transfer is not None:
        return _of_transfer(session, transfer)
    lead = session.exec(select(Lead).where(Lead.action_code == code)).first()
    return _of_lead(session, lead) if lead is not None else None


def codes_of_inspection(session: Session, inspection_id: uuid.UUID) -> list[dict[str, str]]:
    """The codes of the cases filed from an inspection and of their decisions."""
    links = []
    cases = session.exec(
        select(EnforcementCase)
        .where(EnforcementCase.inspection_id == inspection_id)
        .order_by(col(EnforcementCase.opened_on), col(EnforcementCase.case_no))
    )
    for case in cases:
        links += [
            link
            for link in _case_links(session, case)
            if link["kind"] != t("verify.kind.inspection")
        ]
    return links
