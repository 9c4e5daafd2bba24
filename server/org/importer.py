"""Importing the organisation workbook: streets, departments, teams and officers.

Sheets are read in that order, each row checked against what the database and the earlier
sheets hold; a good row is added or updated by its code (a street's, department's or team's
code, an officer's username), a bad one reported with its sheet, line and reason and left out.
Importing the same file again changes nothing; a row whose content changed updates its record
and writes an audit row naming each changed field. Officers imported here have no password
until an administrator sets one. The caller commits.
"""

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session

from server.audit.service import Actor, record
from server.core.cells import cell_date
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
    check_validity,
    code_of,
    flag,
    number,
    text_of,
    unique_name,
)
from server.org.models import NO_PASSWORD, Department, Street, Team, User
from server.org.sheets import DEPARTMENTS, KINDS, OFFICERS, ROLE_WORDS, SHEETS, STREETS, TEAMS

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
        username = text_of(source, cells, "username", "用户名", 64)
        if not username:
            raise RowError("import.empty", field="用户名")
        if any(c.isspace() for c in username):
            raise RowError("import.has_space", field="用户名", value=username)
        name = text_of(source, cells, "name", "姓名", 64)
        if not name:
            raise RowError("import.empty", field="姓名")
        values = {
            "name": name,
            **self._placement(source, cells),
            **self._certificate(source, cells, username),
        }
        values["phone"] = text_of(source, cells, "phone", "手机", 32) or None
        user = self.known.users.get(username)
        if user is not None:
            outcome = self._update("user", user, values, line)
        else:
            self.known.users[username] = user = User(
                username=username, password_hash=NO_PASSWORD, **values
            )
            outcome = "added"
        if values["cert_no"]:
            self.known.certs[values["cert_no"]] = username
        self.session.add(user)
        return outcome

    def _placement(self, source: RowSource, cells: list[str]) -> dict[str, Any]:
        """Role, team, and the street and department the team gives the officer (an officer in
        no team may name a department)."""
        role_raw = source.get(cells, "role")
        word = ROLE_WORDS.get(header_key(role_raw))
        if word is None:
            if not role_raw:
                raise RowError("import.empty", field="角色")
            raise RowError("import.bad_role", value=role_raw)
        team_raw = source.get(cells, "team")
        team = self.known.team(team_raw) if team_raw else None
        if team is None and word.team:
            raise RowError("import.role_needs_team", role=word.label)
        if word.street and (team is None or team.street_id is None):
            raise RowError("import.role_needs_street_team", role=word.label)
        if word.street is False and team is not None and team.street_id is not None:
            raise RowError("import.role_not_street", role=word.label)
        department_raw = source.get(cells, "department")
        department = self.known.department(department_raw) if department_raw else None
        if team is not None and department is not None and department.id != team.department_id:
            raise RowError(
                "import.team_other_department", team=team.name, department=department.name
            )
        return {
            "role": word.role,
            "team_id": team.id if team else None,
            "street_id": team.street_id if team else None,
            "department_id": team.department_id if team else department.id if department else None,
        }

    def _certificate(self, source: RowSource, cells: list[str], username: str) -> dict[str, Any]:
        """The certificate's number and period; a sheet without 证件生效日 leaves the start."""
        cert_no = text_of(source, cells, "cert_no", "执法证号", 32) or None
        if cert_no and self.known.certs.get(cert_no, username) != username:
            raise RowError("import.cert_taken", cert=cert_no, username=self.known.certs[cert_no])
        values = {"cert_no": cert_no, "cert_valid_until": _day(source, cells, "cert_expires")}
        if "cert_from" in source.columns:
            values["cert_valid_from"] = _day(source, cells, "cert_from")
        if not cert_no and (values["cert_valid_until"] or values.get("cert_valid_from")):
            raise RowError("import.expiry_without_cert")
        user = self.known.users.get(username)
        start = values.get("cert_valid_from", user.cert_valid_from if user else None)
        check_validity(start, values["cert_valid_until"])
        return values

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


def _day(source: RowSource, cells: list[str], column: str) -> date | None:
    raw = source.get(cells, column)
    day = cell_date(raw) if raw else None
    if raw and day is None:
        raise RowError("import.not_date", field=source.label(column), value=raw)
    return day


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
