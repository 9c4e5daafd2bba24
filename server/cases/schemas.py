"""What the cases API and console are sent and answer (never the table models). Dates are
dates; an amount is in yuan (at most two decimals); documents are references to the papers
(document numbers, evidence ids, file names), as text."""

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = [
    "Answer",
    "CaseCreated",
    "CaseDecisionRead",
    "CaseItemRead",
    "CaseListRow",
    "CaseRead",
    "CaseStepRead",
    "CaseTransferRead",
    "DecideBody",
    "FileCaseBody",
    "ReviewBody",
    "ReviewRead",
    "StepBody",
    "StreetCountRead",
    "SubmitBody",
    "TransferBody",
]

Note = Annotated[str, Meta(max_length=2000)]
Reason = Annotated[str, Meta(min_length=1, max_length=2000)]
Documents = Annotated[list[Annotated[str, Meta(min_length=1, max_length=200)]], Meta(max_length=50)]
Measures = Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=9)]
Amount = Annotated[float, Meta(ge=0, le=1_000_000_000)]


class FileCaseBody(msgspec.Struct, forbid_unknown_fields=True):
    """`id`: the case's id, made by the client so that sending the same filing again (a phone's
    outbox retrying) answers the case it filed instead of filing a second one."""

    inspection_id: uuid.UUID
    items: Annotated[list[Annotated[str, Meta(min_length=1, max_length=32)]], Meta(min_length=1)]
    summary: Annotated[str, Meta(min_length=1, max_length=4000)]
    documents: Documents = []
    id: uuid.UUID | None = None


class StepBody(msgspec.Struct, forbid_unknown_fields=True):
    """A step that carries only its note and papers: investigate, serve, close."""

    step: Annotated[str, Meta(pattern="^(investigate|serve|close)$")]
    note: Note = ""
    documents: Documents = []


class SubmitBody(msgspec.Struct, forbid_unknown_fields=True):
    """The decision proposed to legal review (法制审核)."""

    kind: Annotated[str, Meta(pattern="^(penalty|mitigated|no_penalty)$")]
    measures: Measures = []
    amount: Amount | None = None
    note: Note = ""
    documents: Documents = []


class DecideBody(SubmitBody, forbid_unknown_fields=True):
    """The decision (决定): what legal review approved."""


class ReviewBody(msgspec.Struct, forbid_unknown_fields=True):
    verdict: Annotated[str, Meta(pattern="^(approve|return)$")]
    note: Note = ""


class TransferBody(msgspec.Struct, forbid_unknown_fields=True):
    to_unit: Annotated[str, Meta(min_length=1, max_length=32)]
    reason: Reason
    documents: Documents = []


class Answer(msgspec.Struct, forbid_unknown_fields=True):
    """The receiving unit's answer to a transfer: accepting may say something; returning must."""

    reason: Note = ""


class CaseCreated(msgspec.Struct):
    id: uuid.UUID
    action_code: str
    status: str
    due_on: date | None
    holding_unit: str


class CaseItemRead(msgspec.Struct):
    code: str
    title: str
    matter_code: str
    matter: str
    reserved_measures: list[str]


class CaseStepRead(msgspec.Struct):
    step: str
    status: str
    by: str
    at: datetime
    note: str
    documents: list[str]
    due_on: date | None


class ReviewRead(msgspec.Struct):
    round: int
    level: int
    reviewer: str
    verdict: str
    note: str
    at: datetime


class CaseDecisionRead(msgspec.Struct):
    kind: str
    action_code: str
    measures: list[str]
    amount: float | None
    decided_on: date
    note: str


class CaseTransferRead(msgspec.Struct):
    action_code: str
    from_unit: str
    to_unit: str
    reason: str
    documents: list[str]
    status: str
    sent_on: date
    due_on: date | None
    answered_on: date | None
    answer: str


class CaseRead(msgspec.Struct):
    id: uuid.UUID
    action_code: str
    status: str
    stage: str
    summary: str
    opened_on: date
    due_on: date | None
    overdue: bool
    merchant_id: uuid.UUID
    merchant: str
    inspection_id: uuid.UUID | None
    inspection_code: str | None
    holding_unit: str
    officers: list[str]
    items: list[CaseItemRead]
    proposal: dict | None
    reviews_needed: int
    review_round: int
    steps: list[CaseStepRead]
    reviews: list[ReviewRead]
    decision: CaseDecisionRead | None
    transfers: list[CaseTransferRead]


class CaseListRow(msgspec.Struct):
    id: uuid.UUID
    action_code: str
    status: str
    stage: str
    merchant: str
    holding_unit: str
    opened_on: date
    due_on: date | None
    overdue: bool
    awaiting: str | None = None  # the transfer awaiting the user's unit: its code


class StreetCountRead(msgspec.Struct):
    """A street's 不予处罚 and 减轻处罚 decisions over the span asked."""

    street: str
    name: str
    no_penalty: int
    mitigated: int
    total: int
