"""Rectification orders (责令整改), from issue to close: a visit issues one for each failed item
not put right on site; a later visit that finds the item fine verifies (closes) it; the nightly
run marks an order whose deadline has passed unverified as overdue; the merchant sends photos of
the put-right state while it is open. What the public, the owner and the phone are shown of
orders is read in server.rectifications.queries.

Functions take the caller's session (or connection) and never commit.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, update
from sqlmodel import Session, col, select

from server.core.codes import action_code
from server.core.db import AsyncSession
from server.inspections.models import Finding, Inspection
from server.rectifications.models import OPEN_STATUSES, RectificationOrder, RectificationPhoto

__all__ = [
    "ORDER_CODE_PREFIX",
    "FailedItem",
    "add_photo",
    "issue_order",
    "items_owed",
    "left_failed",
    "mark_overdue",
    "order_taking_photos",
    "photo_key",
    "verify_orders",
]

ORDER_CODE_PREFIX = "ZG"  # 整改: the action code of an order


@dataclass(frozen=True)
class FailedItem:
    """A check item a visit found failed and not put right on site."""

    id: uuid.UUID
    title: str
    is_key: bool
    note: str = ""  # what the inspector wrote of it


def issue_order(
    session: Session,
    *,
    merchant_id: uuid.UUID,
    inspection_id: uuid.UUID,
    item: FailedItem,
    day: date,
    deadline: date,
    issued_by: uuid.UUID,
) -> RectificationOrder:
    """Order the merchant to put `item` right by `deadline`, with its own action code. The
    requirement reads "{item title}：{the inspector's note}" (the title alone without a note)."""
    note = item.note.strip()
    requirement = f"{item.title}：{note}" if note else item.title
    order = RectificationOrder(
        merchant_id=merchant_id,
        inspection_id=inspection_id,
        check_item_id=item.id,
        issued_on=day,
        deadline=deadline,
        requirement=requirement[:2000],
        key_item=item.is_key,
        action_code=action_code(ORDER_CODE_PREFIX, day),
        issued_by=issued_by,
    )
    session.add(order)
    return order


def left_failed(session: Session, inspection_id: uuid.UUID) -> set[uuid.UUID]:
    """The items a visit found failed and did not see put right on site."""
    return set(
        session.exec(
            select(Finding.check_item_id).where(
                Finding.inspection_id == inspection_id,
                Finding.outcome == "fail",
                ~col(Finding.corrected_on_site),
            )
        )
    )


def items_owed(
    session: Session, orders: Iterable[RectificationOrder]
) -> dict[uuid.UUID, set[uuid.UUID] | None]:
    """Order → what it still waits to see put right: its own item; for an order covering a whole
    visit, the items that visit left failed and no visit after its issue found fine (re-checks
    may see them on different days, as departments come); None when it names neither an item
    nor a visit that left one failed (the whole merchant is checked again). Two queries
    whatever the number of orders."""
    orders = list(orders)
    whole = [o for o in orders if o.check_item_id is None and o.inspection_id is not None]
    failed: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    seen: dict[uuid.UUID, list[tuple[uuid.UUID, date]]] = defaultdict(list)
    if whole:
        for inspection_id, item_id in session.exec(
            select(Finding.inspection_id, Finding.check_item_id).where(
                col(Finding.inspection_id).in_({o.inspection_id for o in whole}),
                Finding.outcome == "fail",
                ~col(Finding.corrected_on_site),
            )
        ):
            failed[inspection_id].add(item_id)
        for merchant_id, item_id, day in session.exec(
            select(Inspection.merchant_id, Finding.check_item_id, Inspection.visit_date)
            .join(Finding, col(Finding.inspection_id) == Inspection.id)
            .where(col(Inspection.merchant_id).in_({o.merchant_id for o in whole}))
            .where(Inspection.visit_date > min(o.issued_on for o in whole))
            .where(Finding.outcome != "fail")
        ):
            seen[merchant_id].append((item_id, day))
    owed: dict[uuid.UUID, set[uuid.UUID] | None] = {}
    for order in orders:
        if order.check_item_id is not None:
            owed[order.id] = {order.check_item_id}
        elif left := failed.get(order.inspection_id):  # type: ignore[arg-type]
            fine = {i for i, day in seen[order.merchant_id] if day > order.issued_on}
            owed[order.id] = left - fine
        else:
            owed[order.id] = None
    return owed


def verify_orders(
    session: Session,
    *,
    merchant_id: uuid.UUID,
    day: date,
    fine: set[uuid.UUID],
    by: uuid.UUID,
    inspection_id: uuid.UUID,
) -> list[RectificationOrder]:
    """Verify (复查) the merchant's open and overdue orders issued by `day` whose items the visit
    `inspection_id` of that day found fine (`fine`: the ids of its items that passed or did not
    apply); returns the orders verified.

    An order names its item; one without (it covers a whole earlier visit) is verified once
    every item that visit left failed has been found fine since the order was issued, by this
    visit or earlier ones (`items_owed`)."""
    if not fine:
        return []
    pending = session.exec(
        select(RectificationOrder).where(
            RectificationOrder.merchant_id == merchant_id,
            col(RectificationOrder.status).in_(OPEN_STATUSES),
            RectificationOrder.issued_on <= day,
        )
    ).all()
    verified = []
    owed = items_owed(session, pending)
    for order in pending:
        if owed[order.id] is not None and owed[order.id] <= fine:  # type: ignore[operator]
            order.status, order.verified_on = "verified", day
            order.verified_by, order.verify_inspection_id = by, inspection_id
            session.add(order)
            verified.append(order)
    return verified


def mark_overdue(conn: Connection, today: date) -> int:
    """Mark every open order whose deadline is past on `today` as overdue; returns how many.
    The nightly run does this as the district's day begins."""
    result = conn.execute(
        update(RectificationOrder)
        .where(col(RectificationOrder.status) == "open", col(RectificationOrder.deadline) < today)
        .values(status="overdue")
    )
    return result.rowcount or 0


async def order_taking_photos(
    session: AsyncSession, merchant_id: uuid.UUID, order_id: uuid.UUID
) -> RectificationOrder | None:
    """The order a merchant may send photos for: its own, and not verified yet (None if not)."""
    order = await session.get(RectificationOrder, order_id)
    if order is None or order.merchant_id != merchant_id or order.status == "verified":
        return None
    return order


def photo_key(order_id: uuid.UUID, photo_id: uuid.UUID, extension: str) -> str:
    """Where a photo of an order is stored."""
    return f"rectifications/{order_id}/{photo_id}.{extension}"


def add_photo(
    session: Session | AsyncSession,
    order: RectificationOrder,
    *,
    photo_id: uuid.UUID,
    storage_key: str,
    sha256: str,
    content_type: str,
    size: int,
    now: datetime,
) -> RectificationPhoto:
    """Keep a stored photo of the put-right state with its order; the order now shows when the
    merchant last reported."""
    row = RectificationPhoto(
        id=photo_id,
        order_id=order.id,
        storage_key=storage_key,
        sha256=sha256,
        content_type=content_type,
        size=size,
        uploaded_at=now,
    )
    session.add(row)
    order.owner_reported_at = now
    return row
