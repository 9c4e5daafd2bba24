"""One-time password links: an administrator asks for one, the officer opens it and sets a new
password.

A link is `{PUBLIC_BASE_URL}/console/reset/{secret}`. The secret is shown once, to the
administrator who asked; only its SHA-256 is kept (`password_reset`). It works once, for
RESET_HOURS; asking for another link for the same user ends the earlier ones. Setting the
password through it ends every session the user had. Like every service here, nothing commits.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.audit.service import Actor, record
from server.auth.models import PasswordReset
from server.auth.user_fields import UserRefused
from server.auth.users import NewPassword, end_sessions
from server.core.clock import local_format
from server.core.i18n import t
from server.org.models import User

__all__ = [
    "RESET_HOURS",
    "IssuedReset",
    "ResetRefused",
    "issue_reset_link",
    "open_reset",
    "reset_url",
    "use_reset",
]

RESET_HOURS = 24
RESET_PATH = "/console/reset/"
_SECRET_MAX = 256  # longer than any secret issued: not worth hashing


class ResetRefused(UserRefused):
    """A link that does not (or no longer) work: 404 unknown, 410 used, replaced or expired."""


@dataclass(frozen=True)
class IssuedReset:
    secret: str  # shown once; only its hash is kept
    expires_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def reset_url(public_base_url: str, secret: str) -> str:
    return f"{public_base_url.rstrip('/')}{RESET_PATH}{secret}"


def issue_reset_link(session: Session, user: User, actor: Actor, now: datetime) -> IssuedReset:
    """A new link for the user, ending any earlier one not used yet. Refused for a user who
    may not sign in (deactivated): activate them first."""
    if not user.active:
        raise UserRefused(t("users.reset.inactive_user", username=user.username))
    session.exec(
        update(PasswordReset)
        .where(
            col(PasswordReset.user_id) == user.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    secret = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=RESET_HOURS)
    session.add(
        PasswordReset(
            user_id=user.id,
            secret_hash=_hash(secret),
            created_at=now,
            created_by=actor.id,
            expires_at=expires,
        )
    )
    record(
        session,
        action="user.reset_link_issued",
        entity="user",
        entity_id=user.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"username": user.username, "expires_at": expires.isoformat()},
    )
    return IssuedReset(secret, expires)


def open_reset(session: Session, secret: str, now: datetime) -> tuple[PasswordReset, User]:
    """The link of `secret` and its user while it works; else why not, in words the officer
    can act on."""
    found = None
    if 0 < len(secret) <= _SECRET_MAX:
        found = session.exec(
            select(PasswordReset, User)
            .join(User, col(User.id) == PasswordReset.user_id)
            .where(PasswordReset.secret_hash == _hash(secret))
        ).first()
    if found is None:
        raise ResetRefused(t("users.reset.unknown"), 404)
    link, user = found
    if link.used_at is not None:
        raise ResetRefused(t("users.reset.used", at=local_format(link.used_at)), 410)
    if not user.active:
        raise ResetRefused(t("users.reset.inactive"), 410)
    if link.revoked_at is not None:
        raise ResetRefused(t("users.reset.replaced"), 410)
    if link.expires_at <= now:
        raise ResetRefused(t("users.reset.expired", at=local_format(link.expires_at)), 410)
    return link, user


def use_reset(
    session: Session, secret: str, password: NewPassword, now: datetime, ip: str | None
) -> User:
    """Set the password through the link (once: a second use, even at the same moment, is
    refused as used) and end the user's sessions."""
    link, user = open_reset(session, secret, now)
    claimed = session.exec(
        update(PasswordReset)
        .where(
            col(PasswordReset.id) == link.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.revoked_at).is_(None),
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise ResetRefused(t("users.reset.used", at=local_format(now)), 410)
    user.password_hash = password.hash
    ended = end_sessions(session, user.id)
    record(
        session,
        action="user.password_reset",
        entity="user",
        entity_id=user.id,
        actor=user.username,
        actor_id=user.id,
        ip=ip,
        detail={"username": user.username, "sessions_ended": ended},
    )
    return user
