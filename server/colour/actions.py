"""What staff and merchants do to a merchant's colour and code, one function per action: the
JSON API (server.colour.routes), the console (server.colour.console) and the owner pages
(server.public.owner_routes) call these and nothing else to make a change.

A refusal is a `ColourRefused` (400 with the reason, 404 for what is not there), which the app
answers and the console shows beside its form. Functions take the request's session and never
commit.
"""

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.colour.models import ColourOverride, ReratingRequest
from server.colour.schemas import (
    OverrideRequest,
    OwnerLinkRead,
    ReratingForm,
    RotateRequest,
    RotateResponse,
)
from server.colour.service import ColourRefused, update_colour
from server.colour.values import Outcome
from server.core.clock import local_today, utcnow
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.settings import Settings
from server.merchants.models import Merchant
from server.merchants.owner_links import issue_owner_link
from server.merchants.qrcode import merchant_url, rotate_token
from server.merchants.service import record_merchant
from server.policy.rules import COLOURS, Policy

__all__ = [
    "new_owner_link",
    "owner_url",
    "pending_rerating",
    "reissue_code",
    "request_rerating",
    "revoke_override",
    "set_override",
]


def _missing() -> ColourRefused:
    return ColourRefused(t("error.not_found"), 404)


def set_override(
    session: Session,
    merchant_id: uuid.UUID,
    request: OverrideRequest,
    *,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> Outcome:
    """A supervisor's manual colour for `request.days` days (ending any override in force)."""
    if session.exec(select(Merchant.id).where(Merchant.id == merchant_id)).first() is None:
        raise _missing()
    reason = request.reason.strip()
    if request.colour not in COLOURS:
        raise ColourRefused(t("error.unknown_colour", value=request.colour))
    if not reason:
        raise ColourRefused(t("colour.error.reason_required"))
    if not 1 <= request.days <= policy.override_max_days:
        raise ColourRefused(t("colour.error.bad_days", max=policy.override_max_days))
    now = now or utcnow()
    today = local_today(now)
    _end_overrides(session, merchant_id, actor, now)
    session.add(
        ColourOverride(
            merchant_id=merchant_id,
            colour=request.colour,
            reason=reason[:500],
            starts_on=today,
            ends_on=today + timedelta(days=request.days - 1),
            created_at=now,
            created_by=actor.id,
        )
    )
    session.flush()
    detail = {"colour": request.colour, "reason": reason[:500], "days": request.days}
    record_merchant(session, "colour.override", merchant_id, actor, detail)
    return update_colour(session, merchant_id, policy=policy, actor=actor, now=now)


def _end_overrides(session: Session, merchant_id: uuid.UUID, actor: Actor, now: datetime) -> int:
    result = session.connection().execute(
        update(ColourOverride)
        .where(
            ColourOverride.merchant_id == merchant_id,
            ColourOverride.revoked_at.is_(None),
            ColourOverride.ends_on >= local_today(now),
        )
        .values(revoked_at=now, revoked_by=actor.id)
    )
    return result.rowcount or 0


def revoke_override(
    session: Session,
    merchant_id: uuid.UUID,
    *,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> Outcome:
    """End the override in force before its time (404 when there is none)."""
    now = now or utcnow()
    if not _end_overrides(session, merchant_id, actor, now):
        raise ColourRefused(t("colour.error.no_override"), 404)
    record_merchant(session, "colour.override_revoked", merchant_id, actor)
    return update_colour(session, merchant_id, policy=policy, actor=actor, now=now)


def pending_rerating(session: Session, merchant_id: uuid.UUID) -> ReratingRequest | None:
    """The merchant's re-rating request still waiting for its visit, if any."""
    return session.exec(
        select(ReratingRequest)
        .where(ReratingRequest.merchant_id == merchant_id, ReratingRequest.status == "pending")
        .order_by(col(ReratingRequest.requested_on))
    ).first()


def request_rerating(
    session: Session,
    merchant_id: uuid.UUID,
    request: ReratingForm,
    *,
    via: str,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[ReratingRequest, date | None]:
    """Ask for a re-rating visit; returns the request (an existing pending one) and its due date.
    A green merchant has nothing to earn by one: refused."""
    colour = session.exec(select(Merchant.colour).where(Merchant.id == merchant_id)).first()
    if colour is None:
        raise _missing()
    if colour == "green":
        raise ColourRefused(t("owner.rerating_green"))
    now = now or utcnow()
    existing = pending_rerating(session, merchant_id)
    if existing is not None:
        due = session.exec(select(Merchant.next_due).where(Merchant.id == merchant_id)).one()
        return existing, due
    row = ReratingRequest(
        merchant_id=merchant_id,
        requested_on=local_today(now),
        reason=request.reason.strip()[:500],
        via=via,
        created_at=now,
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    record_merchant(session, "colour.rerating_requested", merchant_id, actor, {"via": via})
    outcome = update_colour(session, merchant_id, policy=policy, actor=actor, now=now)
    return row, outcome.next_due


def reissue_code(
    session: Session,
    merchant_id: uuid.UUID,
    request: RotateRequest,
    *,
    public_base_url: str,
    actor: Actor,
) -> RotateResponse:
    """Give the merchant a new code (the old one answers 404 at once); `request.revoke` marks
    the old one as abused or copied rather than replaced."""
    token = rotate_token(
        session, merchant_id, reason=request.reason, revoke=request.revoke, actor=actor
    )
    if token is None:
        raise _missing()
    return RotateResponse(merchant_id, merchant_url(public_base_url, token))


def owner_url(public_base_url: str, secret: str) -> str:
    return f"{public_base_url.rstrip('/')}/m/o/{secret}"


async def new_owner_link(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    settings: Settings,
    actor: Actor,
    now: datetime,
) -> OwnerLinkRead:
    """A new owner link for the merchant, its secret shown this once (earlier links stay)."""
    issued = await issue_owner_link(
        session, merchant_id, days=settings.owner_link_days, actor=actor, now=now
    )
    if issued is None:
        raise _missing()
    return OwnerLinkRead(owner_url(settings.public_base_url, issued.secret), issued.expires_at)
