"""The catalogue as the workbook its import reads, so that an export imports back unchanged."""

from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, col, select

from server.catalog.known import Catalogue, MatterRow
from server.catalog.measures import NONE_WORDS, measure_name
from server.catalog.models import EnforcementDomain, MatterEmpowerment, Scenario
from server.catalog.sheets import (
    EMPOWERMENT,
    EVERY_STREET_LABEL,
    EXAMPLES,
    ITEMS,
    MATTERS,
    NOTES,
    SCENARIOS,
    SHEETS,
)
from server.core.workbook_out import write_workbook
from server.org.models import Department, Street

__all__ = ["export_catalogue", "write_catalogue_template"]

_LEVEL = {"district": "区级", "street": "街道"}
_SOURCE = {"provincial": "省级认领", "local": "特色"}


def _reserved(matter: MatterRow) -> str:
    """A matter's reserved measures as the workbook writes them (无: none)."""
    names = [measure_name(code) for code in matter.reserved_measures]
    return "；".join(names) if names else NONE_WORDS[0]


def export_catalogue(session: Session, path: str | Path) -> None:
    """Write matters, items, empowerment and scenarios to `path` (XLSX)."""
    known = Catalogue.load(session)
    # A department by its code, as the org workbook names it; a field by its name, which an
    # import into another installation creates it by.
    departments = {d.id: d.code for d in session.exec(select(Department))}
    domains = {d.id: d.name for d in session.exec(select(EnforcementDomain))}
    matter_codes = {m.id: code for code, m in known.matters.items()}
    item_codes = {i.id: code for code, i in known.items.items()}
    streets = {s.id: s.code for s in session.exec(select(Street))}

    def matters() -> Iterator[tuple[object, ...]]:
        for code, m in sorted(known.matters.items()):
            dept, domain = departments[m.department_id], domains[m.domain_id]
            yield code, m.name, dept, _LEVEL[m.level], domain, m.legal_basis, _reserved(m)

    def items() -> Iterator[tuple[object, ...]]:
        for code, i in sorted(known.items.items()):
            yield (
                code,
                matter_codes[i.matter_id],
                i.title,
                "是" if i.is_key else "否",
                "是" if i.no_penalty_eligible else "否",
                i.basis,
                i.guidance,
            )

    def grants() -> Iterator[tuple[object, ...]]:
        rows = session.exec(select(MatterEmpowerment))
        for g in sorted(rows, key=lambda g: (matter_codes[g.matter_id], str(g.street_id))):
            street = streets[g.street_id] if g.street_id else EVERY_STREET_LABEL
            yield (
                matter_codes[g.matter_id],
                street,
                g.effective_from.isoformat() if g.effective_from else "",
                g.effective_to.isoformat() if g.effective_to else "",
            )

    def scenarios() -> Iterator[tuple[object, ...]]:
        for s in session.exec(select(Scenario).order_by(col(Scenario.code))):
            row = known.scenarios[s.code]
            yield (
                s.code,
                s.name,
                _SOURCE.get(s.source, s.source),
                "；".join(sorted(row.business_types)),
                "；".join(sorted(item_codes[i] for i in row.items)),
            )

    write_workbook(
        path,
        [(MATTERS, matters()), (ITEMS, items()), (EMPOWERMENT, grants()), (SCENARIOS, scenarios())],
    )


def write_catalogue_template(path: str | Path) -> None:
    """An empty catalogue workbook: headers, one example row per sheet, a notes sheet."""
    write_workbook(path, [(t, [EXAMPLES[t.key]]) for t in SHEETS], NOTES)
