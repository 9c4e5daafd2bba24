"""The coverage figures' four reads, each one aggregate query over the whole span: the newest
plan versions, their visits, the overdue merchants and the orders past their deadline. Rows come
back grouped; server.planning.coverage counts the days from them."""

import json
import uuid
from datetime import date
from typing import NamedTuple

from sqlalchemy import Text, cast, func, or_
from sqlalchemy.sql import Subquery
from sqlmodel import Session, col, select

from server.merchants.models import Merchant
from server.packets.newest import is_newest, newest_versions
from server.planning.models import JointVisit, Plan
from server.rectifications.models import OPEN_STATUSES, RectificationOrder

__all__ = [
    "MerchantRow",
    "OrderRow",
    "PlanRow",
    "VisitRow",
    "merchant_rows",
    "order_rows",
    "plan_rows",
    "visit_rows",
]


class PlanRow(NamedTuple):
    """How many of a day's newest versions have a status."""

    day: date
    status: str
    plans: int


class VisitRow(NamedTuple):
    """How many of a day's visits share their reasons, routing and unassigned code."""

    day: date
    reasons: list[str]
    routed: bool
    unassigned_code: str | None
    visits: int


class MerchantRow(NamedTuple):
    """How many active merchants of a colour are next due on a date."""

    colour: str
    next_due: date
    merchants: int


class OrderRow(NamedTuple):
    """How many orders share a deadline and a day they were verified (None: still open)."""

    deadline: date
    verified_on: date | None
    orders: int


def _newest(start: date, end: date, street_ids: list[uuid.UUID] | None) -> Subquery:
    """Each street-day's newest version number in the span."""
    return newest_versions(published=False, since=start, until=end, street_ids=street_ids)


def plan_rows(
    session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None
) -> list[PlanRow]:
    """Each day of the span's newest versions, counted by status."""
    newest = _newest(start, end, street_ids)
    stmt = (
        select(Plan.day, Plan.status, func.count())
        .join(newest, is_newest(newest))
        .group_by(Plan.day, Plan.status)
    )
    return [PlanRow(*row) for row in session.exec(stmt)]


def visit_rows(
    session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None
) -> list[VisitRow]:
    """The visits of the span's newest versions, counted by day, reasons, routing and unassigned
    code.

    The reasons are grouped as the JSON text they are stored as (a few combinations a day),
    then read back as lists."""
    newest = _newest(start, end, street_ids)
    reasons = cast(JointVisit.reasons, Text)
    routed = col(JointVisit.route_id).is_not(None)
    stmt = (
        select(Plan.day, reasons, routed, JointVisit.unassigned_code, func.count())
        .join(Plan, col(Plan.id) == JointVisit.plan_id)
        .join(newest, is_newest(newest))
        .group_by(Plan.day, reasons, routed, JointVisit.unassigned_code)
    )
    return [
        VisitRow(day, json.loads(text or "[]"), bool(on_route), code, count)
        for day, text, on_route, code, count in session.exec(stmt)
    ]


def merchant_rows(
    session: Session, end: date, street_ids: list[uuid.UUID] | None
) -> list[MerchantRow]:
    """The active merchants due before `end`, counted by colour and due date: overdue on
    some day of a span ending then. The register as it stands now (it keeps no past due dates)."""
    stmt = select(Merchant.colour, Merchant.next_due, func.count()).where(
        col(Merchant.active).is_(True),
        col(Merchant.next_due).is_not(None),
        col(Merchant.next_due) < end,
    )
    if street_ids is not None:
        stmt = stmt.where(col(Merchant.street_id).in_(street_ids))
    return [
        MerchantRow(*row) for row in session.exec(stmt.group_by(Merchant.colour, Merchant.next_due))
    ]


def order_rows(
    session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None
) -> list[OrderRow]:
    """The orders past their deadline on some day of the span (open now, or verified after the
    span began), counted by deadline and day verified."""
    order = RectificationOrder
    stmt = select(order.deadline, order.verified_on, func.count()).where(
        col(order.deadline) < end,
        or_(col(order.status).in_(OPEN_STATUSES), col(order.verified_on) > start),
    )
    if street_ids is not None:
        stmt = stmt.join(Merchant, col(Merchant.id) == order.merchant_id).where(
            col(Merchant.street_id).in_(street_ids)
        )
    return [
        OrderRow(*row) for row in session.exec(stmt.group_by(order.deadline, order.verified_on))
    ]
