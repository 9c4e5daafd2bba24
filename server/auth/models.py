"""Sign-in state kept in the database, so any app process can serve any request."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["LoginAttempt", "UserSession"]


class UserSession(SQLModel, table=True):
    """A signed-in session; only the SHA-256 of its cookie token is stored."""

    __tablename__ = "user_session"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field(index=True)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=255)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, kept to throttle guessing per username and per address."""

    __tablename__ = "login_attempt"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=64, index=True)
    ip: str | None = Field(default=None, max_length=64, index=True)
    succeeded: bool
    at: datetime = timestamp_field(index=True)
