"""The catalogue as it stands, in the compact form an import compares rows with: a province's
list runs to tens of thousands of items, so rows are tuples by code, not ORM objects."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlmodel import Session, select

from server.catalog.models import (
    CheckItem,
    EnforcementDomain,
    Matter,
    MatterEmpowerment,
    Scenario,
    ScenarioBusinessType,
    ScenarioItem,
)
from server.core.import_report import RowError
from server.org.models import Department, Street

__all__ = ["Catalogue", "ItemRow", "MatterRow", "ScenarioRow"]


class MatterRow(NamedTuple):
    id: uuid.UUID
    name: str
    department_id: uuid.UUID
    level: str
    domain_id: uuid.UUID
    legal_basis: str
    reserved_measures: tuple[str, ...]


class ItemRow(NamedTuple):
    id: uuid.UUID
    matter_id: uuid.UUID
    title: str
    is_key: bool
    no_penalty_eligible: bool
    basis: str
    guidance: str


class ScenarioRow(NamedTuple):
    id: uuid.UUID
    name: str
    source: str
    business_types: frozenset[str]
    items: frozenset[uuid.UUID]


Grant = tuple[uuid.UUID, uuid.UUID | None, date | None]  # matter, street (None: all), from


@dataclass
class Catalogue:
    departments: dict[str, uuid.UUID]  # by code and by name
    streets: dict[str, uuid.UUID]  # by code, name and short name
    domains: dict[str, uuid.UUID]  # by code and by name
    matters: dict[str, MatterRow]
    items: dict[str, ItemRow]
    grants: dict[Grant, tuple[uuid.UUID, date | None]]  # → (row id, effective_to)
    scenarios: dict[str, ScenarioRow]
    scenario_names: dict[str, str] = field(default_factory=dict)  # name → code

    @classmethod
    def load(cls, session: Session) -> "Catalogue":
        departments: dict[str, uuid.UUID] = {}
        for d in session.exec(select(Department)):
            departments[d.name] = departments[d.code] = d.id
        streets: dict[str, uuid.UUID] = {}
        for s in session.exec(select(Street)):
            streets[s.name.removesuffix("街道")] = streets[s.name] = streets[s.code] = s.id
        domains: dict[str, uuid.UUID] = {}
        for d in session.exec(select(EnforcementDomain)):
            domains[d.name] = domains[d.code] = d.id
        matters = {
            m.code: MatterRow(
                m.id,
                m.name,
                m.department_id,
                m.level,
                m.domain_id,
                m.legal_basis,
                tuple(m.reserved_measures or ()),
            )
            for m in session.exec(select(Matter))
        }
        items = {
            code: ItemRow(*rest)
            for code, *rest in session.exec(
                select(
                    CheckItem.code,
                    CheckItem.id,
                    CheckItem.matter_id,
                    CheckItem.title,
                    CheckItem.is_key,
                    CheckItem.no_penalty_eligible,
                    CheckItem.basis,
                    CheckItem.guidance,
                )
            )
        }
        grants = {
            (g.matter_id, g.street_id, g.effective_from): (g.id, g.effective_to)
            for g in session.exec(select(MatterEmpowerment))
        }
        return cls(departments, streets, domains, matters, items, grants, _scenarios(session))

    def department(self, raw: str) -> uuid.UUID:
        found = self.departments.get(raw)
        if found is None:
            raise RowError("import.unknown", what="部门", value=raw)
        return found

    def street(self, raw: str) -> uuid.UUID:
        found = self.streets.get(raw)
        if found is None:
            raise RowError("import.unknown", what="街道", value=raw)
        return found

    def matter(self, raw: str) -> MatterRow:
        found = self.matters.get(raw)
        if found is None:
            raise RowError("import.unknown_matter", value=raw)
        return found


def _scenarios(session: Session) -> dict[str, ScenarioRow]:
    types: dict[uuid.UUID, set[str]] = defaultdict(set)
    for scenario_id, business_type in session.exec(
        select(ScenarioBusinessType.scenario_id, ScenarioBusinessType.business_type)
    ):
        types[scenario_id].add(business_type)
    items: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for scenario_id, item_id in session.exec(
        select(ScenarioItem.scenario_id, ScenarioItem.check_item_id)
    ):
        items[scenario_id].add(item_id)
    return {
        s.code: ScenarioRow(s.id, s.name, s.source, frozenset(types[s.id]), frozenset(items[s.id]))
        for s in session.exec(select(Scenario))
    }
