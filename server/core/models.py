"""Shared column helpers for the table models."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from server.core.clock import utcnow

__all__ = ["AwareDateTime", "new_id", "timestamp_field"]

# Stable constraint names, so migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class AwareDateTime(TypeDecorator):
    """A moment, stored in UTC and always read back aware in UTC, on every database: PostgreSQL
    keeps the zone (timestamptz), SQLite keeps none and hands back what it stored, naive. So no
    model attribute is ever a naive datetime, and nothing downstream has to guess."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


def timestamp_field(*, index: bool = False, nullable: bool = False) -> datetime:
    """A timestamp column (AwareDateTime) defaulting to now (UTC)."""
    return Field(
        default_factory=utcnow if not nullable else None,
        sa_type=AwareDateTime,
        nullable=nullable,
        index=index,
    )
