"""What the codes API and console are sent and say (never the table models themselves). The
console's forms parse into the same request types as the API's JSON bodies."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from msgspec import Meta

__all__ = [
    "ColourEventRead",
    "ColourRead",
    "OverrideRead",
    "OverrideRequest",
    "OwnerLinkRead",
    "ReratingForm",
    "RotateRequest",
    "RotateResponse",
]


@dataclass
class OverrideRequest:
    colour: Annotated[str, Meta(pattern="^(green|yellow|red)$")]
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    days: Annotated[int, Meta(ge=1)]


@dataclass
class OverrideRead:
    colour: str
    reason: str
    starts_on: date
    ends_on: date


@dataclass
class ColourEventRead:
    at: datetime
    from_colour: str | None
    to_colour: str
    reason: str
    reason_code: str
    source_kind: str | None
    source_id: uuid.UUID | None
    is_override: bool
    actor: str


@dataclass
class ColourRead:
    merchant_id: uuid.UUID
    colour: str
    reason: str | None
    guidance: str | None
    next_due: date | None
    override: OverrideRead | None
    events: list[ColourEventRead]


@dataclass
class ReratingForm:
    """A merchant's request for a re-rating visit, from its owner page; the reason may be left
    blank (at most its first 500 characters are kept)."""

    reason: str = ""


@dataclass
class RotateRequest:
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    revoke: bool = False


@dataclass
class RotateResponse:
    merchant_id: uuid.UUID
    url: str


@dataclass
class OwnerLinkRead:
    url: str
    expires_at: datetime
