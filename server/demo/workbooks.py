"""The demo district as the two workbooks a district brings — its organisation and its catalogue
(一张清单) — written with the exporters' writer and loaded through the same importers, so that
every demo load proves them on a whole district."""

from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session

from server.audit.service import Actor
from server.catalog import sheets as catalogue
from server.catalog.importer import import_catalogue
from server.core.import_report import ImportReport
from server.core.workbook import Table
from server.core.workbook_out import write_workbook
from server.demo.catalog import catalogue_sheets
from server.demo.staff import Staff
from server.org import sheets as org
from server.org.district import DEPARTMENTS, STREETS, TEAMS
from server.org.importer import import_org

__all__ = [
    "CATALOGUE_FILE",
    "ORG_FILE",
    "DemoImportRefused",
    "import_district",
    "write_catalogue_workbook",
    "write_org_workbook",
]

ORG_FILE = "组织机构.xlsx"
CATALOGUE_FILE = "执法事项清单.xlsx"
ACTOR = Actor("demo")
_KINDS = {"street": "街道", "hub": "派驻"}

Bbox = tuple[float, float, float, float]


class DemoImportRefused(RuntimeError):
    """An importer left out rows of the demo's own workbook: a bug in the one or the other."""


def _rows(table: Table, records: Iterable[dict[str, object]]) -> list[tuple[object, ...]]:
    """Records by column name as the table's rows, in its columns' order (blank when absent)."""
    return [tuple(record.get(column, "") for column in table.columns) for record in records]


def write_org_workbook(path: Path, staff: Staff) -> None:
    """Streets, departments, teams and officers, as `onevisit import org` reads them."""
    streets = (
        {
            "code": s.code,
            "name": s.name,
            "kind": _KINDS[s.kind],
            "office_lng": s.office_lng,
            "office_lat": s.office_lat,
            "crs": "WGS84",
        }
        for s in STREETS
    )
    departments = (
        {"code": d.code, "name": d.name, "specialised": "是" if d.specialised else "否"}
        for d in DEPARTMENTS
    )
    teams = (
        {"code": t.code, "name": t.name, "street": t.street, "department": t.department}
        for t in TEAMS
    )
    write_workbook(
        path,
        [
            (org.STREETS, _rows(org.STREETS, streets)),
            (org.DEPARTMENTS, _rows(org.DEPARTMENTS, departments)),
            (org.TEAMS, _rows(org.TEAMS, teams)),
            (org.OFFICERS, _rows(org.OFFICERS, (o.cells() for o in staff.officers))),
        ],
    )


def write_catalogue_workbook(path: Path) -> None:
    """Matters, check items, empowerment and scenarios, as `onevisit import catalogue` reads
    them."""
    rows = catalogue_sheets()
    write_workbook(path, [(table, _rows(table, rows[table.key])) for table in catalogue.SHEETS])


def import_district(
    session: Session, staff: Staff, folder: Path, *, bbox: Bbox
) -> tuple[ImportReport, ImportReport]:
    """Write the two workbooks into `folder` and import them, organisation first; raise
    DemoImportRefused if either import leaves out a row. Adds to the session."""
    write_org_workbook(folder / ORG_FILE, staff)
    write_catalogue_workbook(folder / CATALOGUE_FILE)
    reports = (
        import_org(session, folder / ORG_FILE, bbox=bbox, actor=ACTOR),
        import_catalogue(session, folder / CATALOGUE_FILE, actor=ACTOR),
    )
    for report in reports:
        if report.rejected:
            raise DemoImportRefused(
                f"the demo's own {report.file} was not imported whole:\n{report.rejects_text()}"
            )
    return reports
