"""Reads for staff: a merchant's colour with its history, its code, the console's search and
street lists, and street lists for printing."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from server.colour.models import ColourEvent, ColourOverride, ColourState
from server.colour.schemas import ColourEventRead, ColourRead, OverrideRead
from server.colour.service import ColourRefused
from server.colour.texts import state_guidance_text, state_reason_text
from server.core.clock import local_today, utcnow
from server.core.i18n import t
from server.core.inputs import like_contains
from server.merchants.models import Merchant
from server.merchants.qrcode import merchant_url
from server.org.models import Street
from server.policy.rules import COLOURS, Policy

__all__ = [
    "PosterRow",
    "code_url",
    "colour_chart",
    "colour_read",
    "find_merchants",
    "poster_for_merchant",
    "posters_for_street",
    "street_counts",
]


def colour_chart(session: Session, *, street_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """Per street (or for the one street): merchants of each colour, and their shares for a
    stacked bar."""
    stmt = (
        select(Street.code, Street.name, Merchant.colour, func.count())
        .join(Merchant, col(Merchant.street_id) == Street.id)
        .where(col(Merchant.active).is_(True))
    )
    if street_id is not None:
        stmt = stmt.where(Street.id == street_id)
    rows = session.exec(stmt.group_by(Street.code, Street.name, Merchant.colour))
    table: dict[str, dict[str, Any]] = {}
    for code, name, colour, count in rows:
        table.setdefault(code, {"code": code, "name": name, **dict.fromkeys(COLOURS, 0)})
        table[code][colour] = count
    for row in table.values():
        row["total"] = sum(row[c] for c in COLOURS)
        row["share"] = {c: 100 * row[c] / max(row["total"], 1) for c in COLOURS}
    return sorted(table.values(), key=lambda r: r["code"])


def colour_read(
    session: Session, merchant_id: uuid.UUID, policy: Policy, *, events: int = 50
) -> ColourRead | None:
    """The merchant's colour now, why, the override in force, and its latest changes."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        return None
    state = session.get(ColourState, merchant_id)
    today = local_today(utcnow())
    override = session.exec(
        select(ColourOverride)
        .where(
            ColourOverride.merchant_id == merchant_id,
            col(ColourOverride.revoked_at).is_(None),
            ColourOverride.starts_on <= today,
            ColourOverride.ends_on >= today,
        )
        .order_by(col(ColourOverride.starts_on).desc())
    ).first()
    rows = session.exec(
        select(ColourEvent)
        .where(ColourEvent.merchant_id == merchant_id)
        .order_by(col(ColourEvent.at).desc(), col(ColourEvent.id).desc())
        .limit(events)
    )
    return ColourRead(
        merchant_id=merchant_id,
        colour=merchant.colour,
        reason=state_reason_text(state, policy) if state else None,
        guidance=state_guidance_text(state, policy) if state else None,
        next_due=merchant.next_due,
        override=OverrideRead(
            override.colour, override.reason, override.starts_on, override.ends_on
        )
        if override
        else None,
        events=[
            ColourEventRead(
                e.at,
                e.from_colour,
                e.to_colour,
                e.reason,
                e.reason_code,
                e.source_kind,
                e.source_id,
                e.is_override,
                e.actor,
            )
            for e in rows
        ],
    )


@dataclass(frozen=True)
class PosterRow:
    merchant_id: uuid.UUID
    name: str
    address: str
    street: str
    token: str


def _posters(session: Session, where: object, offset: int = 0, limit: int | None = None):
    stmt = (
        select(Merchant.id, Merchant.name, Merchant.address, Street.name, Merchant.qr_token)
        .join(Street, col(Street.id) == Merchant.street_id)
        .where(col(Merchant.active).is_(True), where)
        .order_by(col(Merchant.address), col(Merchant.name), col(Merchant.id))
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [PosterRow(*row) for row in session.exec(stmt)]


def poster_for_merchant(session: Session, merchant_id: uuid.UUID) -> PosterRow | None:
    rows = _posters(session, Merchant.id == merchant_id)
    return rows[0] if rows else None


def posters_for_street(
    session: Session, street_code: str, *, offset: int, limit: int
) -> tuple[Street | None, list[PosterRow]]:
    """One page of a street's posters, ordered by address for the walk that puts them up."""
    street = session.exec(select(Street).where(Street.code == street_code)).first()
    if street is None:
        return None, []
    return street, _posters(session, Merchant.street_id == street.id, offset, limit)


def code_url(session: Session, merchant_id: uuid.UUID, public_base_url: str) -> str:
    """What the merchant's QR code encodes (404 for an unknown or deregistered merchant)."""
    row = poster_for_merchant(session, merchant_id)
    if row is None:
        raise ColourRefused(t("error.not_found"), 404)
    return merchant_url(public_base_url, row.token)


def street_counts(session: Session, street_id: uuid.UUID | None) -> list[tuple[Street, int]]:
    """Each street (or the one given) with its number of active merchants, by name."""
    counts = (
        select(Merchant.street_id, func.count().label("n"))
        .where(col(Merchant.active).is_(True))
        .group_by(Merchant.street_id)
        .subquery()
    )
    stmt = (
        select(Street, counts.c.n)
        .outerjoin(counts, counts.c.street_id == Street.id)
        .order_by(col(Street.name))
    )
    if street_id is not None:
        stmt = stmt.where(Street.id == street_id)
    return [(street, n or 0) for street, n in session.exec(stmt)]


def find_merchants(
    session: Session, q: str, street_id: uuid.UUID | None
) -> list[tuple[Merchant, str]]:
    """Up to 50 merchants whose name holds `q` or whose credit code is `q`, with their street's
    name (of one street, if given)."""
    like = like_contains(q.strip())
    stmt = (
        select(Merchant, Street.name)
        .join(Street, col(Street.id) == Merchant.street_id)
        .where(or_(col(Merchant.name).like(like, escape="\\"), Merchant.uscc == q.strip().upper()))
        .order_by(col(Merchant.name))
        .limit(50)
    )
    if street_id is not None:
        stmt = stmt.where(Merchant.street_id == street_id)
    return list(session.exec(stmt))
