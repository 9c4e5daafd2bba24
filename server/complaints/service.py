"""Complaints from the public page: rate limits, validation, storage, and their handling."""

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from server.audit.service import Actor, record
from server.colour.service import update_colour
from server.complaints.models import Complaint
from server.complaints.schemas import ComplaintRead
from server.core.clock import local_today
from server.core.cpu import run_cpu
from server.core.db import AsyncSession
from server.core.errors import BadInput
from server.core.i18n import t
from server.core.settings import Settings
from server.core.workdays import CALENDAR
from server.evidence.public_photos import CheckedPhoto, check_photo, store_photo
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import Street
from server.policy.rules import Policy
from server.ratelimit.service import Limit, hit, keyed_hash
from server.storage import Storage

__all__ = [
    "AWAITING_VISIT",
    "AwaitingVisit",
    "ComplaintInvalid",
    "Outcome",
    "OutcomeUnlinkable",
    "awaiting_visit",
    "check_complaint_rate",
    "decoy_tracking_no",
    "find_by_tracking_no",
    "list_complaints",
    "record_outcome",
    "submit_complaint",
    "visit_deadline",
]

TEXT_MAX = 2000
CONTACT_MAX = 64
# Crockford's base32: no I, L, O or U, so a number read over the phone is not misheard.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
OUTCOMES = ("planned", "verified", "unfounded", "closed")
SETTLED = ("verified", "unfounded", "closed")
AWAITING_VISIT = ("received", "planned")  # a complaint not settled yet is owed a visit


class ComplaintInvalid(BadInput):
    """Bad input from the form or the outcome (400); `reason` is what the sender is shown."""


class OutcomeUnlinkable(ComplaintInvalid):
    """An outcome naming an inspection that is not one of the complaint's merchant (422, the
    reason alone)."""

    status = 422

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.detail, self.body = reason, {}


def _read(c: Complaint) -> ComplaintRead:
    return ComplaintRead(
        c.id,
        c.tracking_no,
        c.merchant_id,
        c.text,
        c.contact,
        c.photo_key is not None,
        c.status,
        c.created_at,
        c.verified_on,
        c.outcome_note,
    )


def _tracking_no(now: datetime) -> str:
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"TS{local_today(now):%Y%m%d}-{tail}"


def decoy_tracking_no(now: datetime) -> str:
    """What a bot that filled the honeypot is shown: shaped like a real number, stored nowhere."""
    return _tracking_no(now)


async def check_complaint_rate(
    session: AsyncSession,
    settings: Settings,
    *,
    client: str,
    merchant_id: uuid.UUID,
    now: datetime,
) -> None:
    """Count a submission against its client and its merchant; raises RateLimited when over."""
    await hit(
        session,
        "complaint.client",
        keyed_hash(settings.secret_key, client),
        Limit(*settings.complaint_rate_client),
        now,
    )
    await hit(
        session,
        "complaint.merchant",
        merchant_id.hex,
        Limit(*settings.complaint_rate_merchant),
        now,
    )


def validate(text: str, contact: str, photo: bytes | None, max_bytes: int) -> CheckedPhoto | None:
    """Check the form; raises ComplaintInvalid (or PhotoRejected) with a message for the sender."""
    if "\x00" in text:
        raise ComplaintInvalid(t("error.nul_char", field=t("complaint.field.text")))
    if "\x00" in contact:
        raise ComplaintInvalid(t("error.nul_char", field=t("complaint.field.contact")))
    if not text.strip():
        raise ComplaintInvalid(t("complaint.error.text_required"))
    if len(text.strip()) > TEXT_MAX:
        raise ComplaintInvalid(t("complaint.error.text_too_long", max=TEXT_MAX))
    if len(contact.strip()) > CONTACT_MAX:
        raise ComplaintInvalid(t("complaint.error.contact_too_long", max=CONTACT_MAX))
    return check_photo(photo, max_bytes, anonymous=True) if photo else None


async def submit_complaint(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    *,
    merchant_id: uuid.UUID,
    text: str,
    contact: str,
    photo: bytes | None,
    client: str,
    now: datetime,
) -> Complaint:
    """Store a complaint (and its photo) with a fresh tracking number; it awaits a visit."""
    # Decoding and redrawing a photo takes a while: in the CPU pool, not on the event loop.
    checked = await run_cpu(validate, text, contact, photo, settings.photo_max_bytes)
    complaint = Complaint(
        tracking_no=_tracking_no(now),
        merchant_id=merchant_id,
        text=text.strip(),
        contact=contact.strip(),
        client_hash=keyed_hash(settings.secret_key, client),
        created_at=now,
    )
    if checked is not None:
        key = f"complaints/{now:%Y/%m}/{complaint.id}.{checked.extension}"
        stored = await store_photo(storage, key, checked)
        complaint.photo_key, complaint.photo_sha256 = key, stored.sha256
        complaint.photo_type, complaint.photo_size = checked.content_type, stored.size
    session.add(complaint)
    record(
        session,
        action="complaint.received",
        entity="complaint",
        entity_id=complaint.id,
        detail={"merchant_id": str(merchant_id), "tracking_no": complaint.tracking_no},
    )
    await session.flush()
    return complaint


async def find_by_tracking_no(session: AsyncSession, tracking_no: str) -> Complaint | None:
    wanted = re.sub(r"[^0-9A-Z-]", "~", tracking_no.strip().upper()[:24])
    stmt = select(Complaint).where(Complaint.tracking_no == wanted)
    return (await session.exec(stmt)).first()


async def list_complaints(
    session: AsyncSession,
    *,
    status: str | None,
    merchant_id: uuid.UUID | None,
    limit: int,
    street_id: uuid.UUID | None = None,
) -> list[ComplaintRead]:
    """Newest first; with `street_id`, only complaints about that street's merchants."""
    stmt = select(Complaint).order_by(col(Complaint.created_at).desc()).limit(limit)
    if street_id is not None:
        stmt = stmt.join(Merchant, col(Merchant.id) == Complaint.merchant_id).where(
            Merchant.street_id == street_id
        )
    if status:
        stmt = stmt.where(Complaint.status == status)
    if merchant_id:
        stmt = stmt.where(Complaint.merchant_id == merchant_id)
    return [_read(c) for c in await session.exec(stmt)]


def visit_deadline(received_at: datetime, policy: Policy) -> date:
    """The day by which a complaint is visited: `complaint_visit_days` working days after the
    district's day it was received on (not the UTC date: one sent at 07:30 in the district is
    that day's), on the official calendar; calendar days where it does not reach yet."""
    return CALENDAR.deadline(local_today(received_at), policy.complaint_visit_days)


@dataclass(frozen=True)
class AwaitingVisit:
    """A complaint owed a visit, with its merchant, the merchant's street and its deadline."""

    complaint: Complaint
    merchant: Merchant
    street: Street
    deadline: date


async def awaiting_visit(
    session: AsyncSession, policy: Policy, *, street_id: uuid.UUID | None = None
) -> list[AwaitingVisit]:
    """Complaints not settled yet, oldest first; with `street_id`, only those about that
    street's merchants."""
    stmt = (
        select(Complaint, Merchant, Street)
        .join(Merchant, col(Merchant.id) == Complaint.merchant_id)
        .join(Street, col(Street.id) == Merchant.street_id)
        .where(col(Complaint.status).in_(AWAITING_VISIT))
    )
    if street_id is not None:
        stmt = stmt.where(Merchant.street_id == street_id)
    rows = await session.exec(stmt.order_by(col(Complaint.created_at)))
    return [AwaitingVisit(c, m, s, visit_deadline(c.created_at, policy)) for c, m, s in rows]


@dataclass(frozen=True)
class Outcome:
    status: str
    note: str = ""
    verified_on: date | None = None
    inspection_id: uuid.UUID | None = None


async def record_outcome(
    session: AsyncSession,
    complaint_id: uuid.UUID,
    outcome: Outcome,
    *,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> ComplaintRead | None:
    """Record what came of a complaint; one found true on site counts against the colour."""
    if outcome.status not in OUTCOMES:
        raise ComplaintInvalid(t("complaint.error.unknown_status", value=outcome.status))
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        return None
    if outcome.inspection_id is not None:
        inspection = await session.get(Inspection, outcome.inspection_id)
        if inspection is None or inspection.merchant_id != complaint.merchant_id:
            raise OutcomeUnlinkable(t("complaint.error.inspection_not_of_merchant"))
    if complaint.status in SETTLED and outcome.status != complaint.status:
        # A settled complaint stays settled: flipping it would move the colour back and forth.
        raise ComplaintInvalid(t("complaint.error.bad_transition"))
    if outcome.status == "verified" and outcome.verified_on is not None:
        received = local_today(complaint.created_at)
        if not received <= outcome.verified_on <= local_today(now):
            raise ComplaintInvalid(t("complaint.error.verified_on", received=received.isoformat()))
    complaint.status = outcome.status
    complaint.outcome_note = outcome.note.strip()[:2000]
    complaint.handled_by = actor.id
    complaint.inspection_id = outcome.inspection_id or complaint.inspection_id
    if outcome.status == "verified":
        complaint.verified_on = outcome.verified_on or local_today(now)
    record(
        session,
        action="complaint.outcome",
        entity="complaint",
        entity_id=complaint.id,
        actor=actor.name,
        actor_id=actor.id,
        detail={"status": outcome.status},
    )
    await session.flush()
    merchant_id = complaint.merchant_id
    await session.run_sync(
        lambda s: update_colour(s, merchant_id, policy=policy, actor=actor, now=now)
    )
    return _read(complaint)
