"""移送: a case sent from its holding unit to another (a street's team to a department at
district level, when a matter's measure is reserved to the district, or to the department a
matter belongs to), with reasons and the papers; the receiving unit accepts it, and holds it
from then on, or returns it with its reasons, and the case goes back to the sender as it was.
Each transfer carries its own action code (YS…); both sides keep seeing the case and its
history.
"""

import uuid

from sqlmodel import Session, select

from server.audit.service import Actor
from server.auth.access import may_handle_case
from server.cases.models import CaseTransfer, EnforcementCase
from server.cases.rules import TRANSFER_ANSWER_DAYS, TRANSFER_FROM, TRANSFER_PREFIX
from server.cases.schemas import Answer, TransferBody
from server.cases.service import (
    CaseRefused,
    add_step,
    case_to_act_on,
    deadline,
    enter,
    holder,
    stage_name,
)
from server.cases.units import find_unit, unit_of
from server.core.clock import local_today
from server.core.codes import action_code
from server.core.i18n import t
from server.core.principal import Principal

__all__ = ["accept_transfer", "pending_transfer", "return_transfer", "transfer_case"]


def pending_transfer(session: Session, case_id: uuid.UUID) -> CaseTransfer | None:
    return session.exec(
        select(CaseTransfer).where(
            CaseTransfer.case_id == case_id, CaseTransfer.status == "pending"
        )
    ).first()


def transfer_case(
    session: Session, principal: Principal, actor: Actor, case_id: uuid.UUID, body: TransferBody
) -> CaseTransfer:
    """Send the case to the unit `to_unit` names (a team's or a department's code)."""
    case = case_to_act_on(session, principal, case_id)
    if case.status == "transferred":
        raise CaseRefused(t("case.error.transfer_pending"), 409)
    if case.status not in TRANSFER_FROM:
        raise CaseRefused(t("case.error.transfer_stage", stage=stage_name(case.status)), 409)
    code = body.to_unit.strip()
    target = find_unit(session, code)
    if target is None:
        raise CaseRefused(t("case.error.unknown_unit", code=code), 422, field="to_unit")
    sender = holder(session, case)
    if sender is not None and (sender.team_id, sender.department_id) == (
        target.team_id,
        target.department_id,
    ):
        raise CaseRefused(t("case.error.transfer_to_self", unit=target.name), 422, field="to_unit")
    today = local_today()
    row = CaseTransfer(
        case_id=case.id,
        action_code=action_code(TRANSFER_PREFIX, today),
        from_team_id=case.holding_team_id,
        from_department_id=case.holding_department_id,
        to_team_id=target.team_id,
        to_department_id=target.department_id,
        reason=body.reason.strip(),
        documents=list(body.documents),
        status_before=case.status,
        sent_on=today,
        sent_by=principal.id,
        due_on=deadline(today, TRANSFER_ANSWER_DAYS),
    )
    session.add(row)
    case.status, case.stage_since, case.due_on = "transferred", today, row.due_on
    session.add(case)
    add_step(
        session,
        case,
        "transfer",
        actor,
        note=row.reason,
        documents=row.documents,
        detail={"transfer": row.action_code, "to": target.code},
    )
    return row


def _to_answer(
    session: Session, principal: Principal, case_id: uuid.UUID
) -> tuple[EnforcementCase, CaseTransfer]:
    """The case and its transfer awaiting an answer from a unit the principal acts for; a
    transfer already answered is 409 saying how and when."""
    case = case_to_act_on(session, principal, case_id, by_holder=False)
    row = pending_transfer(session, case.id)
    if row is None:
        last = session.exec(
            select(CaseTransfer)
            .where(CaseTransfer.case_id == case.id)
            .order_by(CaseTransfer.created_at.desc())  # type: ignore[attr-defined]
        ).first()
        if last is None:
            raise CaseRefused(t("case.error.no_transfer"), 409)
        raise CaseRefused(
            t(
                "case.error.transfer_answered",
                code=last.action_code,
                answer=t(f"case.transfer.{last.status}"),
                day=last.answered_on.isoformat() if last.answered_on else "",
            ),
            409,
        )
    receiver = unit_of(session, row.to_team_id, row.to_department_id)
    street = receiver.street_id if receiver else None
    if not may_handle_case(principal, row.to_team_id, row.to_department_id, street):
        name = receiver.name if receiver else ""
        raise CaseRefused(t("case.error.not_receiver", unit=name), 403)
    return case, row


def accept_transfer(
    session: Session, principal: Principal, actor: Actor, case_id: uuid.UUID, body: Answer
) -> CaseTransfer:
    """The receiving unit takes the case: it holds it now and investigates it afresh (a
    proposal made by the sender is not theirs to decide)."""
    case, row = _to_answer(session, principal, case_id)
    today = local_today()
    row.status, row.answered_on, row.answered_by = "accepted", today, principal.id
    row.answer_note = body.reason.strip()
    case.holding_team_id, case.holding_department_id = row.to_team_id, row.to_department_id
    case.proposal = None
    enter(case, "investigating", today)
    session.add_all([row, case])
    add_step(
        session, case, "accept", actor, note=row.answer_note, detail={"transfer": row.action_code}
    )
    return row


def return_transfer(
    session: Session, principal: Principal, actor: Actor, case_id: uuid.UUID, body: Answer
) -> CaseTransfer:
    """The receiving unit sends the case back with its reasons: the sender holds it again at
    the stage it was sent from."""
    reason = body.reason.strip()
    if not reason:
        raise CaseRefused(t("case.error.return_transfer_reason"), 422, field="reason")
    case, row = _to_answer(session, principal, case_id)
    today = local_today()
    row.status, row.answered_on, row.answered_by = "returned", today, principal.id
    row.answer_note = reason
    enter(case, row.status_before, today)
    session.add_all([row, case])
    add_step(
        session, case, "transfer_return", actor, note=reason, detail={"transfer": row.action_code}
    )
    return row
