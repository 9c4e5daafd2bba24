"""What planning takes and gives, as types: the bodies of the API's requests and the form the
console's plan posts, the plan (docs/http.md, "The plan"), an inspector's tasks, the 双随机
record, leave and recusals.

Ids are UUIDs and days are dates on the wire as in the code (msgspec writes them as their
canonical strings); a moment is written with its UTC offset (RFC 3339).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

__all__ = [
    "BuildBody",
    "DrawRead",
    "DrawRecord",
    "LeaveBody",
    "LeaveRead",
    "LockBody",
    "MoveBody",
    "PlanDocument",
    "PlanFollowUp",
    "PlanForm",
    "PlanOfficer",
    "PlanRoute",
    "PlanSkippedCheck",
    "PlanStats",
    "PlanStreet",
    "PlanTasks",
    "PlanUnassigned",
    "PlanVisit",
    "RecusalBody",
    "RecusalRead",
    "ReorderBody",
    "SeedRead",
    "VersionBody",
]


# Requests.


@dataclass
class PlanForm:
    """What the console plan's buttons post: the street's day and the version on screen, and
    what the change names (a team by number, a visit by id, an order of visit ids,
    comma-separated), as typed: server/planning/console.py reads them and refuses what they
    do not name."""

    date: dt.date | None = None
    street: str = ""
    version: int = 0
    team: str = ""
    visit: str = ""
    order: str = ""
    locked: str = ""
    non_working_day: str = ""  # "1": build a weekend or a holiday too


class BuildBody(msgspec.Struct):
    """Build (or re-build) the day: one street by code or name, or every street in reach;
    `base_version` is the version the caller saw (a newer one makes this build lose). A weekend
    or a holiday of the district's calendar is refused unless `non_working_day` asks for it."""

    street: str | None = None
    base_version: int | None = None
    non_working_day: bool = False


class VersionBody(msgspec.Struct):
    """Publish `version`, the newest version of the street's day."""

    version: int


class ReorderBody(msgspec.Struct):
    """Put team `team`'s visits in `order` (every visit of the route, by its id)."""

    version: int
    team: int
    order: list[uuid.UUID]


class MoveBody(msgspec.Struct):
    """Move `visit` to team `team`, or out of the routes when `team` is null."""

    version: int
    visit: uuid.UUID
    team: int | None = None


class LockBody(msgspec.Struct):
    """Lock team `team`'s route (re-planning keeps it) or unlock it."""

    version: int
    team: int
    locked: bool = True


class LeaveBody(msgspec.Struct):
    user_id: uuid.UUID
    starts_on: date
    ends_on: date
    reason: Annotated[str, Meta(max_length=255)] = ""


class RecusalBody(msgspec.Struct):
    user_id: uuid.UUID
    merchant_id: uuid.UUID
    reason: Annotated[str, Meta(min_length=1, max_length=255)]


# The plan.


class PlanOfficer(msgspec.Struct):
    id: uuid.UUID
    username: str
    name: str
    cert_no: str
    department: str  # the department's code
    role: str  # member or specialist


class PlanVisit(msgspec.Struct):
    """A joint visit on a route; `id` is its key, stable across versions."""

    id: uuid.UUID
    merchant_id: uuid.UUID
    uscc: str
    name: str
    address: str
    lat: float
    lng: float
    colour: str
    departments: list[str]
    items: list[str]
    reasons: list[str]
    service_minutes: int
    order: int
    eta: str  # HH:MM


class PlanUnassigned(msgspec.Struct, kw_only=True):
    """A joint visit no route took, with the visit's fields (no order, no eta) and why; or a
    merchant due that nothing could be checked at (no scenario), with only `merchant_id`,
    `street`, `code` and `reason`: no visit was made, and the visit's fields are left out."""

    id: uuid.UUID | UnsetType = UNSET
    merchant_id: uuid.UUID
    uscc: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    address: str | UnsetType = UNSET
    lat: float | UnsetType = UNSET
    lng: float | UnsetType = UNSET
    colour: str | UnsetType = UNSET
    departments: list[str] | UnsetType = UNSET
    items: list[str] | UnsetType = UNSET
    reasons: list[str] | UnsetType = UNSET
    service_minutes: int | UnsetType = UNSET
    street: str
    code: str | None
    reason: str


class PlanSkippedCheck(msgspec.Struct):
    """A department's check the frequency rules held back."""

    merchant_id: uuid.UUID
    department: str
    code: str
    reason: str


class PlanFollowUp(msgspec.Struct):
    """A department check the day leaves for later: what the visit's team could not check, or
    a random check no team fitted in."""

    merchant_id: uuid.UUID
    street: str
    department: str
    code: str  # no_specialist or carried
    reason: str
    reasons: list[str]
    items: int  # check items left


class PlanRoute(msgspec.Struct):
    id: uuid.UUID
    team: str
    number: int
    street: str
    street_name: str
    version: int
    status: str
    locked: bool
    start: str  # HH:MM
    end: str  # HH:MM
    travel_minutes: int
    officers: list[PlanOfficer]
    visits: list[PlanVisit]


class PlanStats(msgspec.Struct):
    department_checks: int
    joint_visits: int
    door_entries_saved: int
    unassigned: int
    travel_minutes: int
    service_minutes: int
    skipped_checks: int
    follow_ups: int = 0


class PlanStreet(msgspec.Struct):
    """The version of a street's day the document shows."""

    street: str
    name: str
    version: int
    status: str
    published_at: datetime | None


class PlanDocument(msgspec.Struct):
    date: date
    routes: list[PlanRoute]
    unassigned: list[PlanUnassigned]
    skipped: list[PlanSkippedCheck]
    stats: PlanStats
    streets: list[PlanStreet]
    follow_ups: list[PlanFollowUp] = []


class PlanTasks(msgspec.Struct):
    """The signed-in inspector's route in the newest published version (none: nulls)."""

    date: date
    version: int | None
    route: PlanRoute | None


# The 双随机 record.


class SeedRead(msgspec.Struct):
    day: date
    seed: str
    published_at: datetime
    published_by: str


class DrawRead(msgspec.Struct):
    """A recorded draw, certificate numbers in its pool masked, and whether its replay from the
    published seed matches."""

    kind: str
    scope: str
    seq: int
    pool: list[Any]
    pool_hash: str
    params: dict[str, Any]
    result: list[Any]
    drawn_at: datetime
    verified: bool
    problems: list[str]


class DrawRecord(msgspec.Struct):
    date: date
    seed: SeedRead | None
    draws: list[DrawRead]


# Leave and recusals.


class LeaveRead(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    starts_on: date
    ends_on: date
    reason: str


class RecusalRead(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    merchant_id: uuid.UUID
    reason: str
