"""Shared column helpers for the table models."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from server.core.clock import utcnow

__all__ = ["new_id", "timestamp_field"]

# Stable constraint names, so migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def timestamp_field(*, index: bool = False, nullable: bool = False) -> datetime:
    """A timezone-aware timestamp column defaulting to now (UTC)."""
    return Field(
        default_factory=utcnow if not nullable else None,
        sa_type=DateTime(timezone=True),
        nullable=nullable,
        index=index,
    )
