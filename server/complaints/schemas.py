"""What the complaints API takes and gives, as types."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from msgspec import Meta

__all__ = ["ComplaintRead", "OutcomeRequest"]


# What came of a complaint: its new status, a note, the day it was verified on, and the
# inspection that settled it.
@dataclass
class OutcomeRequest:
    status: Annotated[str, Meta(pattern="^(planned|verified|unfounded|closed)$")]
    note: Annotated[str, Meta(max_length=2000)] = ""
    verified_on: date | None = None
    inspection_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ComplaintRead:
    id: uuid.UUID
    tracking_no: str
    merchant_id: uuid.UUID
    text: str
    contact: str
    has_photo: bool
    status: str
    created_at: datetime
    verified_on: date | None
    outcome_note: str
