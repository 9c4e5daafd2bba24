"""What the API says about merchants (never the table model itself)."""

import uuid
from dataclasses import dataclass
from datetime import date

__all__ = ["MerchantPage", "MerchantRead"]


@dataclass
class MerchantRead:
    id: uuid.UUID
    uscc: str
    name: str
    address: str
    street: str
    street_name: str
    business_type: str
    colour: str
    next_due: date | None
    lat: float
    lng: float
    contact: str | None  # None: not shown to this user (server.auth.access.merchant_reach)
    phone: str | None


@dataclass
class MerchantPage:
    items: list[MerchantRead]
    total: int
    page: int
    page_size: int
