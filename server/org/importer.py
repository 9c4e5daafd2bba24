"""Importing the organisation workbook: streets, departments, teams and officers.

Sheets are read in that order, each row checked against what the database and the earlier
sheets hold; a good row is added or updated by its code (a street's, department's or team's
code, an officer's username), a bad one reported with its sheet, line and reason and left out.
An officer's row is held to the rules the console and `onevisit users` keep and refused with
their reasons (server/org/import_officers.py). Importing the same file again changes nothing; a
row whose content changed updates its record and writes an audit row naming each changed
field. Officers imported here have no password until an administrator sets one. The caller
commits.
"""

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session

from server.audit.service import Actor, record
from server.core.geo import parse_crs, to_wgs84
from server.core.import_report import ImportReport, RowError, read_sheets
from server.core.workbook import (
    RowSource,
    Table,
    header_key,
)
from server.org.import_checks import (
    Known,
    apply,
    code_of,
    flag,
    number,
    text_of,
    unique_name,
)
from server.org.import_officers import officer_row
from server.org.models import NO_PASSWORD, Department, Street, Team, User
from server.org.sheets import DEPARTMENTS, KINDS, OFFICERS, SHEETS, STREETS, TEAMS

__all__ = ["import_org"]

Bbox = tuple[float, float, float, float]


class _OrgImport:
    def __init__(self, session: Session, file: Path, bbox: Bbox, actor: Actor) -> None:
        self.session, self.bbox, self.actor = session, bbox, actor
        self.known = Known.load(session)
        self.report = ImportReport(file.name)

    def sheet(self, table: Table, source: RowSource, store: Callable[..., str]) -> None:
        """Each row through `store`; the sheet's first column (a code, a username) is its key."""
        first = next(iter(table.columns))
        self.report.read_rows(table, source, lambda cells: source.get(cells, first), store)
        self.session.flush()

    def _update(self, entity: str, row: Any, values: dict[str, Any], line: int) -> str:
        changes = apply(row, values)
        if not changes:
            return "unchanged"
        self.session.add(row)
        record(
            self.session,
            action="org.import.update",
            entity=entity,
            entity_id=row.id,
            actor=self.actor.name,
            actor_id=self.actor.id,
            ip=self.actor.ip,
            detail={"file": self.report.file, "line": line, "changes": changes},
        )
        return "updated"

    def street(self, source: RowSource, cells: list[str], line: int) -> str:
        code = code_of(source, cells)
        name = text_of(source, cells, "name", "名称", 64)
        if not name:
            raise RowError("import.empty", field="名称")
        kind_raw = source.get(cells, "kind") or "街道"
        kind = KINDS.get(header_key(kind_raw))
        if kind is None:
            raise RowError("import.bad_kind", value=kind_raw)
        lat, lng = self._office(source, cells)
        unique_name(self.known.streets, code, name, "街道")
        values = {"name": name, "kind": kind, "office_lat": lat, "office_lng": lng}
        street = self.known.streets.get(code)
        if street is not None:
            return self._update("street", street, values, line)
        self.known.streets[code] = street = Street(code=code, **values)
        self.session.add(street)
        return "added"

    def department(self, source: RowSource, cells: list[str], line: int) -> str:
        code = code_of(source, cells)
        name = text_of(source, cells, "name", "名称", 64)
        if not name:
            raise RowError("import.empty", field="名称")
        unique_name(self.known.departments, code, name, "部门")
        values: dict[str, Any] = {"name": name}
        # A sheet without the column (an older template) leaves the departments as they are.
        if "specialised" in source.columns:
            values["specialised"] = flag(source, cells, "specialised", "专业执法")
        department = self.known.departments.get(code)
        if department is not None:
            return self._update("department", department, values, line)
        self.known.departments[code] = department = Department(code=code, **values)
        self.session.add(department)
        return "added"

    def team(self, source: RowSource, cells: list[str], line: int) -> str:
        code = code_of(source, cells)
        name = text_of(source, cells, "name", "名称", 64)
        if not name:
            raise RowError("import.empty", field="名称")
        street_raw = source.get(cells, "street")
        street = self.known.street(street_raw) if street_raw else None
        department_raw = source.get(cells, "department")
        if not department_raw:
            raise RowError("import.empty", field="部门")
        department = self.known.department(department_raw)
        unique_name(self.known.teams, code, name, "队伍")
        values = {
            "name": name,
            "street_id": street.id if street else None,
            "department_id": department.id,
        }
        # A team made before teams had codes (by the demo, say) is the one of the same name.
        team = self.known.teams.get(code) or self.known.uncoded.pop(name, None)
        if team is not None:
            self.known.teams[code] = team
            return self._update("team", team, {"code": code, **values}, line)
        self.known.teams[code] = team = Team(code=code, **values)
        self.session.add(team)
        return "added"

    def officer(self, source: RowSource, cells: list[str], line: int) -> str:
        row = officer_row(self.session, self.known, source, cells, self.actor)
        if row.user is not None:
            old_cert = row.user.cert_no
            outcome = self._update("user", row.user, row.values, line)
            self.known.keep(row.user, old_cert)
            if row.user.cert_no != old_cert:
                self.session.flush()  # a later row may take the number this one gave up
            return outcome
        user = User(username=row.username, password_hash=NO_PASSWORD, **row.values)
        self.known.keep(user, None)
        self.session.add(user)
        return "added"

    def _office(self, source: RowSource, cells: list[str]) -> tuple[float, float]:
        lng = number(source.get(cells, "office_lng"), "办公点经度")
        lat = number(source.get(cells, "office_lat"), "办公点纬度")
        try:
            crs = parse_crs(source.get(cells, "crs"))
        except ValueError as exc:
            raise RowError(str(exc)) from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise RowError("import.out_of_range", lng=lng, lat=lat)
        wlat, wlng = to_wgs84(lat, lng, crs)
        south, west, north, east = self.bbox
        if not (south <= wlat <= north and west <= wlng <= east):
            raise RowError(
                "import.outside_district",
                what="办公点",
                lng=lng,
                lat=lat,
                west=west,
                east=east,
                south=south,
                north=north,
            )
        return round(wlat, 7), round(wlng, 7)


def import_org(session: Session, path: str | Path, *, bbox: Bbox, actor: Actor) -> ImportReport:
    """Import the organisation workbook at `path` for `actor` (whom its audit rows name); raise
    WorkbookError if it cannot be read. Adds to the session; the caller commits."""
    path = Path(path)
    run = _OrgImport(session, path, bbox, actor)
    steps = (
        (STREETS, run.street),
        (DEPARTMENTS, run.department),
        (TEAMS, run.team),
        (OFFICERS, run.officer),
    )
    read_sheets(
        path,
        [(table, partial(run.sheet, store=store)) for table, store in steps],
        SHEETS,
    )
    record(
        session,
        action="org.import",
        entity="org",
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail=run.report.as_dict(),
    )
    return run.report
