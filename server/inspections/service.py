"""Store an inspection record: score it, verify the orders it finds put right, open new ones,
update the colour, issue action codes.

Functions take a synchronous Session (async callers use `run_sync`) and never commit.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from server.audit.service import Actor
from server.audit.service import record as audit
from server.auth.access import may_resend_record
from server.colour.service import update_colour
from server.core.clock import publication_moment
from server.core.codes import action_code
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.workdays import CalendarNotCovered
from server.inspections.facts import inspection_facts
from server.inspections.kept import evidence_links, kept_body
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.inspections.payload import (
    FindingIn,
    InspectionIn,
    RecordError,
    body_hash,
    parse_record,
)
from server.inspections.reads import inspection_read
from server.inspections.record_models import InspectionRecord
from server.inspections.signature import Verdicts, judge_signatures
from server.inspections.validate import UNCHECKED, Checked, check_record, signatures_to_check
from server.merchants.owner_links import link_for_visit
from server.policy.rules import ItemOutcome, Policy, score_findings
from server.rectifications.models import RectificationOrder
from server.rectifications.service import FailedItem, issue_order, verify_orders

__all__ = [
    "Prepared",
    "Stored",
    "action_code",
    "inspection_read",
    "prepare_record",
    "submit_record",
]


@dataclass(frozen=True)
class Stored:
    body: dict[str, Any]
    created: bool
    evidence: list[tuple[uuid.UUID, str, str]]  # evidence id, subject, subject id to link


@dataclass(frozen=True)
class Prepared:
    """A record's CPU work done ahead of its database work: the body's hash and its
    signatures' verdicts."""

    digest: str
    verdicts: Verdicts


def prepare_record(raw: Any) -> Prepared:
    """Hash the body and judge its signatures (decoding images, up to a second each): what a
    request handler runs in the CPU pool (server.core.cpu) before `submit_record`. A body that
    does not parse has no signatures judged; `submit_record` says what is wrong with it."""
    try:
        values = signatures_to_check(parse_record(raw))
    except RecordError:
        values = []
    return Prepared(body_hash(raw), judge_signatures(values))


def _result(record: InspectionIn) -> str:
    if record.presence.method == "closed":
        return "absent"
    if record.presence.method == "obstructed":
        return "obstructed"
    unfixed = any(f.outcome == "fail" and not f.corrected_on_site for f in record.findings)
    return "rectify" if unfixed else "pass"


def _published_at(visit_day: date, working_days: int) -> datetime:
    """When the result goes public (server.core.clock). A year whose official calendar is not
    loaded is the server's to fix, not the record's: 503, and the phone sends it again later."""
    try:
        return publication_moment(visit_day, working_days)
    except CalendarNotCovered as exc:
        raise DomainError(t("inspection.calendar_missing", reason=exc.detail), 503) from None


def _store(
    session: Session,
    record: InspectionIn,
    ok: Checked,
    user_id: uuid.UUID,
    public_after: int,
    policy: Policy,
) -> tuple[Inspection, list[RectificationOrder]]:
    findings = [] if record.presence.method in UNCHECKED else record.findings
    assessment = score_findings(
        (ItemOutcome(ok.items[f.item].is_key, f.outcome, f.corrected_on_site) for f in findings),
        policy,
    )
    inspection = Inspection(
        id=record.id,
        merchant_id=ok.merchant.id,
        visit_date=ok.plan.day,
        started_at=record.started_at,
        finished_at=record.finished_at,
        result=_result(record),
        score=assessment.score,
        key_failed=assessment.key_failed,
        summary=record.summary.strip()[:2000],
        action_code=action_code("XZ", ok.plan.day),
        created_by=user_id,
        published_at=_published_at(ok.plan.day, public_after),
    )
    session.add(inspection)
    session.flush()
    for officer in ok.officers:
        session.add(InspectionOfficer(inspection_id=record.id, user_id=officer.id))
    for f in findings:
        item = ok.items[f.item]
        session.add(
            Finding(
                inspection_id=record.id,
                check_item_id=item.id,
                outcome=f.outcome,
                corrected_on_site=f.outcome == "fail" and f.corrected_on_site,
                note=f.note.strip()[:2000],
            )
        )
    verified = _rectify(session, findings, ok, record.id, user_id)
    session.flush()
    return inspection, verified


def _rectify(
    session: Session,
    findings: list[FindingIn],
    ok: Checked,
    inspection_id: uuid.UUID,
    user_id: uuid.UUID,
) -> list[RectificationOrder]:
    """Verify the merchant's orders whose items the visit found fine, and issue an order for
    each failed item not put right on site; returns the orders verified."""
    verified = verify_orders(
        session,
        merchant_id=ok.merchant.id,
        day=ok.plan.day,
        fine={ok.items[f.item].id for f in findings if f.outcome in ("pass", "na")},
        by=user_id,
        inspection_id=inspection_id,
    )
    for f in findings:
        if f.outcome == "fail" and not f.corrected_on_site and f.deadline is not None:
            item = ok.items[f.item]
            issue_order(
                session,
                merchant_id=ok.merchant.id,
                inspection_id=inspection_id,
                item=FailedItem(item.id, item.title, item.is_key, f.note),
                day=ok.plan.day,
                deadline=f.deadline,
                issued_by=user_id,
            )
    return verified


def _stored(
    session: Session, raw: Any, digest: str, user_id: uuid.UUID, policy: Policy
) -> Stored | None:
    """A record sent again: the very body stored answers as it did (even one taken before the
    record's fields were checked as strictly), another body is a 409; None if nothing is
    stored under its id."""
    try:
        record_id = uuid.UUID(str(raw["id"]))
    except (KeyError, TypeError, ValueError):
        return None  # parse_record says what is wrong
    existing = session.get(InspectionRecord, record_id)
    if existing is None and session.get(Inspection, record_id) is None:
        return None
    # What is stored is told to its officers only, whoever else sends the same body.
    facts = inspection_facts(session, record_id)
    if facts is None or not may_resend_record(user_id, facts):
        raise RecordError(403, t("inspection.error.not_your_visit"))
    if existing is None or existing.body_sha256 != digest:
        raise RecordError(409, t("inspection.error.changed"))
    return Stored(inspection_read(session, record_id, policy), False, [])


def submit_record(
    session: Session,
    raw: Any,
    *,
    user_id: uuid.UUID,
    username: str,
    device_sent_at: datetime | None,
    policy: Policy,
    now: datetime,
    public_after: int = 5,
    owner_link: tuple[str, int] | None = None,
    prepared: Prepared | None = None,
) -> Stored:
    """Store the phone's record once; the same body again is a no-op, another body a 409.

    With `owner_link` (the server's secret key, days valid) an inspection of an open shop issues
    the owner link its printed record carries.

    The result goes public `public_after` working days after the visit
    (RESULTS_PUBLIC_AFTER_DAYS). With `prepared` (`prepare_record` of this body), nothing here
    decodes an image or hashes the body."""
    digest = prepared.digest if prepared is not None else body_hash(raw)
    if (stored := _stored(session, raw, digest, user_id, policy)) is not None:
        return stored
    record, ok, offset = _checked(session, raw, user_id, device_sent_at, now, policy, prepared)
    colour_before = ok.merchant.colour
    _, verified = _store(session, record, ok, user_id, public_after, policy)
    session.add(kept_body(record, raw, digest, user_id, now, device_sent_at, offset, ok.flags))
    if owner_link is not None and record.presence.method != "closed":
        key, days = owner_link
        link_for_visit(
            session,
            ok.merchant.id,
            record.id,
            secret_key=key,
            days=days,
            issued_by=user_id,
            now=now,
        )
    session.flush()
    update_colour(session, ok.merchant.id, policy=policy, actor=Actor(username, user_id), now=now)
    audit(
        session,
        action="inspection.submit",
        entity="inspection",
        entity_id=record.id,
        actor=username,
        actor_id=user_id,
        detail={
            "visit": str(record.visit_id),
            "flags": ok.flags,
            "from": colour_before,
            "verified_orders": [str(o.id) for o in verified],
        },
    )
    return Stored(inspection_read(session, record.id, policy), True, evidence_links(record))


def _checked(
    session: Session,
    raw: Any,
    user_id: uuid.UUID,
    device_sent_at: datetime | None,
    now: datetime,
    policy: Policy,
    prepared: Prepared | None,
) -> tuple[InspectionIn, Checked, timedelta]:
    """The parsed record, its checked context, and how far the phone's clock is off."""
    record = parse_record(raw)
    offset = (device_sent_at - now) if device_sent_at else timedelta(0)
    ok = check_record(
        session,
        record,
        user_id,
        device_offset=offset,
        verdicts=prepared.verdicts if prepared is not None else None,
        officers_per_visit=policy.officers_per_visit,
    )
    if device_sent_at is None:  # the phone did not say its time: its clock cannot be checked
        ok.flags.append("clock_unknown")
    return record, ok, offset
