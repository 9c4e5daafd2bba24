"""Filing a case (立案) from an inspection's findings, and the steps that carry only a note and
papers: investigate (调查), serve (送达), close (结案). Legal review and the decision are in
server/cases/review.py, transfers in server/cases/transfer.py; what a case looks like to its
readers in server/cases/queries.py.

Every function takes the caller's session and never commits; each act is one step of the
case's history and one row of the audit trail, with the actor.
"""

import uuid
from datetime import date

from sqlmodel import Session, col, select

from server.audit.service import Actor, record
from server.auth.access import InspectionFacts, may_file_case, may_handle_case, may_read_case
from server.cases.facts import case_facts
from server.cases.models import CaseItem, CaseOfficer, CaseStep, EnforcementCase
from server.cases.rules import ACTIVE_STATUSES, CASE_PREFIX, STAGE_DAYS, STEPS
from server.cases.schemas import FileCaseBody, StepBody
from server.cases.units import Unit, unit_of, unit_of_user
from server.catalog.models import CheckItem
from server.core.clock import local_today, utcnow
from server.core.codes import action_code
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal
from server.core.workdays import CALENDAR, CalendarNotCovered
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User

__all__ = [
    "CaseRefused",
    "add_step",
    "case_to_act_on",
    "deadline",
    "enter",
    "file_case",
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


def _inspection_facts(session: Session, inspection: Inspection) -> InspectionFacts:
    merchant = session.get(Merchant, inspection.merchant_id)
    officers = session.exec(
        select(InspectionOfficer.user_id).where(InspectionOfficer.inspection_id == inspection.id)
    )
    return InspectionFacts(merchant.street_id if merchant else None, frozenset(officers))


def _failed_items(session: Session, inspection: Inspection, codes: list[str]) -> list[CheckItem]:
    """The items named, each found failed by the inspection (else 422 naming it)."""
    failed = set(
        session.exec(
            select(Finding.check_item_id).where(
                Finding.inspection_id == inspection.id, Finding.outcome == "fail"
            )
        )
    )
    items = []
    for code in dict.fromkeys(c.strip() for c in codes):
        item = session.exec(select(CheckItem).where(CheckItem.code == code)).first()
        if item is None:
            raise CaseRefused(t("case.error.unknown_item", code=code), field="items")
        if item.id not in failed:
            raise CaseRefused(
                t(
                    "case.error.item_not_failed",
                    code=code,
                    title=item.title,
                    inspection=inspection.action_code,
                ),
                field="items",
            )
        items.append(item)
    return items


def _filing_unit(session: Session, principal: Principal, officers: list[uuid.UUID]) -> Unit:
    """The filer's unit; a filer of no unit (a district supervisor) files for the unit of the
    inspection's first officer who has one."""
    for user_id in [principal.id, *officers]:
        user = session.get(User, user_id)
        unit = unit_of_user(session, user) if user else None
        if unit is not None:
            return unit
    raise CaseRefused(t("case.error.no_unit"))


def _already_filed(session: Session, inspection: Inspection, items: list[CheckItem]) -> None:
    """An item of the inspection is in one active case at most (409 naming the case)."""
    found = session.exec(
        select(EnforcementCase.case_no)
        .join(CaseItem, col(CaseItem.case_id) == EnforcementCase.id)
        .where(
            EnforcementCase.inspection_id == inspection.id,
            col(EnforcementCase.status).in_(ACTIVE_STATUSES),
            col(CaseItem.check_item_id).in_([i.id for i in items]),
        )
    ).first()
    if found is not None:
        raise CaseRefused(t("case.error.already_filed", code=found), 409, action_code=found)


def file_case(
    session: Session, principal: Principal, actor: Actor, body: FileCaseBody
) -> EnforcementCase:
    """立案: a case against the inspection's merchant for items it found failed, held by the
    filer's unit, with the inspection's officers, and its action code (AJ…)."""
    inspection = session.get(Inspection, body.inspection_id)
    facts = _inspection_facts(session, inspection) if inspection else None
    if inspection is None or facts is None or not may_file_case(principal, facts):
        raise CaseRefused(t("case.error.inspection_not_found"), 404, field="inspection_id")
    items = _failed_items(session, inspection, body.items)
    _already_filed(session, inspection, items)
    officers = sorted(facts.officers)
    unit = _filing_unit(session, principal, officers)
    today = local_today()
    case = EnforcementCase(
        merchant_id=inspection.merchant_id,
        inspection_id=inspection.id,
        case_no=action_code(CASE_PREFIX, today),
        opened_on=today,
        summary=body.summary.strip(),
        opened_by=principal.id,
        holding_team_id=unit.team_id,
        holding_department_id=unit.department_id,
    )
    enter(case, "open", today)
    session.add(case)
    session.flush()
    session.add_all(CaseItem(case_id=case.id, check_item_id=i.id) for i in items)
    session.add_all(CaseOfficer(case_id=case.id, user_id=u) for u in officers)
    add_step(
        session,
        case,
        "file",
        actor,
        note=case.summary,
        documents=body.documents,
        detail={"unit": unit.code, "items": [i.code for i in items]},
    )
    return case
