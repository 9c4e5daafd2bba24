"""The coverage figures' four reads, each one aggregate query over the whole span: the newest
plan versions, their visits, the overdue merchants and the orders past their deadline. Rows come
back grouped; server.planning.coverage counts the days from them."""

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Text, cast, func, or_
from sqlalchemy.sql import Subquery
from sqlmodel import Session, col, select

from server.merchants.models import Merchant
from server.packets.newest import is_newest, newest_versions
from server.planning.models import JointVisit, Plan
from server.rectifications.models import OPEN_STATUSES, RectificationOrder

__all__ = ["Rows", "merchant_rows", "order_rows", "plan_rows", "visit_rows"]

Rows = list[tuple[Any, ...]]


def _newest(start: date, end: date, street_ids: list[uuid.UUID] | None) -> Subquery:
    """Each street-day's newest version number in the span."""
    return newest_versions(published=False, since=start, until=end, street_ids=street_ids)


def plan_rows(session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None) -> Rows:
    """(day, status, newest versions) of the span."""
    newest = _newest(start, end, street_ids)
    stmt = (
        select(Plan.day, Plan.status, func.count())
        .join(newest, is_newest(newest))
        .group_by(Plan.day, Plan.status)
    )
    return [tuple(row) for row in session.exec(stmt)]


def visit_rows(
    session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None
) -> Rows:
    """(day, reasons, routed, unassigned code, visits) of the newest versions of the span.

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
        (day, json.loads(text or "[]"), bool(on_route), code, count)
        for day, text, on_route, code, count in session.exec(stmt)
    ]


def merchant_rows(session: Session, end: date, street_ids: list[uuid.UUID] | None) -> Rows:
    """(colour, next due date, merchants) of the active merchants due before `end`: overdue on
    some day of a span ending then. The register as it stands now (it keeps no past due dates)."""
    stmt = select(Merchant.colour, Merchant.next_due, func.count()).where(
        col(Merchant.active).is_(True),
        col(Merchant.next_due).is_not(None),
        col(Merchant.next_due) < end,
    )
    if street_ids is not None:
        stmt = stmt.where(col(Merchant.street_id).in_(street_ids))
    return [tuple(row) for row in session.exec(stmt.group_by(Merchant.colour, Merchant.next_due))]


def order_rows(
    session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None
) -> Rows:
    """(deadline, verified on, orders) of the orders past their deadline on some day of the
    span: open now, or verified after the span began."""
    order = RectificationOrder
    stmt = select(order.deadline, order.verified_on, func.count()).where(
        col(order.deadline) < end,
        or_(col(order.status).in_(OPEN_STATUSES), col(order.verified_on) > start),
    )
    if street_ids is not None:
        stmt = stmt.join(Merchant, col(Merchant.id) == order.merchant_id).where(
            col(Merchant.street_id).in_(street_ids)
        )
    return [tuple(row) for row in session.exec(stmt.group_by(order.deadline, order.verified_on))]
