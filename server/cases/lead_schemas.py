"""What the leads API and console are sent and answer."""

import uuid
from datetime import date
from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = ["LeadBody", "LeadCreated", "LeadItemRead", "LeadRead", "LeadRow"]

Text = Annotated[str, Meta(max_length=4000)]
Code = Annotated[str, Meta(min_length=1, max_length=32)]


class LeadBody(msgspec.Struct, forbid_unknown_fields=True):
    """A lead passed to a street: the merchant, the items to check, why, and what backs it."""

    merchant_id: uuid.UUID
    to_street: Code
    items: Annotated[list[Code], Meta(min_length=1, max_length=50)]
    reason: Annotated[str, Meta(min_length=1, max_length=4000)]
    evidence: Text = ""


class LeadCreated(msgspec.Struct):
    id: uuid.UUID
    action_code: str
    status: str
    due_on: date | None
    to_street: str


class LeadItemRead(msgspec.Struct):
    code: str
    title: str


class LeadRead(msgspec.Struct):
    id: uuid.UUID
    action_code: str
    status: str
    state: str  # the status in words; an accepted lead whose items were all checked: 已核查
    merchant_id: uuid.UUID
    merchant: str
    from_unit: str
    to_street: str
    items: list[LeadItemRead]
    reason: str
    evidence: str
    sent_on: date
    due_on: date | None
    answered_on: date | None
    answer: str
    visit_by: date | None
    open_items: list[str]
    checked_by: list[str]  # the inspections that checked its items since it was accepted


class LeadRow(msgspec.Struct):
    id: uuid.UUID
    action_code: str
    status: str
    state: str
    merchant: str
    from_unit: str
    to_street: str
    sent_on: date
    due_on: date | None
    overdue: bool
