"""The session check of every signed-in request, in one place: memory first, else one read.

`SessionCache.principal(token)` is the check (the session middleware, the phones' day download);
`known()` is its memory half, for the fast lane (server/fastlane.py), which must not wait. On
PostgreSQL every live session is kept in memory, loaded when the change feed (server.core.
changefeed) connects and kept current by its notes: `session:<token hash>` when a session row
is written or removed, `user:<id>` when its user is (deactivated, renamed, given another role).
A session read from the database on a miss is kept too. On SQLite nothing is kept: the read is
in-process anyway.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from server.auth.service import token_hash
from server.core.changefeed import ChangeFeed
from server.core.clock import utcnow
from server.core.principal import Principal
from server.core.replica import MISSING, Mark, Replica
from server.core.sql import RawReader, as_uuid

__all__ = ["LIVE_SESSIONS", "LiveSession", "SessionCache", "SessionRow"]

# Live sessions with what a request needs of their users, as `SessionRow`s.
LIVE_SESSIONS = """
SELECT u.id, u.username, u.name, u.role, u.department_id, u.street_id, u.team_id,
       s.id, s.csrf_token, s.expires_at, s.token_hash
FROM user_session s JOIN app_user u ON u.id = s.user_id
WHERE s.expires_at > {p} AND u.active
"""
_BY_TOKEN = LIVE_SESSIONS + " AND s.token_hash = {p}"
_BY_USER = LIVE_SESSIONS + " AND u.id = {p}"


class SessionRow(NamedTuple):
    """A row of LIVE_SESSIONS."""

    user_id: Any
    username: str
    name: str
    role: str
    department_id: Any
    street_id: Any
    team_id: Any
    session_id: Any
    csrf_token: str
    expires_at: datetime
    token_hash: str

    def principal(self) -> Principal:
        return Principal(
            id=as_uuid(self.user_id),
            username=self.username,
            name=self.name,
            role=self.role,
            department_id=as_uuid(self.department_id),
            street_id=as_uuid(self.street_id),
            team_id=as_uuid(self.team_id),
            session_id=as_uuid(self.session_id),
            csrf_token=self.csrf_token,
        )


@dataclass(frozen=True)
class LiveSession:
    principal: Principal
    expires_at: datetime


class SessionCache:
    """Live sessions by token hash (a change feed follower)."""

    kinds = ("session", "user")

    def __init__(self, feed: ChangeFeed, reader: RawReader) -> None:
        self._feed = feed
        self._reader = reader
        self._kept = Replica(max_age=feed.max_age, on_expire=self._expired)

    def known(self, hashed: str, now: datetime) -> Principal | None:
        """The session's principal from memory, or None (ask `principal`)."""
        feed = self._feed
        if not feed.usable:
            return None
        found = self._kept.get(hashed)
        if found is MISSING or found.expires_at <= now:
            return None
        if feed.holds and (
            feed.held("session", hashed) or feed.held("user", str(found.principal.id))
        ):
            return None
        return found.principal

    async def principal(self, token: str) -> Principal | None:
        """The principal of a live session token, or None: from memory, else one indexed read
        outside any ORM session (kept for the next request)."""
        hashed, now = token_hash(token), utcnow()
        found = self.known(hashed, now)
        if found is not None:
            return found
        mark = self._kept.mark()
        row = await self._reader.row(_BY_TOKEN, now, hashed)
        if row is None:
            return None
        return self._keep(SessionRow._make(row), mark).principal

    def _keep(self, row: SessionRow, mark: Mark) -> LiveSession:
        session = LiveSession(row.principal(), row.expires_at)
        feed = self._feed
        # Kept whether or not the feed answers yet (it loads before it does); a reconnect
        # clears whatever was read while nobody listened.
        if feed.enabled and not (
            feed.held("session", row.token_hash) or feed.held("user", str(session.principal.id))
        ):
            self._kept.put(row.token_hash, session, mark)
        return session

    # -- the change feed ------------------------------------------------------------------

    def changed(self, kind: str, key: str, *, reload: bool) -> None:
        if key == "*":  # emptied by a statement (TRUNCATE), or a bulk write
            self._kept.clear()
            if reload:
                self._feed.spawn(self.load())
        elif kind == "session":
            self._kept.drop(key)
            if reload:
                self._feed.spawn(self._load_one(key))
        else:
            user = uuid.UUID(key)
            self._kept.drop_where(lambda _, found: found.principal.id == user)
            if reload:
                self._feed.spawn(self.load(user))

    def clear(self) -> None:
        self._kept.clear()

    async def load(self, user_id: uuid.UUID | None = None) -> None:
        """Every live session, or every live session of one user."""
        mark = self._kept.mark()
        if user_id is None:
            rows = await self._reader.rows(LIVE_SESSIONS, utcnow())
        else:
            rows = await self._reader.rows(_BY_USER, utcnow(), user_id)
        for row in rows:
            self._keep(SessionRow._make(row), mark)

    def sizes(self) -> dict[str, int]:
        return {"sessions": len(self._kept)}

    def _expired(self, hashed: str) -> None:
        if self._feed.listening and not self._feed.held("session", hashed):
            self._feed.spawn(self._load_one(hashed))

    async def _load_one(self, hashed: str) -> None:
        mark = self._kept.mark()
        row = await self._reader.row(_BY_TOKEN, utcnow(), hashed)
        if row is not None:
            self._keep(SessionRow._make(row), mark)
