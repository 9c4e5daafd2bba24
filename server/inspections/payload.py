"""The inspection record as the phone sends it, and its canonical hash (idempotency)."""

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from server.core.errors import DomainError
from server.core.i18n import t
from server.core.inputs import sane_day, sane_moment

__all__ = [
    "FindingIn",
    "InspectionIn",
    "PresenceIn",
    "RecordError",
    "Refusal",
    "Signatures",
    "attending",
    "body_hash",
    "parse_record",
]


class RecordError(DomainError):
    """A record the phone must fix: `status` is the HTTP code, the message names what is wrong;
    the body lists each problem and, for a visit already recorded, its record's action code."""

    def __init__(
        self,
        status: int,
        message: str,
        problems: list[str] | None = None,
        *,
        action_code: str | None = None,
    ) -> None:
        super().__init__(message, status, problems=problems, action_code=action_code)
        self.problems = problems or []
        self.action_code = action_code  # of the record the visit already has


# Bounds that stop abuse, far past what a phone sends: the body is stored as it came.
TEXT = Annotated[str, Meta(max_length=10_000)]
SHORT = Annotated[str, Meta(max_length=256)]
IDS = Annotated[list[uuid.UUID], Meta(max_length=500)]


class PresenceIn(msgspec.Struct, forbid_unknown_fields=True):
    # closed: 未遇, the shop shut; obstructed: the merchant refused or obstructed the check.
    method: Literal["qr", "manual", "closed", "obstructed"]
    qr_token: SHORT | None = None
    reason: TEXT = ""
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    at: datetime | None = None


class FindingIn(msgspec.Struct, forbid_unknown_fields=True):
    item: SHORT
    outcome: Literal["pass", "fail", "na"]
    note: TEXT = ""
    corrected_on_site: bool = False
    deadline: date | None = None
    evidence: IDS = []


class Refusal(msgspec.Struct, forbid_unknown_fields=True):
    witness: TEXT = ""
    note: TEXT = ""


class Signatures(msgspec.Struct, forbid_unknown_fields=True):
    # (a signature's size is checked with the signer named: signature.signature_problem)
    officers: Annotated[dict[SHORT, str], Meta(max_length=50)] = {}
    merchant: str | None = None
    refusal: Refusal | None = None


class InspectionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A record as the phone sends it; a field this does not name is refused (422), never
    stored."""

    id: uuid.UUID
    visit_id: uuid.UUID
    started_at: datetime
    finished_at: datetime
    presence: PresenceIn
    officers: Annotated[list[uuid.UUID], Meta(max_length=50)]
    # Those of `officers` who actually came (none sent: every one of them); they alone sign.
    attended: Annotated[list[uuid.UUID], Meta(max_length=50)] | None = None
    findings: Annotated[list[FindingIn], Meta(max_length=1000)] = []
    signatures: Signatures = msgspec.field(default_factory=Signatures)
    evidence: IDS = []
    summary: TEXT = ""


def attending(record: InspectionIn) -> list[uuid.UUID]:
    """The officers who were at the visit, once each: `attended`, or, from a phone that does
    not tell them apart, every officer it names."""
    return list(dict.fromkeys(record.officers if record.attended is None else record.attended))


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
    moments = {"started_at": record.started_at, "finished_at": record.finished_at}
    if record.presence.at is not None:
        moments["presence.at"] = record.presence.at
    for name, moment in moments.items():
        if not sane_moment(moment):
            raise RecordError(422, t("inspection.error.bad_moment", field=name))
    for n, finding in enumerate(record.findings):
        if finding.deadline is not None and not sane_day(finding.deadline):
            raise RecordError(
                422, t("inspection.error.bad_moment", field=f"findings[{n}].deadline")
            )
    return record


def body_hash(raw: Any) -> str:
    """SHA-256 of the body in canonical JSON: key order and spacing do not matter."""
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
