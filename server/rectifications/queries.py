"""What is shown of rectification orders: the open orders on the public page (read on the
driver, as the page is), every order of a merchant on its owner page, a visit's orders, and an
order by its action code."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.core.db import AsyncSession
from server.core.sql import RawReader, as_date
from server.rectifications.models import RectificationOrder, RectificationPhoto

__all__ = [
    "PUBLICLY_OPEN",
    "MerchantOrder",
    "OpenOrder",
    "merchant_orders",
    "order_by_code",
    "orders_of_inspection",
    "public_open_orders",
]

# An order of table alias `o` the public sees: not verified yet, and issued by a visit whose
# result is published (or by none). `{p}` is the moment of reading.
PUBLICLY_OPEN = """o.status <> 'verified' AND (o.inspection_id IS NULL OR EXISTS (
              SELECT 1 FROM inspection x WHERE x.id = o.inspection_id
                AND x.published_at IS NOT NULL AND x.published_at <= {p}))"""
# An order's requirement is "{item title}：{the inspector's note}"; the public sees the title,
# matched against the catalogue items of its inspection (a title may itself hold a "：").
_PUBLIC_ORDERS = f"""
SELECT o.deadline, o.status, o.requirement,
       (SELECT c.title FROM finding f JOIN check_item c ON c.id = f.check_item_id
        WHERE f.inspection_id = o.inspection_id AND (o.requirement = c.title
              OR substr(o.requirement, 1, length(c.title) + 1) = c.title || '：')
        ORDER BY length(c.title) DESC LIMIT 1)
FROM rectification_order o
WHERE o.merchant_id = {{p}} AND {PUBLICLY_OPEN}
ORDER BY o.deadline, o.id
"""


@dataclass(frozen=True)
class OpenOrder:
    """An open order as the public page shows it."""

    deadline: date
    status: str
    title: str  # what is to be put right, without the inspector's note


def _before_note(requirement: str) -> str:
    """An order's requirement without the note, when no item of its inspection matches it."""
    return requirement.split("：", 1)[0].strip()


async def public_open_orders(
    reader: RawReader, merchant_id: uuid.UUID, now: datetime
) -> list[OpenOrder]:
    """The merchant's orders the public sees at `now`, by deadline."""
    rows = await reader.rows(_PUBLIC_ORDERS, merchant_id, now)
    return [
        OpenOrder(as_date(d), status, title or _before_note(text or ""))
        for d, status, text, title in rows
    ]


@dataclass(frozen=True)
class MerchantOrder:
    """An order as the merchant sees it through its owner link."""

    id: uuid.UUID
    issued_on: date
    deadline: date
    status: str
    requirement: str
    photos: int
    reported_at: datetime | None


async def merchant_orders(session: AsyncSession, merchant_id: uuid.UUID) -> list[MerchantOrder]:
    """Every order of the merchant, newest first, with how many photos it sent of each."""
    photo_counts = (
        select(RectificationPhoto.order_id, func.count().label("n"))
        .group_by(RectificationPhoto.order_id)
        .subquery()
    )
    orders = await session.exec(
        select(RectificationOrder, photo_counts.c.n)
        .outerjoin(photo_counts, photo_counts.c.order_id == RectificationOrder.id)
        .where(RectificationOrder.merchant_id == merchant_id)
        .order_by(col(RectificationOrder.issued_on).desc())
    )
    return [
        MerchantOrder(
            o.id, o.issued_on, o.deadline, o.status, o.requirement, n or 0, o.owner_reported_at
        )
        for o, n in orders
    ]


def orders_of_inspection(session: Session, inspection_id: uuid.UUID) -> list[RectificationOrder]:
    """The orders a visit issued, by deadline."""
    return list(
        session.exec(
            select(RectificationOrder)
            .where(RectificationOrder.inspection_id == inspection_id)
            .order_by(col(RectificationOrder.deadline))
        )
    )


def order_by_code(session: Session, code: str) -> RectificationOrder | None:
    return session.exec(
        select(RectificationOrder).where(RectificationOrder.action_code == code)
    ).first()
