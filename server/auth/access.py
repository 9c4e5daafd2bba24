"""Who may do what: every authorisation rule of OneVisit, one per resource, in this module.

Handlers and services ask these functions and decide nothing on their own. The rules are pure:
they take the principal and the facts about the resource (its street, its officers, who
uploaded it), which the resource's own domain reads from the database (e.g.
`server/inspections/facts.py`, `server/evidence/facts.py`), so that this module imports no
domain and every domain may ask it. A resource the user
may not see answers 404 exactly as an unknown one does, so that its existence does not leak; a
role that may never use a route gets 403 (401 when nobody is signed in). Administrators pass
every rule. A street's supervisor has a street; a district supervisor has none and reaches every
street.

| resource | who may |
|---|---|
| merchant, staff view | supervisors of its street; district supervisors; administrators; |
|  | inspectors of its street without its contact and phone (a specialist without a street: |
|  | every street, without them); not legal reviewers or oversight officers (403) |
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
| console | supervisors and administrators (the dock page: inspectors too); legal reviewers |
|  | the case pages too; oversight officers sign in and see its home page only |
| case, lead (线索) | read: staff of the streets of the units that held, sent or received it, |
|  | such a department's district officers, legal reviewers, district supervisors, admins; |
|  | act: the holding (or receiving) unit's staff; review: legal reviewers, admins |
| users, their roles, passwords and reset links | administrators |
| audit trail | administrators |
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from litestar import Request

from server.core.principal import Principal
from server.core.sql import as_uuid
from server.org.models import User

__all__ = [
    "CASE_CONSOLE_ROLES",
    "CONSOLE_ROLES",
    "CONSOLE_SIGN_IN_ROLES",
    "DOCK_ROLES",
    "MERCHANT_ROLES",
    "USER_ADMIN_ROLES",
    "CaseFacts",
    "EvidenceFacts",
    "InspectionFacts",
    "MerchantReach",
    "clip_street",
    "console_principal",
    "in_street",
    "masked_cert",
    "may_file_case",
    "may_handle_case",
    "may_manage_officer",
    "may_read_case",
    "may_read_inspection",
    "may_record_recusal",
    "may_resend_record",
    "may_review_case",
    "may_see_draw",
    "may_view_evidence",
    "merchant_in_scope",
    "merchant_reach",
    "street_scope",
]

CONSOLE_ROLES = ("admin", "supervisor")
# The dock PC's page, where recorders are emptied: inspectors bring them in too.
DOCK_ROLES = ("admin", "supervisor", "inspector")
# Who signs in to the console: legal reviewers (法制审核) and oversight officers (执法监督) too,
# who see its home page and whatever a rule of this module grants their role, nothing else.
CONSOLE_SIGN_IN_ROLES = (*CONSOLE_ROLES, "legal", "oversight")
# The cases pages: legal reviewers review there.
CASE_CONSOLE_ROLES = ("admin", "supervisor", "legal")
# Who looks merchants up through the API (administrators pass every role guard).
MERCHANT_ROLES = ("supervisor", "inspector")
# The users page (/console/users): administrators alone.
USER_ADMIN_ROLES = ("admin",)


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


def may_record_recusal(
    principal: Principal, officer: User, merchant_street: uuid.UUID | None
) -> bool:
    """Whether a supervisor may record that the officer never inspects the merchant (of
    `merchant_street`): a merchant of their street, and an officer of that street or a specialist
    (who joins any street's visits)."""
    return (
        principal.role in CONSOLE_ROLES
        and in_street(principal, merchant_street)
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


@dataclass(frozen=True)
class InspectionFacts:
    """What the rules need to know of an inspection: its merchant's street and its officers."""

    merchant_street: uuid.UUID | None
    officers: frozenset[uuid.UUID]


def may_resend_record(user_id: uuid.UUID, facts: InspectionFacts) -> bool:
    """One of the inspection's officers: they alone send (and send again) its record."""
    return user_id in facts.officers


def may_read_inspection(principal: Principal, facts: InspectionFacts | None) -> bool:
    """Its officers; supervisors of its merchant's street (district supervisors: every street);
    administrators. False (404) to everyone else, another street's supervisors included: the
    printable record carries the merchant's owner link."""
    if facts is None:
        return False
    if principal.role in CONSOLE_ROLES:
        return in_street(principal, facts.merchant_street)
    return may_resend_record(principal.id, facts)


@dataclass(frozen=True)
class EvidenceFacts:
    """What the rules need to know of a piece of evidence. `streets`: its visits' merchants'
    streets, or, for evidence used by no visit, its uploader's, its wearer's and its recorder's."""

    uploaded_by: uuid.UUID | None
    wearer: uuid.UUID | None  # the officer who wore the recorder, for a recorder clip
    visit_officers: frozenset[uuid.UUID]
    streets: Collection[uuid.UUID | None]


def may_view_evidence(principal: Principal, facts: EvidenceFacts) -> bool:
    """Uploader, officers of a visit that uses it (or who wore the recorder), the street's
    supervisors (district supervisors see every street), administrators."""
    if principal.role == "admin" or principal.id in (facts.uploaded_by, facts.wearer):
        return True
    if principal.id in facts.visit_officers:
        return True
    if principal.role == "supervisor":
        return principal.street_id is None or principal.street_id in facts.streets
    return False


def clip_street(principal: Principal) -> uuid.UUID | None:
    """Which recorder clips a reviewer reaches: a street's supervisor the clips of that street's
    officers or recorders (the street returned); district supervisors and administrators all
    (None)."""
    return street_scope(principal)


@dataclass(frozen=True)
class CaseFacts:
    """The units that held, sent or received a case: teams, departments, the teams' streets."""

    teams: frozenset[uuid.UUID]
    departments: frozenset[uuid.UUID]
    streets: frozenset[uuid.UUID]


def may_read_case(principal: Principal, facts: CaseFacts | None) -> bool:
    """Legal reviewers, district supervisors, admins: all; street staff: their street's units';
    a district officer: their team's or department's. Anyone else: 404."""
    if facts is None or principal.role in ("admin", "legal"):
        return facts is not None
    if principal.role == "supervisor":
        return not principal.street_id or principal.street_id in facts.streets
    if principal.role != "inspector":
        return False
    return (
        principal.street_id in facts.streets
        or principal.team_id in facts.teams
        or (not principal.street_id and principal.department_id in facts.departments)
    )


def may_handle_case(
    principal: Principal,
    team: uuid.UUID | None,
    department: uuid.UUID | None,
    street: uuid.UUID | None,
) -> bool:
    """Acting for a unit (a case's holder, a transfer's receiver): a team's officers and its
    street's supervisors; a department's district officers; district supervisors; admins."""
    if principal.role == "admin" or (principal.role == "supervisor" and not principal.street_id):
        return True
    if principal.role == "supervisor":
        return street is not None and principal.street_id == street
    if principal.role != "inspector":
        return False
    if team is not None:
        return principal.team_id == team
    if department is None:  # a street as a whole (a lead's receiver): its officers
        return street is not None and principal.street_id == street
    return principal.street_id is None and principal.department_id == department


def may_file_case(principal: Principal, facts: InspectionFacts | None) -> bool:
    """Filing from an inspection: its officers, or supervisors who may read it."""
    return may_read_inspection(principal, facts) and principal.role in (
        "admin",
        "supervisor",
        "inspector",
    )


def may_review_case(principal: Principal) -> bool:
    return principal.role in ("admin", "legal")
