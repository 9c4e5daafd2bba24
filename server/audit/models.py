"""The append-only audit trail; the database refuses updates and deletes."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["AuditEvent"]


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when, and from where."""

    __tablename__ = "audit_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    at: datetime = timestamp_field(index=True)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor: str = Field(max_length=64, description="username or the system process")
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64, index=True)
    ip: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
