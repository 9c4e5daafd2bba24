"""The colour engine's values: a merchant's records as it reads them (visits, orders, cases,
verified complaints, re-rating requests, overrides) and the outcome it answers (the colour, its
reason, what brings it back to green, the due date). Plain data; the rules are in
server.colour.engine.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from server.colour.texts import reason_text
from server.policy.rules import Policy

__all__ = [
    "Case",
    "Complaint",
    "Order",
    "Outcome",
    "Override",
    "Reason",
    "Records",
    "Rerating",
    "Transition",
    "Visit",
]


@dataclass(frozen=True)
class Visit:
    """A completed inspection (未遇 visits are left out) and what its findings say."""

    id: uuid.UUID
    day: date
    result: str  # pass, rectify, case, obstructed
    score: int
    key_failed: bool
    key_open: int = 0  # failed key items not put right on site
    failed: int = 0  # failed items
    lenient: int = 0  # failed items on the no-penalty list and put right on site


@dataclass(frozen=True)
class Order:
    id: uuid.UUID
    issued_on: date
    deadline: date
    verified_on: date | None = None


@dataclass(frozen=True)
class Case:
    id: uuid.UUID
    opened_on: date


@dataclass(frozen=True)
class Complaint:
    """A complaint found true on site."""

    id: uuid.UUID
    verified_on: date


@dataclass(frozen=True)
class Rerating:
    id: uuid.UUID
    requested_on: date


@dataclass(frozen=True)
class Override:
    id: uuid.UUID
    colour: str
    reason: str
    starts_on: date
    ends_on: date  # inclusive


@dataclass(frozen=True)
class Records:
    """Everything about one merchant that bears on its colour (revoked overrides left out)."""

    visits: Sequence[Visit] = ()
    orders: Sequence[Order] = ()
    cases: Sequence[Case] = ()
    complaints: Sequence[Complaint] = ()
    reratings: Sequence[Rerating] = ()
    overrides: Sequence[Override] = ()
    current_due: date | None = None  # kept while the merchant has never been visited


@dataclass(frozen=True)
class Reason:
    """Why a merchant has its colour: a reason code, its figures and the record behind it."""

    code: str
    day: date | None = None
    score: int | None = None
    deadline: date | None = None
    note: str | None = None
    until: date | None = None
    source_kind: str | None = None
    source_id: uuid.UUID | None = None

    def text(self, policy: Policy) -> str:
        return reason_text(self, policy)


@dataclass(frozen=True)
class Transition:
    """One step of the replay: the colour before and after a fact, and why."""

    day: date
    before: str
    after: str
    reason: Reason


@dataclass(frozen=True)
class Outcome:
    """The merchant's colour now, why, what brings it back to green, and when it is due."""

    colour: str
    computed: str  # the colour from the records alone, before any override
    reason: Reason
    guidance_code: str
    guidance: str
    next_due: date | None
    adverse_on: date | None
    green_from: date | None  # the earliest day a clean visit can turn a yellow merchant green
    override: Override | None
    transitions: tuple[Transition, ...] = field(default=())
