"""The organisation as a workbook of the same sheets the import reads, so that an export
imports back unchanged (and is the quickest way to fix a district's data in Excel)."""

from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, col, select

from server.core.workbook_out import write_workbook
from server.org.models import Department, Street, Team, User
from server.org.sheets import (
    DEPARTMENTS,
    EXAMPLES,
    NOTES,
    OFFICERS,
    ROLE_LABELS,
    SHEETS,
    STREETS,
    TEAMS,
)
from server.org.user_rules import role_input

__all__ = ["export_org", "write_org_template"]

_KIND = {"street": "街道", "hub": "派驻"}


def _streets(session: Session) -> Iterator[tuple[object, ...]]:
    for s in session.exec(select(Street).order_by(col(Street.code))):
        yield s.code, s.name, _KIND.get(s.kind, s.kind), s.office_lng, s.office_lat, "WGS84"


def _teams(session: Session) -> Iterator[tuple[object, ...]]:
    streets = {s.id: s.code for s in session.exec(select(Street))}
    departments = {d.id: d.code for d in session.exec(select(Department))}
    for t in session.exec(select(Team).order_by(col(Team.code), col(Team.name))):
        street = streets.get(t.street_id) if t.street_id else ""
        yield t.code or t.name, t.name, street, departments[t.department_id]


def _officers(session: Session) -> Iterator[tuple[object, ...]]:
    streets = {s.id: s.code for s in session.exec(select(Street))}
    teams = {t.id: t.code or t.name for t in session.exec(select(Team))}
    departments = {d.id: d.code for d in session.exec(select(Department))}
    for u in session.exec(select(User).where(col(User.active)).order_by(col(User.username))):
        # The team gives its members their street and department: only one in no team names
        # their own, so that moving an officer to another team is one cell to change.
        alone = u.team_id is None
        yield (
            u.username,
            u.name,
            ROLE_LABELS.get(role_input(u.role, u.street_id), u.role),
            streets.get(u.street_id, "") if u.street_id and alone else "",
            teams.get(u.team_id, "") if u.team_id else "",
            departments.get(u.department_id, "") if u.department_id and alone else "",
            u.cert_no or "",
            u.cert_valid_from.isoformat() if u.cert_valid_from else "",
            u.cert_valid_until.isoformat() if u.cert_valid_until else "",
            u.phone or "",
        )


def export_org(session: Session, path: str | Path) -> None:
    """Write streets, departments, teams and active officers to `path` (XLSX)."""
    departments = (
        (d.code, d.name, "是" if d.specialised else "否")
        for d in session.exec(select(Department).order_by(col(Department.code)))
    )
    write_workbook(
        path,
        [
            (STREETS, _streets(session)),
            (DEPARTMENTS, departments),
            (TEAMS, _teams(session)),
            (OFFICERS, _officers(session)),
        ],
    )


def write_org_template(path: str | Path) -> None:
    """An empty organisation workbook: headers, one example row per sheet, a notes sheet."""
    write_workbook(path, [(t, [EXAMPLES[t.key]]) for t in SHEETS], NOTES)
