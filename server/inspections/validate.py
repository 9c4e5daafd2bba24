"""Check an inspection record against its visit: who may send it and what it must hold."""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.catalog.models import CheckItem
from server.core.clock import as_utc, district_timezone
from server.core.i18n import t
from server.evidence.models import Evidence
from server.inspections.models import Inspection
from server.inspections.payload import InspectionIn, RecordError, attending
from server.inspections.record_models import InspectionRecord
from server.inspections.signature import Verdicts, is_signed, signature_problem
from server.merchants.models import Merchant
from server.org.models import User
from server.planning.models import JointVisit, Plan, RouteOfficer, VisitItem
from server.policy.rules import LEGAL_MIN_OFFICERS

__all__ = [
    "CLOCK_TOLERANCE",
    "Checked",
    "check_record",
    "find_visit",
    "recorded_code",
    "signatures_to_check",
]

CLOCK_TOLERANCE = timedelta(minutes=5)
UNCHECKED = ("closed", "obstructed")
LONGEST_VISIT = timedelta(hours=12)


@dataclass
class Checked:
    """A record that passed: its visit, plan, merchant, checklist and what to review."""

    visit: JointVisit
    plan: Plan
    merchant: Merchant
    items: dict[str, CheckItem]
    officers: list[User]
    flags: list[str] = field(default_factory=list)


def find_visit(session: Session, key: uuid.UUID) -> tuple[JointVisit, Plan] | None:
    """The visit `key` in the newest published plan version that routes it."""
    return session.exec(
        select(JointVisit, Plan)
        .join(Plan, col(Plan.id) == JointVisit.plan_id)
        .where(JointVisit.key == key, Plan.status == "published")
        .where(col(JointVisit.route_id).is_not(None))
        .order_by(col(Plan.version).desc())
    ).first()


def recorded_code(session: Session, visit_key: uuid.UUID) -> str | None:
    """The action code of the visit's inspection, if one is stored (未遇 records aside)."""
    return session.exec(
        select(Inspection.action_code)
        .join(InspectionRecord, col(InspectionRecord.inspection_id) == Inspection.id)
        .where(InspectionRecord.visit_key == visit_key, InspectionRecord.presence != "closed")
    ).first()


def _route_officers(session: Session, route_id: uuid.UUID) -> dict[uuid.UUID, User]:
    rows = session.exec(
        select(User)
        .join(RouteOfficer, col(RouteOfficer.user_id) == User.id)
        .where(RouteOfficer.route_id == route_id)
    )
    return {u.id: u for u in rows}


def _checklist(session: Session, visit_id: uuid.UUID) -> dict[str, CheckItem]:
    rows = session.exec(
        select(CheckItem)
        .join(VisitItem, col(VisitItem.check_item_id) == CheckItem.id)
        .where(VisitItem.joint_visit_id == visit_id)
    )
    return {i.code: i for i in rows}


def _findings(
    record: InspectionIn, items: dict[str, CheckItem], closed: bool, day: date
) -> list[str]:
    problems: list[str] = []
    codes = [f.item for f in record.findings]
    foreign = sorted({c for c in codes if c not in items})
    if foreign:
        problems.append(t("inspection.error.not_on_checklist", items="、".join(foreign)))
    doubled = sorted({c for c in codes if codes.count(c) > 1})
    if doubled:
        problems.append(t("inspection.error.item_twice", items="、".join(doubled)))
    missing = sorted(set(items) - set(codes))
    if missing and not closed:
        problems.append(t("inspection.error.items_missing", items="、".join(missing)))
    for f in record.findings:
        if f.outcome != "fail" or f.corrected_on_site:
            continue
        if f.deadline is None:
            problems.append(t("inspection.error.fail_needs_remedy", item=f.item))
        elif f.deadline < day:
            problems.append(t("inspection.error.deadline_past", item=f.item))
    return problems


def _officers(
    record: InspectionIn, crew: dict[uuid.UUID, User], me: uuid.UUID, day: date, minimum: int
) -> list[str]:
    """The officers named (the route's, as planned) are of the route; those who attended are
    among them, enough and each certified on the day, the sender one of them. Each problem
    names the field it is in."""
    problems: list[str] = []
    named = list(dict.fromkeys(record.officers))
    present = attending(record)
    field = "officers" if record.attended is None else "attended"
    for officer_id in named:
        if officer_id not in crew:
            problems.append(t("inspection.error.officer_not_on_route", id=officer_id))
    if len(present) < minimum:
        problems.append(t("inspection.error.too_few_officers", count=minimum, field=field))
    if me not in present:
        problems.append(t("inspection.error.sender_not_officer", field=field))
    for officer_id in present:
        user = crew.get(officer_id)
        if officer_id not in named:
            who = user.name if user else str(officer_id)
            problems.append(t("inspection.error.attended_not_named", name=who))
        elif user is not None and not user.certified_on(day):
            problems.append(t("inspection.error.officer_uncertified", name=user.name))
    return problems


def signatures_to_check(record: InspectionIn) -> list[str]:
    """The signatures `check_record` judges: each named officer's that was sent, and the
    merchant's unless nothing was checked (judge them ahead with `judge_signatures`)."""
    signed = record.signatures
    values = [signed.officers.get(str(officer_id)) for officer_id in attending(record)]
    if record.presence.method not in UNCHECKED:
        values.append(signed.merchant)
    return [value for value in values if value is not None and is_signed(value)]


def _signatures(
    record: InspectionIn, crew: dict[uuid.UUID, User], closed: bool, verdicts: Verdicts | None
) -> list[str]:
    problems: list[str] = []
    signed = record.signatures
    present = attending(record)
    for key in signed.officers:
        if key not in {str(officer_id) for officer_id in present}:
            who = next((u.name for u in crew.values() if str(u.id) == key), key)
            problems.append(t("inspection.error.absent_signature", name=who))
    for officer_id in present:
        who = crew[officer_id].name if officer_id in crew else str(officer_id)
        value = signed.officers.get(str(officer_id))
        if not is_signed(value):
            problems.append(t("inspection.error.officer_signature", name=who))
        elif problem := signature_problem(value or "", who, verdicts):
            problems.append(problem)
    if closed:
        return problems
    refusal = signed.refusal
    if is_signed(signed.merchant):
        merchant = t("inspection.merchant")
        if problem := signature_problem(signed.merchant or "", merchant, verdicts):
            problems.append(problem)
    elif not (refusal and refusal.witness.strip() and refusal.note.strip()):
        problems.append(t("inspection.error.merchant_signature"))
    return problems


def check_record(
    session: Session,
    record: InspectionIn,
    me: uuid.UUID,
    *,
    device_offset: timedelta,
    verdicts: Verdicts | None = None,
    officers_per_visit: int = LEGAL_MIN_OFFICERS,
) -> Checked:
    """The record's context if it may be stored; RecordError (403/404/422, or 409 when the
    visit already has its inspection) otherwise. `verdicts`: its signatures judged ahead
    (`signatures_to_check`); any other is judged here."""
    found = find_visit(session, record.visit_id)
    if found is None:
        raise RecordError(404, t("inspection.error.unknown_visit"))
    visit, plan = found
    assert visit.route_id is not None
    crew = _route_officers(session, visit.route_id)
    if me not in crew:
        raise RecordError(403, t("inspection.error.not_your_visit"))
    merchant = session.get(Merchant, visit.merchant_id)
    assert merchant is not None
    items = _checklist(session, visit.id)
    closed = record.presence.method == "closed"
    # Neither a shut shop nor an obstructed check has findings or the merchant's signature.
    unchecked = record.presence.method in UNCHECKED
    problems = _findings(record, items, unchecked, plan.day)
    problems += _officers(record, crew, me, plan.day, officers_per_visit)
    problems += _signatures(record, crew, unchecked, verdicts)
    problems += _presence(record)
    problems += _evidence(session, record, crew)
    if problems:
        raise RecordError(422, "；".join(problems), problems)
    # The team may find the shop closed and come back later: only 未遇 records may repeat.
    if not closed and (code := recorded_code(session, record.visit_id)) is not None:
        raise RecordError(409, t("inspection.error.visit_recorded", code=code), action_code=code)
    flags = _flags(record, merchant, plan.day, device_offset, unchecked)
    officers = [crew[i] for i in attending(record)]
    return Checked(visit, plan, merchant, items, officers, flags)


def _presence(record: InspectionIn) -> list[str]:
    """What is wrong with the visit's times and with how the team says it got in (or did not)."""
    problems = []
    if record.finished_at < record.started_at:
        problems.append(t("inspection.error.finished_before_start"))
    elif record.finished_at - record.started_at > LONGEST_VISIT:
        problems.append(t("inspection.error.too_long"))
    if record.presence.method == "manual" and not record.presence.reason.strip():
        problems.append(t("inspection.error.manual_reason"))
    if record.presence.method == "closed" and not record.evidence:
        problems.append(t("inspection.error.closed_photo"))
    if record.presence.method == "obstructed":
        if not record.presence.reason.strip():
            problems.append(t("inspection.error.obstructed_reason"))
        if not record.evidence:
            problems.append(t("inspection.error.obstructed_evidence"))
    return problems


def _evidence(session: Session, record: InspectionIn, crew: dict[Any, Any]) -> list[str]:
    """Evidence the record names must have been uploaded by someone of the visit's team."""
    wanted = set(record.evidence) | {e for f in record.findings for e in f.evidence}
    if not wanted:
        return []
    crew_ids = [u.id for u in crew.values()]
    known = set(
        session.exec(
            select(Evidence.id).where(
                col(Evidence.id).in_(wanted), col(Evidence.uploaded_by).in_(crew_ids)
            )
        )
    )
    missing = wanted - known
    return [t("inspection.error.evidence_missing", count=len(missing))] if missing else []


def _flags(
    record: InspectionIn, merchant: Merchant, day: date, device_offset: timedelta, unchecked: bool
) -> list[str]:
    """What an overseer should look at twice, though the record may be stored."""
    flags = []
    if record.presence.method == "manual":
        flags.append("manual_presence")
    if record.presence.method == "qr" and record.presence.qr_token != merchant.qr_token:
        flags.append("qr_mismatch")
    if abs(device_offset) > CLOCK_TOLERANCE:
        flags.append("clock_skew")
    # The visit's times, set right by the phone's clock error, should fall on the plan's day.
    started = as_utc(record.started_at)
    if (started - device_offset).astimezone(district_timezone()).date() != day:
        flags.append("off_day")
    if not unchecked and not is_signed(record.signatures.merchant):
        flags.append("merchant_refused")
    return flags
