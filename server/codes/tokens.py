"""QR tokens: unguessable, and replaceable at once when a code is lost, copied or abused."""

import hashlib
import secrets
import uuid

from sqlalchemy import update
from sqlmodel import Session, select

from server.audit.service import Actor
from server.codes.models import MerchantToken
from server.codes.service import ColourInputError
from server.core.clock import utcnow
from server.core.i18n import t
from server.merchants.models import Merchant
from server.merchants.service import record_merchant

__all__ = ["new_token", "rotate_token", "token_hash"]


def new_token() -> str:
    """192 random bits (32 URL-safe characters); nothing about the merchant goes into it."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_token(
    session: Session, merchant_id: uuid.UUID, *, reason: str, revoke: bool, actor: Actor
) -> str | None:
    """Give the merchant a new code; the old one stops working at once.

    `revoke` marks the old code as revoked (abused or copied) rather than simply replaced.
    Returns the new token, or None when there is no such merchant.
    """
    reason = reason.strip()
    if not reason:
        raise ColourInputError(t("code.error.reason_required"))
    old = session.exec(select(Merchant.qr_token).where(Merchant.id == merchant_id)).first()
    if old is None:
        return None
    token = new_token()
    session.add(
        MerchantToken(
            merchant_id=merchant_id,
            token_hash=token_hash(old),
            status="revoked" if revoke else "replaced",
            reason=reason[:500],
            ended_by=actor.id,
        )
    )
    session.connection().execute(
        update(Merchant)
        .where(Merchant.id == merchant_id)
        .values(qr_token=token, updated_at=utcnow())
    )
    record_merchant(
        session,
        "code.revoke" if revoke else "code.rotate",
        merchant_id,
        actor,
        {"reason": reason[:500]},
    )
    return token
