"""What a case looks like to those who may read it, and the lists of cases: a unit's own, its
inbox (transfers awaiting it; for legal reviewers, what awaits review), by stage, overdue."""

import uuid
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from server.auth.access import may_read_case
from server.cases.facts import case_facts
from server.cases.models import (
    CaseDecision,
    CaseItem,
    CaseOfficer,
    CaseReview,
    CaseStep,
    CaseTransfer,
    EnforcementCase,
)
from server.cases.review import levels_needed
from server.cases.schemas import (
    CaseDecisionRead,
    CaseItemRead,
    CaseListRow,
    CaseRead,
    CaseStepRead,
    CaseTransferRead,
    ReviewRead,
)
from server.cases.service import stage_name
from server.cases.units import unit_of, units_of_principal
from server.catalog.models import CheckItem, Matter
from server.core.clock import local_today
from server.core.i18n import t
from server.core.principal import Principal
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import User

__all__ = ["CaseFilter", "list_cases", "read_case"]


def _unit_name(session: Session, team_id: uuid.UUID | None, dept_id: uuid.UUID | None) -> str:
    unit = unit_of(session, team_id, dept_id)
    return unit.name if unit else t("case.unit.none")


def _items(session: Session, case_id: uuid.UUID) -> list[CaseItemRead]:
    rows = session.exec(
        select(CheckItem, Matter)
        .join(CaseItem, col(CaseItem.check_item_id) == CheckItem.id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
        .where(CaseItem.case_id == case_id)
        .order_by(col(CheckItem.code))
    )
    return [
        CaseItemRead(i.code, i.title, m.code, m.name, list(m.reserved_measures or []))
        for i, m in rows
    ]


def _names(session: Session, ids: list[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(wanted)))}


def _decision(session: Session, case_id: uuid.UUID) -> CaseDecisionRead | None:
    row = session.exec(select(CaseDecision).where(CaseDecision.case_id == case_id)).first()
    if row is None:
        return None
    amount = None if row.amount_cents is None else row.amount_cents / 100
    return CaseDecisionRead(
        row.kind, row.action_code, list(row.measures), amount, row.decided_on, row.note
    )


def _transfers(session: Session, case_id: uuid.UUID) -> list[CaseTransferRead]:
    rows = session.exec(
        select(CaseTransfer)
        .where(CaseTransfer.case_id == case_id)
        .order_by(col(CaseTransfer.created_at))
    )
    return [
        CaseTransferRead(
            r.action_code,
            _unit_name(session, r.from_team_id, r.from_department_id),
            _unit_name(session, r.to_team_id, r.to_department_id),
            r.reason,
            list(r.documents),
            r.status,
            r.sent_on,
            r.due_on,
            r.answered_on,
            r.answer_note,
        )
        for r in rows
    ]


def read_case(session: Session, principal: Principal, case_id: uuid.UUID) -> CaseRead | None:
    """The case with its items, officers, history, reviews, decision and transfers; None when
    it is unknown or out of the principal's reach."""
    case = session.get(EnforcementCase, case_id)
    if case is None or not may_read_case(principal, case_facts(session, case)):
        return None
    merchant = session.get(Merchant, case.merchant_id)
    inspection = session.get(Inspection, case.inspection_id) if case.inspection_id else None
    steps = list(
        session.exec(select(CaseStep).where(CaseStep.case_id == case.id).order_by(col(CaseStep.at)))
    )
    reviews = list(
        session.exec(
            select(CaseReview).where(CaseReview.case_id == case.id).order_by(col(CaseReview.at))
        )
    )
    officers = list(session.exec(select(CaseOfficer.user_id).where(CaseOfficer.case_id == case.id)))
    names = _names(session, [r.reviewer_id for r in reviews] + officers)
    return CaseRead(
        id=case.id,
        action_code=case.case_no,
        status=case.status,
        stage=stage_name(case.status),
        summary=case.summary,
        opened_on=case.opened_on,
        due_on=case.due_on,
        overdue=case.due_on is not None and case.due_on < local_today(),
        merchant_id=case.merchant_id,
        merchant=merchant.name if merchant else "",
        inspection_id=case.inspection_id,
        inspection_code=inspection.action_code if inspection else None,
        holding_unit=_unit_name(session, case.holding_team_id, case.holding_department_id),
        officers=sorted(names[u] for u in officers if u in names),
        items=_items(session, case.id),
        proposal=case.proposal,
        reviews_needed=levels_needed(case.proposal),
        review_round=case.review_round,
        steps=[
            CaseStepRead(s.step, s.status, s.actor_name, s.at, s.note, list(s.documents), s.due_on)
            for s in steps
        ],
        reviews=[
            ReviewRead(r.round, r.level, names.get(r.reviewer_id, ""), r.verdict, r.note, r.at)
            for r in reviews
        ],
        decision=_decision(session, case.id),
        transfers=_transfers(session, case.id),
    )


@dataclass(frozen=True)
class CaseFilter:
    inbox: bool = False  # transfers awaiting the user's unit; legal reviewers: cases in review
    mine: bool = False  # held by the user's unit
    status: str | None = None
    overdue: bool = False
    limit: int = 200


def _unit_clause(session: Session, principal: Principal, inbox: bool):
    """Rows of the user's units: a pending transfer's receiver (inbox) or the case's holder."""
    units = units_of_principal(session, principal)
    team_col = CaseTransfer.to_team_id if inbox else EnforcementCase.holding_team_id
    dept_col = CaseTransfer.to_department_id if inbox else EnforcementCase.holding_department_id
    parts = []
    for column, ids in ((team_col, units.teams), (dept_col, units.departments)):
        if ids is None:
            parts.append(col(column).is_not(None))
        elif ids:
            parts.append(col(column).in_(ids))
    return or_(*parts) if parts else None


def list_cases(session: Session, principal: Principal, wanted: CaseFilter) -> list[CaseListRow]:
    """The cases the principal may read that the filter keeps, soonest deadline first."""
    query = select(EnforcementCase, Merchant.name).join(
        Merchant, col(Merchant.id) == EnforcementCase.merchant_id
    )
    awaiting: dict[uuid.UUID, str] = {}
    if wanted.inbox and principal.role == "legal":
        query = query.where(EnforcementCase.status == "review")
    elif wanted.inbox:
        clause = _unit_clause(session, principal, inbox=True)
        if clause is None:
            return []
        pending = session.exec(
            select(CaseTransfer).where(CaseTransfer.status == "pending", clause)
        ).all()
        awaiting = {p.case_id: p.action_code for p in pending}
        query = query.where(col(EnforcementCase.id).in_(list(awaiting)))
    if wanted.mine:
        clause = _unit_clause(session, principal, inbox=False)
        if clause is None:
            return []
        query = query.where(clause)
    if wanted.status:
        query = query.where(EnforcementCase.status == wanted.status)
    today = local_today()
    if wanted.overdue:
        query = query.where(col(EnforcementCase.due_on) < today)
    query = query.order_by(col(EnforcementCase.due_on).is_(None), col(EnforcementCase.due_on))
    rows = []
    for case, merchant in session.exec(query):
        if not may_read_case(principal, case_facts(session, case)):
            continue
        rows.append(
            CaseListRow(
                id=case.id,
                action_code=case.case_no,
                status=case.status,
                stage=stage_name(case.status),
                merchant=merchant,
                holding_unit=_unit_name(session, case.holding_team_id, case.holding_department_id),
                opened_on=case.opened_on,
                due_on=case.due_on,
                overdue=case.due_on is not None and case.due_on < today,
                awaiting=awaiting.get(case.id),
            )
        )
        if len(rows) >= wanted.limit:
            break
    return rows
