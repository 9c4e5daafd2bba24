"""Sign-in rules: passwords, throttling, sessions. Services never commit (sign-in excepted:
see `login`)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import col, select

from server.audit.service import record
from server.auth.models import LoginAttempt, UserSession
from server.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from server.auth.principal import Principal
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.db import AsyncSession
from server.org.models import User
from server.rawsql import RawReader, as_uuid
from server.settings import Settings

__all__ = [
    "LIVE_SESSIONS",
    "LoginResult",
    "LoginThrottled",
    "end_session",
    "login",
    "principal_for_token",
    "principal_from_row",
    "token_hash",
]

IP_FAILURE_FACTOR = 4  # an address may fail for a few users before it is slowed down


class LoginThrottled(Exception):
    """Too many recent failures; `retry_after` seconds until the next attempt is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, as people are told it."""
        return max(1, -(-self.retry_after // 60))


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str
    csrf_token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _retry_after(
    session: AsyncSession, settings: Settings, username: str, ip: str | None
) -> int:
    """Seconds to wait if the username or the address has failed too often, else 0."""
    window_start = utcnow() - timedelta(minutes=settings.login_window_minutes)
    checks = [(LoginAttempt.username == username, settings.login_max_failures)]
    if ip:
        checks.append((LoginAttempt.ip == ip, settings.login_max_failures * IP_FAILURE_FACTOR))
    for condition, limit in checks:
        stmt = select(func.count(), func.min(LoginAttempt.at)).where(
            condition, col(LoginAttempt.succeeded).is_(False), LoginAttempt.at >= window_start
        )
        count, oldest = (await session.exec(stmt)).one()
        if count >= limit and oldest is not None:
            if oldest.tzinfo is None:  # SQLite hands back naive UTC
                oldest = oldest.replace(tzinfo=window_start.tzinfo)
            wait = oldest + timedelta(minutes=settings.login_window_minutes) - utcnow()
            return max(1, int(wait.total_seconds()) + 1)
    return 0


async def login(
    session: AsyncSession,
    settings: Settings,
    *,
    username: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
    roles: tuple[str, ...] | None = None,
) -> LoginResult | None:
    """Check the credentials and open a session; None on bad credentials.

    Raises LoginThrottled after repeated failures. An unknown user costs the same hashing time
    as a known one, so the answer never tells whether a username exists. With `roles`, a user
    holding none of them is refused like a wrong password (and counts as a failure).

    Unlike other services this one commits before hashing, so that no database connection is
    held while the password waits its turn in the CPU pool (a morning rush of sign-ins would
    otherwise take every connection of the pool).
    """
    username = username.strip()
    wait = await _retry_after(session, settings, username, ip)
    if wait:
        raise LoginThrottled(wait)
    user = (await session.exec(select(User).where(User.username == username))).first()
    stored = user.password_hash if user else DUMMY_HASH
    await session.commit()
    ok = await run_cpu(verify_password, stored, password)
    ok = ok and user is not None and user.active and (roles is None or user.role in roles)
    session.add(LoginAttempt(username=username[:64], ip=ip, succeeded=ok))
    if not ok or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = await run_cpu(hash_password, password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = utcnow() + timedelta(hours=settings.session_hours)
    row = UserSession(
        token_hash=token_hash(token),
        csrf_token=csrf,
        user_id=user.id,
        expires_at=expires,
        ip=ip,
        user_agent=(user_agent or "")[:255] or None,
    )
    session.add(row)
    record(
        session,
        action="auth.login",
        entity="user",
        entity_id=user.id,
        actor=user.username,
        actor_id=user.id,
        ip=ip,
    )
    return LoginResult(user=user, token=token, csrf_token=csrf, expires_at=expires)


# Live sessions with what a request needs of their users; `principal_from_row` reads a row.
# The session replicas (server.live) load the same rows.
LIVE_SESSIONS = """
SELECT u.id, u.username, u.name, u.role, u.department_id, u.street_id, u.team_id,
       s.id, s.csrf_token, s.expires_at, s.token_hash
FROM user_session s JOIN app_user u ON u.id = s.user_id
WHERE s.expires_at > {p} AND u.active
"""
_PRINCIPAL = LIVE_SESSIONS + " AND s.token_hash = {p}"


def principal_from_row(row: tuple) -> Principal:
    uid, username, name, role, department, street, team, session_id, csrf = row[:9]
    return Principal(
        id=as_uuid(uid),
        username=username,
        name=name,
        role=role,
        department_id=as_uuid(department),
        street_id=as_uuid(street),
        team_id=as_uuid(team),
        session_id=as_uuid(session_id),
        csrf_token=csrf,
    )


async def principal_for_token(reader: RawReader, token: str) -> Principal | None:
    """The principal of a live session token, or None (one indexed read, outside any ORM
    session: every signed-in request makes it)."""
    found = await reader.row(_PRINCIPAL, utcnow(), token_hash(token))
    return None if found is None else principal_from_row(found)


async def end_session(session: AsyncSession, principal: Principal, ip: str | None) -> None:
    """Sign out: the session row goes, so the cookie is worthless everywhere at once."""
    await session.exec(delete(UserSession).where(col(UserSession.id) == principal.session_id))
    record(
        session,
        action="auth.logout",
        entity="user",
        entity_id=principal.id,
        actor=principal.username,
        actor_id=principal.id,
        ip=ip,
    )
