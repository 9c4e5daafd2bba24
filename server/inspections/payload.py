"""The inspection record as the phone sends it, and its canonical hash (idempotency)."""

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any, Literal

import msgspec

from server.i18n import t

__all__ = [
    "FindingIn",
    "InspectionIn",
    "PresenceIn",
    "RecordError",
    "Refusal",
    "Signatures",
    "body_hash",
    "parse_record",
]


class RecordError(ValueError):
    """A record the phone must fix: `status` is the HTTP code, the message names what is wrong."""

    def __init__(
        self,
        status: int,
        message: str,
        problems: list[str] | None = None,
        *,
        action_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []
        self.action_code = action_code  # of the record the visit already has


class PresenceIn(msgspec.Struct, forbid_unknown_fields=False):
    # closed: 未遇, the shop shut; obstructed: the merchant refused or obstructed the check.
    method: Literal["qr", "manual", "closed", "obstructed"]
    qr_token: str | None = None
    reason: str = ""
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    at: datetime | None = None


class FindingIn(msgspec.Struct, forbid_unknown_fields=False):
    item: str
    outcome: Literal["pass", "fail", "na"]
    note: str = ""
    corrected_on_site: bool = False
    deadline: date | None = None
    evidence: list[uuid.UUID] = []


class Refusal(msgspec.Struct, forbid_unknown_fields=False):
    witness: str = ""
    note: str = ""


class Signatures(msgspec.Struct, forbid_unknown_fields=False):
    officers: dict[str, str] = {}
    merchant: str | None = None
    refusal: Refusal | None = None


class InspectionIn(msgspec.Struct, forbid_unknown_fields=False):
    id: uuid.UUID
    visit_id: uuid.UUID
    started_at: datetime
    finished_at: datetime
    presence: PresenceIn
    officers: list[uuid.UUID]
    findings: list[FindingIn] = []
    signatures: Signatures = msgspec.field(default_factory=Signatures)
    evidence: list[uuid.UUID] = []
    summary: str = ""


def parse_record(raw: Any) -> InspectionIn:
    """The record, or a 422 naming the field that is wrong."""
    try:
        record = msgspec.convert(raw, InspectionIn, strict=False)
    except msgspec.ValidationError as exc:
        raise RecordError(422, t("inspection.error.shape", detail=str(exc))) from exc
    for moment in (record.started_at, record.finished_at):
        if moment.tzinfo is None:
            raise RecordError(
                422, t("inspection.error.shape", detail="started_at/finished_at: UTC offset")
            )
    return record


def body_hash(raw: Any) -> str:
    """SHA-256 of the body in canonical JSON: key order and spacing do not matter."""
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
