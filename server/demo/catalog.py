"""Put the demo catalogue and scenarios into the database, adding only what is missing."""

import uuid
from collections.abc import Sequence

from sqlmodel import Session, SQLModel, select

from server.catalog.models import (
    CheckItem,
    EnforcementDomain,
    Matter,
    MatterEmpowerment,
    Scenario,
    ScenarioBusinessType,
    ScenarioItem,
)
from server.demo.catalog_data import DOMAINS, MATTERS, PILOT_STREETS
from server.demo.history import DemoItem, DemoScenario
from server.demo.scenario_data import SCENARIOS
from server.org.models import Department, Street

__all__ = ["load_catalogue"]

# Catalogue rows get ids derived from their codes, the same in every demo database.
_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-4c55-9e0a-3d1b7c2f5a10")


def _stable_id(kind: str, code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{kind}:{code}")


def _add_layer(session: Session, rows: Sequence[SQLModel]) -> None:
    # The catalogue tables have no ORM relationships, so the unit of work cannot order their
    # inserts by foreign key: flush each layer before the next.
    session.add_all(rows)
    session.flush()


def load_catalogue(session: Session, streets: dict[str, Street]) -> list[DemoScenario]:
    """Add the demo domains, matters, items and scenarios missing by code; return the scenarios."""
    departments = {d.code: d.id for d in session.exec(select(Department))}
    domains = {d.code: d.id for d in session.exec(select(EnforcementDomain))}
    matters = {m.code: m.id for m in session.exec(select(Matter))}
    items = {i.code: i.id for i in session.exec(select(CheckItem))}
    scenarios = {s.code: s.id for s in session.exec(select(Scenario))}

    new_domains = [(code, name) for code, name in DOMAINS if code not in domains]
    domains |= {code: _stable_id("domain", code) for code, _ in new_domains}
    _add_layer(session, [EnforcementDomain(id=domains[c], code=c, name=n) for c, n in new_domains])

    new_matters = [ref for ref in MATTERS if ref.code not in matters]
    matters |= {ref.code: _stable_id("matter", ref.code) for ref in new_matters}
    _add_layer(
        session,
        [
            Matter(
                id=matters[ref.code],
                code=ref.code,
                name=ref.name,
                domain_id=domains[ref.domain],
                department_id=departments[ref.department],
                legal_basis=ref.legal_basis,
                level=ref.level,
            )
            for ref in new_matters
        ],
    )

    layer: list[SQLModel] = [
        MatterEmpowerment(matter_id=matters[ref.code], street_id=None)
        for ref in new_matters
        if ref.all_streets
    ]
    layer += [
        MatterEmpowerment(matter_id=matters[ref.code], street_id=streets[code].id)
        for ref in new_matters
        if ref.pilot
        for code in PILOT_STREETS
    ]
    bundles: dict[str, list[DemoItem]] = {}
    for ref in MATTERS:
        bundles[ref.code] = []
        for n, item in enumerate(ref.items, start=1):
            code = f"{ref.code}-{n:02d}"
            if code not in items:
                items[code] = _stable_id("item", code)
                layer.append(
                    CheckItem(
                        id=items[code],
                        code=code,
                        matter_id=matters[ref.code],
                        title=item.title,
                        guidance=item.guidance,
                        is_key=item.is_key,
                        no_penalty_eligible=item.no_penalty,
                    )
                )
            bundles[ref.code].append(
                DemoItem(items[code], item.is_key, item.fixable, item.no_penalty)
            )
    _add_layer(session, layer)

    new_scenarios = [ref for ref in SCENARIOS if ref.code not in scenarios]
    scenarios |= {ref.code: _stable_id("scenario", ref.code) for ref in new_scenarios}
    _add_layer(
        session,
        [
            Scenario(id=scenarios[r.code], code=r.code, name=r.name, source="provincial")
            for r in new_scenarios
        ],
    )
    _add_layer(
        session,
        [
            ScenarioBusinessType(scenario_id=scenarios[r.code], business_type=r.business_type)
            for r in new_scenarios
        ],
    )
    loaded = [
        DemoScenario(ref, scenarios[ref.code], tuple(i for m in ref.matters for i in bundles[m]))
        for ref in SCENARIOS
    ]
    _add_layer(
        session,
        [
            ScenarioItem(scenario_id=scenario.id, check_item_id=item.id)
            for scenario in loaded
            if scenario.ref in new_scenarios
            for item in scenario.items
        ],
    )
    return loaded
