"""Filing a case (立案) from an inspection's findings: the items it found failed, the summary,
the unit that will hold it and the inspection's officers, with the case's action code (AJ…).

A filing may carry its own id, made by the client: the same filing sent again (a phone's outbox
retrying after an answer it never received) answers the case already filed under that id, and
never files a second one. The function takes the caller's session and never commits.
"""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.auth.access import InspectionFacts, may_file_case, may_read_case
from server.cases.facts import case_facts
from server.cases.models import CaseItem, CaseOfficer, EnforcementCase
from server.cases.rules import ACTIVE_STATUSES, CASE_PREFIX
from server.cases.schemas import FileCaseBody
from server.cases.service import CaseRefused, add_step, enter
from server.cases.units import Unit, unit_of_user
from server.catalog.models import CheckItem
from server.core.clock import local_today
from server.core.codes import action_code
from server.core.i18n import t
from server.core.models import new_id
from server.core.principal import Principal
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User

__all__ = ["Filed", "file_case"]


@dataclass(frozen=True)
class Filed:
    case: EnforcementCase
    created: bool  # False: the filing was sent before, and this is the case it filed


def _filed_before(session: Session, principal: Principal, body: FileCaseBody) -> Filed | None:
    """The case a filing with this id made, if there is one: the same filing again answers it;
    an id that holds a case of another inspection, or one out of the caller's reach, is a 409
    naming the field."""
    if body.id is None:
        return None
    case = session.get(EnforcementCase, body.id)
    if case is None:
        return None
    if case.inspection_id != body.inspection_id or not may_read_case(
        principal, case_facts(session, case)
    ):
        raise CaseRefused(t("case.error.id_taken", id=body.id), 409, field="id")
    return Filed(case, False)


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


def file_case(session: Session, principal: Principal, actor: Actor, body: FileCaseBody) -> Filed:
    """立案: a case against the inspection's merchant for items it found failed, held by the
    filer's unit, with the inspection's officers, and its action code (AJ…); or, for a filing
    sent again under its id, the case it filed then."""
    if (before := _filed_before(session, principal, body)) is not None:
        return before
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
        id=body.id or new_id(),
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
    return Filed(case, True)
