"""Owner links: issued to a merchant at a visit, they open its full records and let it act."""

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.core.db import AsyncSession
from server.merchants.models import Merchant, OwnerLink
from server.merchants.service import record_merchant

__all__ = [
    "IssuedLink",
    "find_owner_link",
    "issue_owner_link",
    "link_for_visit",
    "revoke_owner_links",
    "visit_link_secret",
]


@dataclass(frozen=True)
class IssuedLink:
    secret: str  # shown once, printed on the papers; only its hash is kept
    expires_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_owner_link(
    session: AsyncSession, merchant_id: uuid.UUID, *, days: int, actor: Actor, now: datetime
) -> IssuedLink | None:
    """A new owner secret for the merchant (earlier ones stay valid until they expire)."""
    if await session.get(Merchant, merchant_id) is None:
        return None
    secret = secrets.token_urlsafe(32)
    expires = now + timedelta(days=days)
    session.add(
        OwnerLink(
            merchant_id=merchant_id,
            secret_hash=_hash(secret),
            issued_at=now,
            issued_by=actor.id,
            expires_at=expires,
        )
    )
    record_merchant(session, "owner_link.issued", merchant_id, actor)
    await session.flush()
    return IssuedLink(secret, expires)


def visit_link_secret(secret_key: str, inspection_id: uuid.UUID) -> str:
    """The owner secret printed on one visit's papers: derived from the server's key and the
    inspection, so the printed record can show it again while only its hash is stored."""
    mac = hmac.new(secret_key.encode(), b"owner-link:" + inspection_id.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def link_for_visit(
    session: Session,
    merchant_id: uuid.UUID,
    inspection_id: uuid.UUID,
    *,
    secret_key: str,
    days: int,
    issued_by: uuid.UUID,
    now: datetime,
) -> None:
    """Issue the owner link a visit's papers carry (in the caller's transaction)."""
    session.add(
        OwnerLink(
            merchant_id=merchant_id,
            secret_hash=_hash(visit_link_secret(secret_key, inspection_id)),
            issued_at=now,
            issued_by=issued_by,
            expires_at=now + timedelta(days=days),
        )
    )


def live_visit_link(
    session: Session, inspection_id: uuid.UUID, secret_key: str, now: datetime
) -> str | None:
    """The visit's owner secret while its link is neither revoked nor expired."""
    secret = visit_link_secret(secret_key, inspection_id)
    link = session.exec(select(OwnerLink).where(OwnerLink.secret_hash == _hash(secret))).first()
    if link is None or link.revoked_at is not None:
        return None
    return secret if link.expires_at > now else None


async def revoke_owner_links(
    session: AsyncSession, merchant_id: uuid.UUID, *, actor: Actor, now: datetime
) -> int:
    """End every owner link of the merchant (papers lost, owner changed)."""
    result = await session.exec(
        update(OwnerLink)
        .where(col(OwnerLink.merchant_id) == merchant_id, col(OwnerLink.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    record_merchant(session, "owner_link.revoked", merchant_id, actor)
    return result.rowcount or 0


async def find_owner_link(
    session: AsyncSession, secret: str, now: datetime
) -> tuple[OwnerLink, Merchant] | None:
    """The live link and its merchant, or None; the same single lookup whatever the secret."""
    wanted = _hash(secret[:256])
    row = (
        await session.exec(
            select(OwnerLink, Merchant)
            .join(Merchant, col(Merchant.id) == OwnerLink.merchant_id)
            .where(OwnerLink.secret_hash == wanted)
        )
    ).first()
    if row is None:
        return None
    link, merchant = row
    live = link.revoked_at is None and link.expires_at > now and merchant.active
    if not hmac.compare_digest(link.secret_hash, wanted) or not live:
        return None
    return link, merchant
