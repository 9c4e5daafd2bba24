"""What the sign-in API takes and gives, as types."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

__all__ = ["LoginRequest", "LoginResponse", "MapTiles", "UserRead"]


@dataclass
class LoginRequest:
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=256)]


@dataclass
class UserRead:
    id: uuid.UUID
    username: str
    name: str
    role: str
    department_id: uuid.UUID | None
    street_id: uuid.UUID | None
    team_id: uuid.UUID | None


@dataclass
class MapTiles:
    """The tile server the district licenses (empty: the apps draw their maps without tiles)."""

    tile_url: str
    attribution: str


@dataclass
class LoginResponse:
    user: UserRead
    csrf_token: str
    map: MapTiles
