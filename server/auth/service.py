"""Sign-in rules: passwords, throttling, sessions. Services never commit (sign-in excepted:
see `login`)."""

import asyncio
import hashlib
import math
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func
from sqlmodel import col, select

from server.audit.service import record
from server.auth.models import LoginAttempt, UserSession
from server.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from server.core.clock import utcnow
from server.core.cpu import cpu_queue, run_cpu
from server.core.db import AsyncSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.net import throttle_key
from server.core.principal import Principal
from server.core.settings import Settings
from server.org.models import NO_PASSWORD, User

__all__ = [
    "LoginResult",
    "LoginThrottled",
    "end_session",
    "failure_delay",
    "login",
    "token_hash",
]

IP_FAILURE_FACTOR = 4  # an address may fail for a few users before it is slowed down


class LoginThrottled(DomainError):
    """Too many recent failures (429); `retry_after` seconds until the next attempt is heard,
    in the answer's Retry-After. The console's sign-in page shows it on the form.

    `scope` says whose failures: "account" (this username's, from this address) or "address"
    (this address's, for any username)."""

    status = 429

    def __init__(self, retry_after: int, scope: str = "account") -> None:
        self.retry_after = retry_after
        self.scope = scope
        super().__init__(self.message, headers={"Retry-After": str(retry_after)})

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, as people are told it."""
        return max(1, -(-self.retry_after // 60))

    @property
    def message(self) -> str:
        """What the person signing in is told: whose failures, and how long to wait."""
        if self.retry_after < 60:
            wait = t("auth.wait_seconds", n=self.retry_after)
        else:
            wait = t("auth.wait_minutes", n=self.minutes)
        return t(f"auth.throttled_{self.scope}", wait=wait)


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str
    csrf_token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def failure_delay(failures: int, free: int, cap: int) -> int:
    """Seconds the next attempt waits after the last of `failures` recent failures: none for the
    first `free`, then 1 s, doubling with each further failure, at most `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def _wait(last: datetime | None, delay: int, now: datetime) -> int:
    """Whole seconds left of `delay` after `last` (0: none)."""
    if not delay or last is None:
        return 0
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return math.ceil(left) if left > 0 else 0


async def _throttled(
    session: AsyncSession, settings: Settings, username: str, address: str | None
) -> LoginThrottled | None:
    """Whether this attempt must wait, and how long.

    Failures are counted per address (any username) and per account, each with its own growing
    delay. The account's delay holds back only the addresses that have themselves failed on it:
    a stranger guessing at `admin` slows his own guesses, not the administrator signing in from
    elsewhere (who, if the password is right, gets in; if wrong, is counted too).
    """
    now = utcnow()
    since = now - timedelta(minutes=settings.login_window_minutes)
    failed = (col(LoginAttempt.succeeded).is_(False), LoginAttempt.at >= since)
    cap = settings.login_delay_cap_seconds
    count, last = (
        await session.exec(
            select(func.count(), func.max(LoginAttempt.at)).where(
                LoginAttempt.ip == address, *failed
            )
        )
    ).one()
    free = settings.login_max_failures * IP_FAILURE_FACTOR
    wait = _wait(last, failure_delay(count, free, cap), now)
    if wait:
        return LoginThrottled(wait, "address")
    here = case((LoginAttempt.ip == address, 1), else_=0)
    count, last, from_here = (
        await session.exec(
            select(func.count(), func.max(LoginAttempt.at), func.coalesce(func.sum(here), 0)).where(
                LoginAttempt.username == username, *failed
            )
        )
    ).one()
    wait = _wait(last, failure_delay(count, settings.login_max_failures, cap), now)
    if wait and (from_here or address is None):
        return LoginThrottled(wait, "account")
    return None


# Attempts on one account wait for each other within a process, so a burst of guesses sent at
# once is counted one after another instead of all passing the check before any is recorded.
_account_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def _account_lock(username: str) -> asyncio.Lock:
    lock = _account_locks.get(username)
    if lock is None:
        lock = _account_locks[username] = asyncio.Lock()
    return lock


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

    Raises LoginThrottled after repeated failures (see `_throttled`). An unknown user costs the
    same hashing time as a known one, so the answer never tells whether a username exists. With
    `roles`, a user holding none of them is refused like a wrong password (and counts as a
    failure).

    Unlike other services this one commits: before hashing, so that no database connection is
    held while the password waits its turn in the CPU pool (a morning rush of sign-ins would
    otherwise take every connection), and after a failure, so that the next attempt on the
    account is counted against it.
    """
    username = username.strip()
    user = await _checked_user(session, settings, username, password, ip, roles)
    if user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = await run_cpu(hash_password, password)
    return _open_session(session, settings, user, ip, user_agent)


async def _checked_user(
    session: AsyncSession,
    settings: Settings,
    username: str,
    password: str,
    ip: str | None,
    roles: tuple[str, ...] | None,
) -> User | None:
    """The user these credentials name, or None; every attempt is counted, one at a time per
    account, and the hashing waits for its turn holding no database connection."""
    address = throttle_key(ip)
    async with _account_lock(username), cpu_queue():
        throttled = await _throttled(session, settings, username, address)
        if throttled is not None:
            raise throttled
        user = (await session.exec(select(User).where(User.username == username))).first()
        # An unknown user, or one whose password is not set yet, costs a full hash too.
        usable = user is not None and user.password_hash != NO_PASSWORD
        stored = user.password_hash if usable else DUMMY_HASH
        await session.commit()
        ok = await run_cpu(verify_password, stored, password)
        allowed = user is not None and user.active and (roles is None or user.role in roles)
        ok = ok and usable and allowed
        session.add(LoginAttempt(username=username[:64], ip=address, succeeded=ok))
        if not ok:
            await session.commit()
            return None
    return user


def _open_session(
    session: AsyncSession, settings: Settings, user: User, ip: str | None, user_agent: str | None
) -> LoginResult:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = utcnow() + timedelta(hours=settings.session_hours)
    session.add(
        UserSession(
            token_hash=token_hash(token),
            csrf_token=csrf,
            user_id=user.id,
            expires_at=expires,
            ip=ip,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
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
