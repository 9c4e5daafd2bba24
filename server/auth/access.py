"""Who may do what: every authorisation rule of OneVisit, one per resource, in this module.

Handlers and services ask these functions and decide nothing on their own. A resource the user
may not see answers 404 exactly as an unknown one does, so that its existence does not leak; a
role that may never use a route gets 403 (401 when nobody is signed in). Administrators pass
every rule. A street's supervisor has a street; a district supervisor has none and reaches every
street.

| resource | who may |
|---|---|
| merchant, staff view | supervisors of its street; district supervisors; administrators; |
|  | inspectors of its street without its contact and phone (a specialist without a street: |
|  | every street, without them) |
| merchant's code, colour, owner links | supervisors of its street; district supervisors; admins |
| complaint | supervisors of its merchant's street; district supervisors; administrators |
| inspection (the phone's view, the printable record) | its officers; supervisors of its |
|  | merchant's street; district supervisors; administrators |
| inspection record sent (again) | the officers of the visit's route; once stored, its officers |
| evidence | its uploader; the officer who wore the recorder; officers of a visit using it; |
|  | supervisors of its street; district supervisors; administrators |
| upload (tus) | the officer who started it, nobody else |
| recorder clip in the review queue | supervisors of its officer's or its recorder's street; |
|  | district supervisors; administrators |
| plan of a street's day | supervisors of the street; district supervisors; administrators |
| officer's leave (record, list) | supervisors of the officer's street; district supervisors; |
|  | administrators (a specialist without a street: district supervisors) |
| recusal | supervisors of the merchant's street, for an officer of that street or a |
|  | specialist; district supervisors; administrators |
| draw (双随机) before its plan is published | supervisors of its street (a street's team draw); |
|  | district supervisors and administrators (every draw); once published: anyone |
| enforcement certificate number | in full on the papers of a visit and to planners; masked |
|  | (masked_cert) wherever else it is shown |
| console | supervisors and administrators (the dock page: inspectors too) |
| audit trail | administrators |
"""

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from sqlalchemy import exists
from sqlmodel import Session, col, or_, select

from server.auth.principal import Principal
from server.db import AsyncSession
from server.evidence.models import Evidence, EvidenceLink
from server.evidence.recorder_models import Recorder, RecorderClip
from server.inspections.models import Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import User
from server.rawsql import as_uuid

__all__ = [
    "CONSOLE_ROLES",
    "DOCK_ROLES",
    "MerchantReach",
    "can_view_evidence",
    "clip_reach",
    "console_principal",
    "in_street",
    "masked_cert",
    "may_manage_officer",
    "may_read_inspection",
    "may_record_recusal",
    "may_see_draw",
    "merchant_in_scope",
    "merchant_reach",
    "street_scope",
    "took_part",
]

CONSOLE_ROLES = ("admin", "supervisor")
# The dock PC's page, where recorders are emptied: inspectors bring them in too.
DOCK_ROLES = ("admin", "supervisor", "inspector")


def console_principal(user: object, roles: tuple[str, ...] = CONSOLE_ROLES) -> Principal | None:
    """The signed-in principal if their role may use these console pages, else None."""
    return user if isinstance(user, Principal) and user.role in roles else None


def street_scope(principal: Principal) -> uuid.UUID | None:
    """The one street whose merchants the principal may act on, or None for every street.

    A street's supervisor acts on the merchants of that street only; district supervisors (no
    street) and administrators see every street."""
    return None if principal.role == "admin" else principal.street_id


def in_street(principal: Principal, street_id: uuid.UUID | None) -> bool:
    """Whether something of `street_id` (None: of no street) is within the principal's reach."""
    street = street_scope(principal)
    return street is None or street == street_id


@dataclass(frozen=True)
class MerchantReach:
    """Which merchants a principal may look up, and whether with their contact and phone."""

    street: uuid.UUID | None  # the one street; None: every street
    contacts: bool


def merchant_reach(principal: Principal) -> MerchantReach:
    """Supervisors: their street's merchants (district supervisors and administrators: every
    street), contacts included. Inspectors: their street's merchants, for their work, without the
    contact person and phone, which their visits do not need (a specialist of no street: every
    street)."""
    if principal.role in CONSOLE_ROLES:
        return MerchantReach(street_scope(principal), contacts=True)
    return MerchantReach(principal.street_id, contacts=False)


def may_manage_officer(principal: Principal, officer: User) -> bool:
    """Whether a supervisor may record the officer's leave: an officer of their street (district
    supervisors and administrators: anyone)."""
    return principal.role in CONSOLE_ROLES and in_street(principal, officer.street_id)


def may_record_recusal(principal: Principal, officer: User, merchant: Merchant) -> bool:
    """Whether a supervisor may record that the officer never inspects the merchant: a merchant
    of their street, and an officer of that street or a specialist (who joins any street's
    visits)."""
    return (
        principal.role in CONSOLE_ROLES
        and in_street(principal, merchant.street_id)
        and (officer.street_id is None or in_street(principal, officer.street_id))
    )


def may_see_draw(principal: Principal | None, street_id: uuid.UUID | None, published: bool) -> bool:
    """A 双随机 draw is public once the plan it made is published. Before that, only the
    supervisors of its scope see it: a street's team draw (`street_id`) its street's supervisors;
    a district-wide draw (the sampling, the specialists) district supervisors; and
    administrators every draw."""
    if published:
        return True
    if principal is None or principal.role not in CONSOLE_ROLES:
        return False
    street = street_scope(principal)
    return street is None or (street_id is not None and street == street_id)


def masked_cert(cert_no: str | None) -> str:
    """An enforcement certificate number as shown to the public: enough to tell two apart."""
    return f"{cert_no[:4]}****{cert_no[-2:]}" if cert_no and len(cert_no) > 6 else ""


_MERCHANT_STREET = "SELECT street_id FROM merchant WHERE id = {p}"


async def merchant_in_scope(
    request: Request, principal: Principal, merchant_id: uuid.UUID | str
) -> bool:
    """Whether the principal may act on the merchant. When not, callers answer the same 404 as
    for an unknown merchant, so another street's merchants cannot even be told to exist."""
    street = merchant_reach(principal).street
    if street is None:
        return True
    found = await request.app.state.reader.row(_MERCHANT_STREET, merchant_id)
    return found is not None and as_uuid(found[0]) == street


def took_part(session: Session, user_id: uuid.UUID, inspection_id: uuid.UUID) -> bool:
    """Whether the user was one of the inspection's officers: they alone send (and send again)
    its record."""
    return session.get(InspectionOfficer, (inspection_id, user_id)) is not None


def may_read_inspection(session: Session, principal: Principal, inspection_id: uuid.UUID) -> bool:
    """Its officers; supervisors of its merchant's street (district supervisors: every street);
    administrators. False (404) to everyone else, another street's supervisors included: the
    printable record carries the merchant's owner link."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        return False
    if principal.role in ("supervisor", "admin"):
        street = street_scope(principal)
        merchant = session.get(Merchant, inspection.merchant_id)
        return street is None or (merchant is not None and merchant.street_id == street)
    return took_part(session, principal.id, inspection_id)


async def _officer_of_linked_visit(
    session: AsyncSession, principal: Principal, ev_id: uuid.UUID
) -> bool:
    stmt = select(
        exists().where(
            col(EvidenceLink.evidence_id) == ev_id,
            col(InspectionOfficer.inspection_id) == EvidenceLink.inspection_id,
            col(InspectionOfficer.user_id) == principal.id,
        )
    )
    return bool((await session.exec(stmt)).one())


async def _evidence_streets(session: AsyncSession, evidence: Evidence) -> set[uuid.UUID | None]:
    """The streets the evidence belongs to: its visits' merchants, else its people and device."""
    visits = await session.exec(
        select(Merchant.street_id)
        .join(Inspection, col(Inspection.merchant_id) == Merchant.id)
        .join(EvidenceLink, col(EvidenceLink.inspection_id) == Inspection.id)
        .where(EvidenceLink.evidence_id == evidence.id)
    )
    streets: set[uuid.UUID | None] = set(visits)
    if streets:
        return streets
    clip = await session.get(RecorderClip, evidence.id)
    people = [evidence.uploaded_by, clip.officer_id if clip else None]
    for user_id in filter(None, people):
        user = await session.get(User, user_id)
        streets.add(user.street_id if user else None)
    if clip is not None:
        recorder = await session.get(Recorder, clip.recorder_id)
        streets.add(recorder.street_id if recorder else None)
    return streets


async def can_view_evidence(
    session: AsyncSession, principal: Principal, evidence: Evidence
) -> bool:
    """Uploader, officers of a visit that uses it (or who wore the recorder), the street's
    supervisors (district supervisors see every street), administrators."""
    if principal.role == "admin" or evidence.uploaded_by == principal.id:
        return True
    clip = await session.get(RecorderClip, evidence.id)
    if clip is not None and clip.officer_id == principal.id:
        return True
    if await _officer_of_linked_visit(session, principal, evidence.id):
        return True
    if principal.role == "supervisor":
        return principal.street_id is None or principal.street_id in await _evidence_streets(
            session, evidence
        )
    return False


def clip_reach(principal: Principal) -> Any:
    """Which recorder clips a reviewer reaches, as a WHERE clause over RecorderClip joined with
    its Recorder and (outer) its officer's User: a street's supervisor the clips of their
    street's officers or recorders; district supervisors and administrators all."""
    street = street_scope(principal)
    if street is None:
        return True
    return or_(col(User.street_id) == street, col(Recorder.street_id) == street)
