"""Organisation: departments, streets, teams and the people who work in them."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint
from sqlmodel import Field, SQLModel

from server.core.models import new_id, timestamp_field

__all__ = [
    "NO_PASSWORD",
    "ROLES",
    "ROLE_CHECK",
    "Department",
    "Street",
    "StreetBoundary",
    "Team",
    "User",
]

# What `app_user.role` holds. A supervisor with a street is that street's supervisor (街道管理员),
# one without a street a district supervisor (区级管理员). `legal` (法制审核) reviews enforcement
# papers and `oversight` (执法监督) watches how enforcement is done; both may sign in to the
# console, and see only what a rule of server/auth/access.py grants them.
ROLES = ("admin", "supervisor", "inspector", "legal", "oversight")
ROLE_CHECK = "role IN ({})".format(", ".join(f"'{role}'" for role in ROLES))
# The password hash of an account whose password is not set yet (an imported officer): it
# matches no password, so nobody signs in until an administrator sets one.
NO_PASSWORD = "!"


class Department(SQLModel, table=True):
    """A department that owns enforcement matters (市场监管, 消防 …)."""

    __tablename__ = "department"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64, unique=True)
    specialised: bool = Field(default=False, description="a specialised team of the 1+5 structure")


class Street(SQLModel, table=True):
    """A street (街道) or the East Station hub committee, each with its enforcement team."""

    __tablename__ = "street"
    __table_args__ = (
        CheckConstraint("kind IN ('street', 'hub')", name="street_kind"),
        CheckConstraint("office_lat BETWEEN -90 AND 90", name="street_office_lat"),
        CheckConstraint("office_lng BETWEEN -180 AND 180", name="street_office_lng"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64, unique=True)
    kind: str = Field(default="street", max_length=8)
    office_lat: float
    office_lng: float


class StreetBoundary(SQLModel, table=True):
    """A street's territory: GeoJSON (Multi)Polygon coordinates in WGS-84, with its box."""

    __tablename__ = "street_boundary"

    street_id: uuid.UUID = Field(foreign_key="street.id", primary_key=True, ondelete="CASCADE")
    polygons: list = Field(sa_type=JSON, description="[[outline, *holes], …] of [lng, lat]")
    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float
    updated_at: datetime = timestamp_field()


class Team(SQLModel, table=True):
    """An enforcement team: a street's comprehensive team or a specialised department team."""

    __tablename__ = "team"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str | None = Field(default=None, max_length=32, unique=True, index=True)
    name: str = Field(max_length=64, unique=True)
    street_id: uuid.UUID | None = Field(default=None, foreign_key="street.id", index=True)
    department_id: uuid.UUID = Field(foreign_key="department.id", index=True)


class User(SQLModel, table=True):
    """A person who signs in: an inspector, a supervisor, a legal reviewer, an oversight officer
    or an administrator."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="app_user_role"),
        CheckConstraint(
            "cert_valid_until IS NULL OR cert_valid_from IS NULL "
            "OR cert_valid_until >= cert_valid_from",
            name="app_user_cert_validity",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=64)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="department.id", index=True)
    street_id: uuid.UUID | None = Field(default=None, foreign_key="street.id", index=True)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)
    cert_no: str | None = Field(default=None, max_length=32, unique=True)
    cert_valid_from: date | None = None
    cert_valid_until: date | None = None
    phone: str | None = Field(default=None, max_length=32)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_field()

    def certified_on(self, day: date) -> bool:
        """Whether the user holds a valid enforcement certificate on `day`."""
        if not self.cert_no or not self.active:
            return False
        if self.cert_valid_from and day < self.cert_valid_from:
            return False
        return not (self.cert_valid_until and day > self.cert_valid_until)
