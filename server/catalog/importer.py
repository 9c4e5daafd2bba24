"""Importing the catalogue workbook (一张清单): matters, check items, empowerment, scenarios.

Sheets are read in that order, each row checked against the catalogue as it stands and the
earlier rows; a good row is added or, when its content changed, updated with an audit row
naming each changed field; a bad one is reported by sheet, line and reason. New rows are
written in batches as the file streams, so a province's list of tens of thousands of items
holds memory to the catalogue's codes, never the file. Scenarios that are new or changed take
on the merchants of their business types at once. The caller commits.
"""

import hashlib
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import Uuid, bindparam, delete, insert, text
from sqlmodel import Session

from server.audit.service import Actor, record
from server.catalog.import_writer import Writer, day_of, diff, split, text_of, yes_no
from server.catalog.known import Catalogue, ItemRow, MatterRow, ScenarioRow
from server.catalog.measures import reserved_cell
from server.catalog.models import (
    CheckItem,
    EnforcementDomain,
    Matter,
    MatterEmpowerment,
    Scenario,
    ScenarioBusinessType,
    ScenarioItem,
)
from server.catalog.sheets import (
    EMPOWERMENT,
    EVERY_STREET,
    ITEMS,
    LEVELS,
    MATTERS,
    SCENARIOS,
    SHEETS,
    SOURCES,
)
from server.core.import_report import ImportReport, RowError, read_sheets
from server.core.workbook import RowSource, Table, header_key

__all__ = ["import_catalogue"]


def _domain_code(name: str) -> str:
    """A new field's code: its name, or for a name longer than a code may be, the start of it
    and a digest of the whole, so that two long names alike at the start stay two fields."""
    if len(name) <= 32:
        return name
    return f"{name[:23]}~{hashlib.sha1(name.encode()).hexdigest()[:8]}"


class _CatalogueImport:
    def __init__(self, session: Session, file: Path, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.known = Catalogue.load(session)
        self.report = ImportReport(file.name)
        self.out = Writer(session, file.name, actor)
        self.relink: set[uuid.UUID] = set()

    def sheet(self, table: Table, source: RowSource, store: Callable[..., str]) -> None:
        columns = _key_columns(table)
        key_of = lambda cells: " ".join(source.get(cells, c) for c in columns).strip()  # noqa: E731
        self.report.read_rows(table, source, key_of, store)
        self.out.flush()

    # -- sheets -------------------------------------------------------------------------------
    def matter(self, source: RowSource, cells: list[str], line: int) -> str:
        code = text_of(source, cells, "code", 32)
        name = text_of(source, cells, "name", 255)
        department = self.known.department(text_of(source, cells, "department"))
        level_raw = source.get(cells, "level") or "区级"
        level = LEVELS.get(header_key(level_raw))
        if level is None:
            raise RowError("import.bad_level", value=level_raw)
        domain = self._domain(text_of(source, cells, "domain", 64))
        legal_basis = source.get(cells, "legal_basis")
        old = self.known.matters.get(code)
        reserved = reserved_cell(source, cells, old.reserved_measures if old else None)
        row_id = old.id if old else uuid.uuid4()
        new = MatterRow(row_id, name, department, level, domain, legal_basis, reserved)
        self.known.matters[code] = new
        if old is None:
            self.out.insert(Matter, {"code": code, **new._asdict()})
            return "added"
        changes = diff(old, new)
        return self.out.update(Matter, "matter", old.id, changes, line) if changes else "unchanged"

    def _domain(self, raw: str) -> uuid.UUID:
        found = self.known.domains.get(raw)
        if found is None:
            found = self.known.domains[raw] = uuid.uuid4()
            self.session.execute(
                insert(EnforcementDomain), [{"id": found, "code": _domain_code(raw), "name": raw}]
            )
        return found

    def item(self, source: RowSource, cells: list[str], line: int) -> str:
        code = text_of(source, cells, "code", 32)
        matter = self.known.matter(text_of(source, cells, "matter"))
        title = text_of(source, cells, "text", 255)
        is_key = yes_no(source, cells, "key")
        no_penalty = yes_no(source, cells, "no_penalty")
        old = self.known.items.get(code)
        if "guidance" in source.columns:
            guidance = source.get(cells, "guidance")
        else:  # a sheet without the column (an older template) leaves the guidance as it is
            guidance = old.guidance if old else ""
        new = ItemRow(
            old.id if old else uuid.uuid4(),
            matter.id,
            title,
            is_key,
            no_penalty,
            source.get(cells, "basis"),
            guidance,
        )
        self.known.items[code] = new
        if old is None:
            self.out.insert(CheckItem, {"code": code, **new._asdict()})
            return "added"
        changes = diff(old, new)
        return (
            self.out.update(CheckItem, "check_item", old.id, changes, line)
            if changes
            else "unchanged"
        )

    def grant(self, source: RowSource, cells: list[str], line: int) -> str:
        matter = self.known.matter(text_of(source, cells, "matter"))
        street_raw = source.get(cells, "street")
        if not street_raw:
            raise RowError("import.empty", field=source.label("street"))
        street = None if street_raw.lower() in EVERY_STREET else self.known.street(street_raw)
        start, end = (day_of(source, cells, c) for c in ("effective_from", "effective_to"))
        if start and end and end < start:
            raise RowError("import.period_reversed", start=start, end=end)
        key = (matter.id, street, start)
        old = self.known.grants.get(key)
        if old is None:
            row_id = uuid.uuid4()
            self.known.grants[key] = (row_id, end)
            self.out.insert(
                MatterEmpowerment,
                {
                    "id": row_id,
                    "matter_id": matter.id,
                    "street_id": street,
                    "effective_from": start,
                    "effective_to": end,
                },
            )
            return "added"
        if old[1] == end:
            return "unchanged"
        self.known.grants[key] = (old[0], end)
        return self.out.update(
            MatterEmpowerment, "matter_empowerment", old[0], {"effective_to": [old[1], end]}, line
        )

    def scenario(self, source: RowSource, cells: list[str], line: int) -> str:
        code = text_of(source, cells, "code", 32)
        name = text_of(source, cells, "name", 64)
        source_raw = source.get(cells, "source") or "特色"
        origin = SOURCES.get(header_key(source_raw))
        if origin is None:
            raise RowError("import.bad_source", value=source_raw)
        types = frozenset(split(source.get(cells, "business_types")))
        if not types or any(len(b) > 32 for b in types):
            raise RowError("import.bad_business_types", field=source.label("business_types"))
        wanted = split(source.get(cells, "items"))
        unknown = [c for c in wanted if c not in self.known.items]
        if unknown or not wanted:
            raise RowError("import.unknown_items", codes="、".join(unknown) or "（空）")
        clash = self.known.scenario_names.get(name)
        if clash and clash != code:
            raise RowError("import.name_taken", name=name, what="场景", code=clash)
        old = self.known.scenarios.get(code)
        new = ScenarioRow(
            old.id if old else uuid.uuid4(),
            name,
            origin,
            types,
            frozenset(self.known.items[c].id for c in wanted),
        )
        self.known.scenarios[code], self.known.scenario_names[name] = new, code
        if old == new:
            return "unchanged"
        self.out.flush()
        if old is None:
            self.session.execute(
                insert(Scenario), [{"id": new.id, "code": code, "name": name, "source": origin}]
            )
        self._links(new)
        self.relink.add(new.id)
        if old is None:
            return "added"
        changes = {
            k: [getattr(old, k), getattr(new, k)]
            for k in ("name", "source")
            if getattr(old, k) != getattr(new, k)
        }
        if changes:
            self.out.update(Scenario, "scenario", old.id, changes, line)
        # The business types and items, as counts and codes: a list can run to hundreds.
        if old.business_types != types or old.items != new.items:
            self.out.audit(
                "scenario",
                old.id,
                line,
                {
                    "business_types": [sorted(old.business_types), sorted(types)],
                    "items": [len(old.items), len(new.items)],
                },
            )
        return "updated"

    def _links(self, row: ScenarioRow) -> None:
        for model in (ScenarioBusinessType, ScenarioItem):
            self.session.execute(delete(model).where(model.scenario_id == row.id))
        self.session.execute(
            insert(ScenarioBusinessType),
            [{"scenario_id": row.id, "business_type": b} for b in sorted(row.business_types)],
        )
        self.session.execute(
            insert(ScenarioItem), [{"scenario_id": row.id, "check_item_id": i} for i in row.items]
        )

    def relink_merchants(self) -> None:
        """Merchants of a new or changed scenario's business types take it on (and only they).
        (The merchants' tables sit above the catalogue, so they are named in SQL here.)"""
        scenario = bindparam("s", type_=Uuid())
        drop = text("DELETE FROM merchant_scenario WHERE scenario_id = :s").bindparams(scenario)
        link = text(
            "INSERT INTO merchant_scenario (merchant_id, scenario_id) "
            "SELECT m.id, b.scenario_id FROM merchant m JOIN scenario_business_type b "
            "ON b.business_type = m.business_type WHERE b.scenario_id = :s"
        ).bindparams(scenario)
        for scenario_id in self.relink:
            self.session.execute(drop, {"s": scenario_id})
            self.session.execute(link, {"s": scenario_id})


def _key_columns(table: Table) -> tuple[str, ...]:
    return ("matter", "street", "effective_from") if table is EMPOWERMENT else ("code",)


def import_catalogue(session: Session, path: str | Path, *, actor: Actor) -> ImportReport:
    """Import the catalogue workbook at `path`; raise WorkbookError if it cannot be read.
    Writes through the session; the caller commits."""
    path = Path(path)
    run = _CatalogueImport(session, path, actor)
    steps = (
        (MATTERS, run.matter),
        (ITEMS, run.item),
        (EMPOWERMENT, run.grant),
        (SCENARIOS, run.scenario),
    )
    read_sheets(
        path,
        [(table, partial(run.sheet, store=store)) for table, store in steps],
        SHEETS,
    )
    run.relink_merchants()
    record(
        session,
        action="catalogue.import",
        entity="catalogue",
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail=run.report.as_dict(),
    )
    return run.report
