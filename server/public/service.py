"""The public merchant page: what a passer-by sees after scanning a shop's code."""

import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from server.colour.texts import (
    current_reason,
    guidance_text,
    state_guidance_text,
    state_reason_text,
)
from server.core.i18n import t
from server.policy.rules import Policy
from server.public.reader import (
    LastInspection,
    MerchantRow,
    PageRow,
    PublicColour,
    PublicReader,
)
from server.rectifications.queries import OpenOrder

__all__ = [
    "PublicPage",
    "full_page",
    "lookup",
    "lookup_key",
    "merchant_page",
]

TOKEN_MAX = 128  # longer than any token we issue; longer input is cut before the lookup
# Tokens are URL-safe base64; anything else becomes "~", which no token holds, so a malformed
# token still costs the same one lookup (and never reaches the database as NUL or odd bytes).
_OUTSIDE_ALPHABET = re.compile(r"[^A-Za-z0-9_-]")


def lookup_key(token: str) -> str:
    """The token as looked up: cut to length, foreign characters neutralised."""
    return _OUTSIDE_ALPHABET.sub("~", token[:TOKEN_MAX])


@dataclass(frozen=True)
class PublicPage:
    merchant_id: uuid.UUID
    token: str
    name: str
    street: str
    colour: str
    reason: str
    guidance: str
    last: LastInspection | None
    orders: tuple[OpenOrder, ...]


def _fallback_guidance(colour: str, policy: Policy) -> str:
    code = colour if colour in ("green", "red") else "yellow_orders"
    return guidance_text(code, policy)


async def lookup(reader: PublicReader, token: str, now: datetime) -> MerchantRow | None:
    """The row for `token`, or None for a token that is unknown, malformed or revoked.

    Every such token costs the same: one indexed lookup that finds nothing.
    """
    token = lookup_key(token)
    raw = await reader.merchant(token, now)
    if raw is None or not hmac.compare_digest(str(raw.token).encode(), token.encode()):
        return None
    return raw


async def full_page(
    reader: PublicReader, raw: MerchantRow, now: datetime, policy: Policy
) -> PublicPage:
    """The page of any row: reads its open orders and, if need be, its last public colour."""
    row = raw.page_row()
    public = await reader.public_colour(row.id, now) if row.cause_unpublished else None
    orders = tuple(await reader.orders(row.id, now)) if row.open_orders else ()
    return _page(row, policy, public, orders)


def _override_reason(until: date | None) -> str | None:
    # The supervisor's note is for staff and the owner; the public learns who set the colour.
    return t("colour.reason.override_public", until=until.isoformat()) if until else None


def _page(
    row: PageRow,
    policy: Policy,
    public: PublicColour | None,
    orders: tuple[OpenOrder, ...],
) -> PublicPage:
    colour, reason, guidance = row.colour, None, None
    if row.state is not None:
        if row.state.reason_code == "override":
            reason = _override_reason(row.state.reason_until)
        else:
            reason = state_reason_text(row.state, policy)
        guidance = state_guidance_text(row.state, policy)
    if public is not None:
        # The newest change rests on a result not yet published: show the last public state.
        colour = public.colour or colour
        reason, guidance = current_reason(public.reason_code, public.reason), public.guidance
        if public.reason_code == "override":
            reason = _override_reason(public.until)
        reason = reason or t("colour.reason.unpublished")
    if not reason:
        reason = t("colour.reason.initial") if colour == "green" else t("colour.reason.unpublished")
    return PublicPage(
        merchant_id=row.id,
        token=row.token,
        name=row.name,
        colour=colour,
        street=row.street,
        reason=reason,
        guidance=guidance or _fallback_guidance(colour, policy),
        last=row.last,
        orders=orders,
    )


async def merchant_page(
    reader: PublicReader, token: str, now: datetime, policy: Policy
) -> PublicPage | None:
    """The page for `token`, or None for a token that is unknown, malformed or revoked."""
    raw = await lookup(reader, token, now)
    return None if raw is None else await full_page(reader, raw, now, policy)
