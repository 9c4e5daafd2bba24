"""Sign-in state kept in the database, so any app process can serve any request."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["LoginAttempt", "PasswordReset", "UserSession"]


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


class PasswordReset(SQLModel, table=True):
    """A one-time link an administrator gives an officer to set a new password
    (server/auth/resets.py). Only the SHA-256 of its secret is kept; it works once, until it
    expires or a newer link for the same user replaces it."""

    __tablename__ = "password_reset"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field()
    created_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)
