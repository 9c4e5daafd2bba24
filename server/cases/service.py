"""What every act on a case shares (its holder, its stages and deadlines, one step of its
history), and the steps that carry only a note and papers: investigate (调查), serve (送达),
close (结案). Filing (立案) is in server/cases/filing.py, legal review and the decision in
server/cases/review.py, transfers in server/cases/transfer.py; what a case looks like to its
readers in server/cases/queries.py.

Every function takes the caller's session and never commits; each act is one step of the
case's history and one row of the audit trail, with the actor.
"""

import uuid
from datetime import date

from sqlmodel import Session

from server.audit.service import Actor, record
from server.auth.access import may_handle_case, may_read_case
from server.cases.facts import case_facts
from server.cases.models import CaseStep, EnforcementCase
from server.cases.rules import STAGE_DAYS, STEPS
from server.cases.schemas import StepBody
from server.cases.units import Unit, unit_of
from server.core.clock import local_today, utcnow
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal
from server.core.workdays import CALENDAR, CalendarNotCovered

__all__ = [
    "CaseRefused",
    "add_step",
    "case_to_act_on",
    "deadline",
    "enter",
    "holder",
    "out_of_order",
    "stage_name",
    "take_step",
]


class CaseRefused(DomainError):
    """A case act refused, with the reason a person can act on."""


def stage_name(status: str) -> str:
    return t(f"case.status.{status}")


def deadline(day: date, working_days: int) -> date | None:
    """`working_days` working days after `day`; none while the district's calendar does not hold
    the year it falls in (a deadline is never guessed, and the act is not held up for it: the
    case shows no deadline until the year's calendar is loaded and the next step counts one)."""
    try:
        return CALENDAR.add(day, working_days)
    except CalendarNotCovered:
        return None


def enter(case: EnforcementCase, status: str, day: date) -> None:
    """The case enters a stage today: its deadline is the stage's working days on (none for a
    stage without one)."""
    case.status, case.stage_since = status, day
    days = STAGE_DAYS.get(status)
    case.due_on = deadline(day, days) if days is not None else None


def add_step(
    session: Session,
    case: EnforcementCase,
    step: str,
    actor: Actor,
    *,
    note: str = "",
    documents: list[str] | None = None,
    detail: dict | None = None,
) -> CaseStep:
    """One act of the case's history, and its row in the audit trail."""
    row = CaseStep(
        case_id=case.id,
        step=step,
        status=case.status,
        actor_id=actor.id,
        actor_name=actor.name[:64],
        at=utcnow(),
        day=local_today(),
        note=note,
        documents=list(documents or []),
        due_on=case.due_on,
    )
    session.add(row)
    record(
        session,
        action=f"case.{step}",
        entity="enforcement_case",
        entity_id=case.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"code": case.case_no, "status": case.status, "note": note[:500], **(detail or {})},
    )
    return row


def holder(session: Session, case: EnforcementCase) -> Unit | None:
    return unit_of(session, case.holding_team_id, case.holding_department_id)


def _missing() -> CaseRefused:
    return CaseRefused(t("case.error.not_found"), 404)


def case_to_act_on(
    session: Session, principal: Principal, case_id: uuid.UUID, *, by_holder: bool = True
) -> EnforcementCase:
    """The case, if the principal may read it (else 404) and, with `by_holder`, acts for its
    holding unit (else 403 naming the unit)."""
    case = session.get(EnforcementCase, case_id)
    if case is None or not may_read_case(principal, case_facts(session, case)):
        raise _missing()
    if by_holder:
        unit = holder(session, case)
        team, department, street = (
            (unit.team_id, unit.department_id, unit.street_id) if unit else (None, None, None)
        )
        if not may_handle_case(principal, team, department, street):
            name = unit.name if unit else t("case.unit.none")
            raise CaseRefused(t("case.error.not_holder", unit=name), 403)
    return case


def out_of_order(case: EnforcementCase, step: str) -> CaseRefused:
    """A step the case's stage does not allow: 409 naming the stage and what may come next."""
    nexts = [t(f"case.step.{name}") for name, (after, _) in STEPS.items() if case.status in after]
    return CaseRefused(
        t(
            "case.error.out_of_order",
            step=t(f"case.step.{step}"),
            stage=stage_name(case.status),
            next="、".join(nexts) or t("case.next.none"),
        ),
        409,
        stage=case.status,
    )


def take_step(
    session: Session, principal: Principal, actor: Actor, case_id: uuid.UUID, body: StepBody
) -> EnforcementCase:
    """Investigate (open → investigating), serve (decided → served) or close (served →
    closed), with a note and the papers."""
    case = case_to_act_on(session, principal, case_id)
    after, status = STEPS[body.step]
    if case.status not in after:
        raise out_of_order(case, body.step)
    today = local_today()
    enter(case, status, today)
    if status == "closed":
        case.closed_on = today
    session.add(case)
    add_step(session, case, body.step, actor, note=body.note, documents=body.documents)
    return case
