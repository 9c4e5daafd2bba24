"""The matter catalogue (一张清单): domains, matters, check items and scenarios (监管一件事)."""

import json
import uuid
from datetime import date

from sqlalchemy import JSON, CheckConstraint, Text, text
from sqlmodel import Field, SQLModel

from server.core.models import new_id

# A new matter reserves the major measures to the district (server/catalog/measures.py); the
# column's default says the same for rows written without it.
RESERVED_BY_DEFAULT = (
    "large_fine",
    "demote_qualification",
    "revoke_licence",
    "suspend",
    "close",
    "restrict_practice",
)
RESERVED_DEFAULT_JSON = json.dumps(list(RESERVED_BY_DEFAULT))

__all__ = [
    "CheckItem",
    "EnforcementDomain",
    "Matter",
    "MatterEmpowerment",
    "Scenario",
    "ScenarioBusinessType",
    "ScenarioItem",
]


class EnforcementDomain(SQLModel, table=True):
    """A field of enforcement (领域): market, fire safety, environment …"""

    __tablename__ = "enforcement_domain"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64, unique=True)


class Matter(SQLModel, table=True):
    """An enforcement matter (执法事项) with its legal basis and who may act on it."""

    __tablename__ = "matter"
    __table_args__ = (CheckConstraint("level IN ('district', 'street')", name="matter_level"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=255)
    domain_id: uuid.UUID = Field(foreign_key="enforcement_domain.id", index=True)
    department_id: uuid.UUID = Field(foreign_key="department.id", index=True)
    legal_basis: str = Field(sa_type=Text)
    level: str = Field(default="district", max_length=8, description="district or street")
    # The decision measures reserved to the district for this matter (级别管辖), as codes of
    # server/catalog/measures.py; a street's team deciding one of them is refused.
    reserved_measures: list[str] = Field(
        default_factory=lambda: list(RESERVED_BY_DEFAULT),
        sa_type=JSON,
        sa_column_kwargs={"server_default": text(f"'{RESERVED_DEFAULT_JSON}'")},
    )


class MatterEmpowerment(SQLModel, table=True):
    """A matter empowered (赋权) to a street's team, or to every street's (no street), from a
    day (none: since ever) to a day (none: until further notice), both days included."""

    __tablename__ = "matter_empowerment"
    __table_args__ = (
        CheckConstraint(
            "effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from",
            name="matter_empowerment_period",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    matter_id: uuid.UUID = Field(foreign_key="matter.id", index=True, ondelete="CASCADE")
    street_id: uuid.UUID | None = Field(
        default=None, foreign_key="street.id", index=True, ondelete="CASCADE"
    )
    effective_from: date | None = None
    effective_to: date | None = None

    def covers(self, day: date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )


class CheckItem(SQLModel, table=True):
    """One thing checked on site (检查项), key or general."""

    __tablename__ = "check_item"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    matter_id: uuid.UUID = Field(foreign_key="matter.id", index=True)
    title: str = Field(max_length=255)
    guidance: str = Field(default="", sa_type=Text)
    is_key: bool = Field(default=False, description="重点项")
    no_penalty_eligible: bool = Field(default=False, description="on the 首违不罚 list")
    basis: str = Field(default="", sa_type=Text, description="the provision the item checks")


class Scenario(SQLModel, table=True):
    """A 监管一件事 scenario: check items across departments for the business types it names."""

    __tablename__ = "scenario"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64, unique=True)
    source: str = Field(default="local", max_length=16, description="provincial or local")


class ScenarioBusinessType(SQLModel, table=True):
    """A merchant business type (行业) whose merchants the scenario applies to."""

    __tablename__ = "scenario_business_type"

    scenario_id: uuid.UUID = Field(foreign_key="scenario.id", primary_key=True, ondelete="CASCADE")
    business_type: str = Field(max_length=32, primary_key=True, index=True)


class ScenarioItem(SQLModel, table=True):
    """A check item carried by a scenario."""

    __tablename__ = "scenario_item"

    scenario_id: uuid.UUID = Field(foreign_key="scenario.id", primary_key=True, ondelete="CASCADE")
    check_item_id: uuid.UUID = Field(
        foreign_key="check_item.id", primary_key=True, ondelete="CASCADE"
    )
