"""The flexible-enforcement lists (柔性执法): versions of the 不予处罚 (no penalty, 首违不罚
among them) and 减轻处罚 (mitigated) lists a district adopts, each from its source document and
in force from a day to a day, and their entries, each tied to check items with the conditions a
case must meet for the entry to apply.
"""

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.models import new_id

__all__ = [
    "CORRECTIONS",
    "LENIENCY_KINDS",
    "DecisionLeniency",
    "LeniencyEntry",
    "LeniencyEntryItem",
    "LeniencyList",
]

LENIENCY_KINDS = ("no_penalty", "mitigated")
# What an entry asks of the correction: nothing, put right on site (当场改正), or put right on
# site or by the rectification order's deadline (限期改正).
CORRECTIONS = ("none", "on_site", "deadline")


class LeniencyList(SQLModel, table=True):
    """One version of a list: its code, its kind, the document it comes from and its period
    (both days included; no end: until further notice)."""

    __tablename__ = "leniency_list"
    __table_args__ = (
        CheckConstraint("kind IN ('no_penalty', 'mitigated')", name="leniency_list_kind"),
        CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="leniency_list_period"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, description="清单编码 of this version")
    kind: str = Field(max_length=12)
    name: str = Field(max_length=255)
    document: str = Field(max_length=255, description="文件名")
    document_no: str = Field(default="", max_length=64, description="文号")
    effective_from: date
    effective_to: date | None = None


class LeniencyEntry(SQLModel, table=True):
    """One entry (条目) of a list version: the conduct it covers and its conditions."""

    __tablename__ = "leniency_entry"
    __table_args__ = (
        UniqueConstraint("list_id", "no", name="leniency_entry_no"),
        CheckConstraint(
            "correction IN ('none', 'on_site', 'deadline')", name="leniency_entry_correction"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    list_id: uuid.UUID = Field(foreign_key="leniency_list.id", index=True, ondelete="CASCADE")
    no: str = Field(max_length=16, description="序号 within the list")
    conduct: str = Field(default="", sa_type=Text, description="违法行为")
    first_violation: bool = Field(default=False, description="首次违法 within the look-back")
    correction: str = Field(default="none", max_length=8)
    minor_harm: bool = Field(default=False, description="危害后果轻微")
    basis: str = Field(default="", sa_type=Text, description="依据")
    note: str = Field(default="", sa_type=Text)


class LeniencyEntryItem(SQLModel, table=True):
    """A check item an entry covers."""

    __tablename__ = "leniency_entry_item"

    entry_id: uuid.UUID = Field(
        foreign_key="leniency_entry.id", primary_key=True, ondelete="CASCADE"
    )
    check_item_id: uuid.UUID = Field(foreign_key="check_item.id", primary_key=True, index=True)


class DecisionLeniency(SQLModel, table=True):
    """The list entry a 不予处罚 or 减轻处罚 decision applied, per item of its case."""

    __tablename__ = "decision_leniency"

    decision_id: uuid.UUID = Field(
        foreign_key="case_decision.id", primary_key=True, ondelete="CASCADE"
    )
    check_item_id: uuid.UUID = Field(foreign_key="check_item.id", primary_key=True)
    entry_id: uuid.UUID = Field(foreign_key="leniency_entry.id", index=True)
