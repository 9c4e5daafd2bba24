"""Owner links: the secret printed on a visit's papers that opens a merchant's full records."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["OwnerLink"]


class OwnerLink(SQLModel, table=True):
    """A merchant owner's secret link; only the SHA-256 of the secret is stored."""

    __tablename__ = "owner_link"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    secret_hash: str = Field(max_length=64, unique=True)
    issued_at: datetime = timestamp_field()
    issued_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
