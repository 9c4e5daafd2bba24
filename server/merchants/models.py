"""Merchants (市场主体): who they are, where they are, and their colour."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = ["COLOURS", "Merchant", "MerchantScenario", "MerchantToken", "OwnerLink"]

COLOURS = ("green", "yellow", "red")


class Merchant(SQLModel, table=True):
    """A shop or business under inspection, identified by its unified social credit code."""

    __tablename__ = "merchant"
    __table_args__ = (
        CheckConstraint("length(uscc) = 18 AND uscc = upper(uscc)", name="merchant_uscc_shape"),
        CheckConstraint("colour IN ('green', 'yellow', 'red')", name="merchant_colour"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="merchant_lat"),
        CheckConstraint("lng BETWEEN -180 AND 180", name="merchant_lng"),
        CheckConstraint("length(trim(name)) > 0", name="merchant_name_present"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    uscc: str = Field(max_length=18, unique=True, description="统一社会信用代码")
    name: str = Field(max_length=255, index=True)
    address: str = Field(default="", max_length=255)
    lat: float = Field(description="WGS-84 latitude")
    lng: float = Field(description="WGS-84 longitude")
    street_id: uuid.UUID = Field(foreign_key="street.id", index=True)
    business_type: str = Field(default="", max_length=32, index=True)
    contact: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    colour: str = Field(default="green", max_length=8, index=True)
    next_due: date | None = Field(default=None, index=True)
    qr_token: str = Field(max_length=64, unique=True)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class MerchantScenario(SQLModel, table=True):
    """A scenario (监管一件事) that applies to a merchant."""

    __tablename__ = "merchant_scenario"

    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", primary_key=True, ondelete="CASCADE")
    scenario_id: uuid.UUID = Field(foreign_key="scenario.id", primary_key=True, ondelete="CASCADE")


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


class MerchantToken(SQLModel, table=True):
    """A QR token that no longer works (replaced or revoked); only its SHA-256 is kept."""

    __tablename__ = "merchant_token"
    __table_args__ = (
        CheckConstraint("status IN ('replaced', 'revoked')", name="merchant_token_status"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    merchant_id: uuid.UUID = Field(foreign_key="merchant.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    status: str = Field(max_length=12)
    reason: str = Field(default="", sa_type=Text)
    ended_at: datetime = timestamp_field()
    ended_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
