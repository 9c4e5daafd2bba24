"""Merchant queries. Services never commit."""

import uuid
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from server.audit.service import Actor, record
from server.core.db import AsyncSession
from server.core.errors import BadInput
from server.core.i18n import t
from server.core.inputs import like_contains
from server.merchants.models import COLOURS, Merchant
from server.merchants.schemas import MerchantPage, MerchantRead
from server.org.models import Street

__all__ = [
    "UnknownFilter",
    "get_merchant",
    "list_merchants",
    "merchant_query",
    "own_street_code",
    "record_merchant",
]


class UnknownFilter(BadInput):
    """A filter value that names nothing (400), with the i18n key and the value."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(t(key, value=value))
        self.key, self.value = key, value


def _read(m: Merchant, s: Street) -> MerchantRead:
    return MerchantRead(
        id=m.id,
        uscc=m.uscc,
        name=m.name,
        address=m.address,
        street=s.code,
        street_name=s.name,
        business_type=m.business_type,
        colour=m.colour,
        next_due=m.next_due,
        lat=m.lat,
        lng=m.lng,
        contact=m.contact,
        phone=m.phone,
    )


def merchant_query(
    *, q: str | None = None, colour: str | None = None, business_type: str | None = None
) -> Select:
    """Active merchants with their street, searched by name / address / credit code and filtered.

    The one search the API and the console share; callers add street, order and paging.
    """
    stmt = select(Merchant, Street).join(Street, col(Street.id) == Merchant.street_id)
    stmt = stmt.where(col(Merchant.active).is_(True))
    if colour:
        stmt = stmt.where(Merchant.colour == colour)
    if business_type:
        stmt = stmt.where(Merchant.business_type == business_type)
    if q and q.strip():
        term = q.strip()
        like = like_contains(term)  # a % or _ in the search is that very character
        stmt = stmt.where(
            or_(
                col(Merchant.name).like(like, escape="\\"),
                col(Merchant.address).like(like, escape="\\"),
                Merchant.uscc == term.upper(),
            )
        )
    return stmt


async def list_merchants(
    session: AsyncSession,
    *,
    q: str | None = None,
    street: str | None = None,
    colour: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> MerchantPage:
    """A page of active merchants matching a name / credit code / address search and filters."""
    if colour and colour not in COLOURS:
        raise UnknownFilter("error.unknown_colour", colour)
    stmt = merchant_query(q=q, colour=colour)
    if street:
        found = (
            await session.exec(
                select(Street.id).where(or_(Street.code == street, Street.name == street))
            )
        ).first()
        if found is None:
            raise UnknownFilter("error.unknown_street", street)
        stmt = stmt.where(Merchant.street_id == found)
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = await session.exec(
        stmt.order_by(col(Merchant.name), col(Merchant.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return MerchantPage(
        items=[_read(m, s) for m, s in rows], total=total, page=page, page_size=page_size
    )


async def own_street_code(session: AsyncSession, own: uuid.UUID, named: str | None) -> str | None:
    """The code of the user's own street to filter by (None: it is gone); naming another street
    is refused as an unknown one, so the filter cannot be used to look past the street."""
    found = (await session.exec(select(Street).where(Street.id == own))).first()
    if found is None or (named and named not in (found.code, found.name)):
        if named:
            raise UnknownFilter("error.unknown_street", named)
        return None
    return found.code


async def get_merchant(session: AsyncSession, merchant_id: uuid.UUID) -> MerchantRead | None:
    row = (
        await session.exec(
            select(Merchant, Street)
            .join(Street, col(Street.id) == Merchant.street_id)
            .where(Merchant.id == merchant_id)
        )
    ).first()
    return _read(*row) if row else None


def record_merchant(
    session: Session | AsyncSession,
    action: str,
    merchant_id: uuid.UUID,
    actor: Actor,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a change to one merchant made by the actor."""
    record(
        session,
        action=action,
        entity="merchant",
        entity_id=merchant_id,
        actor=actor.name,
        actor_id=actor.id,
        detail=detail,
    )
