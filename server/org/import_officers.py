"""The 人员 sheet of the organisation workbook: a row is an account held to the rules the
console and `onevisit users` keep (server/org/user_rules.py), so that a workbook can add or
change no one they would refuse. A refusal comes back as the row's RowError with the reason
they show. What is the workbook's own is how a row is read: the 角色 words, streets, teams and
departments named by code or name, dates as Excel writes them, a sheet without 证件生效日
leaving the start as it is, and the 手机 column the console does not have.
"""

from datetime import date
from typing import Any

from sqlmodel import Session

from server.audit.service import Actor
from server.core.cells import cell_date
from server.core.import_report import RowError
from server.core.workbook import RowSource, header_key
from server.org.import_checks import Known, text_of
from server.org.models import Department, Street, Team, User
from server.org.sheets import ROLE_WORDS
from server.org.user_rules import (
    ROLE_INPUTS,
    UserRefused,
    checked_certificate,
    checked_name,
    keep_an_admin,
    new_username,
    place,
)

__all__ = ["OfficerRow", "officer_row"]

PHONE_MAX = 32


class OfficerRow:
    """A row checked: its account (`user`, None for a new one), username and the values to
    set."""

    def __init__(self, user: User | None, username: str, values: dict[str, Any]) -> None:
        self.user, self.username, self.values = user, username, values


def officer_row(
    session: Session, known: Known, source: RowSource, cells: list[str], actor: Actor
) -> OfficerRow:
    """The row checked against the organisation as it stands and the rows before it; RowError
    naming the first problem, in the console's words where the console has the rule."""
    typed = source.get(cells, "username")
    user = known.users.get(typed)
    try:
        username = user.username if user else new_username(session, typed, known.username_clash)
        role = _role(source, cells)
        values = {
            "role": ROLE_INPUTS[role].role,
            "name": checked_name(source.get(cells, "name")),
            **_placement(known, source, cells, role),
            **_certificate(session, known, source, cells, user, username),
            "phone": text_of(source, cells, "phone", "手机", PHONE_MAX) or None,
        }
        if user is not None and values["role"] != user.role:
            keep_an_admin(session, user, actor)
    except UserRefused as exc:
        raise RowError(exc.detail) from None
    return OfficerRow(user, username, values)


def _role(source: RowSource, cells: list[str]) -> str:
    """The role as the console types it, from the sheet's word for it."""
    raw = source.get(cells, "role")
    typed = ROLE_WORDS.get(header_key(raw))
    if typed is None:
        if not raw:
            raise RowError("import.empty", field="角色")
        raise RowError("import.bad_role", value=raw)
    return typed


def _placement(known: Known, source: RowSource, cells: list[str], role: str) -> dict[str, Any]:
    """Street, team and department by the console's rule; each cell a code or a name."""
    street: Street | None = None
    team: Team | None = None
    department: Department | None = None
    if raw := source.get(cells, "street"):
        street = known.street(raw)
    if raw := source.get(cells, "team"):
        team = known.team(raw)
    if raw := source.get(cells, "department"):
        department = known.department(raw)
    street_id, team_id, department_id = place(role, street, team, department)
    return {"street_id": street_id, "team_id": team_id, "department_id": department_id}


def _certificate(
    session: Session,
    known: Known,
    source: RowSource,
    cells: list[str],
    user: User | None,
    username: str,
) -> dict[str, Any]:
    """The certificate's number and period by the console's rule, for the account of
    `username` (`user`, None for a new one); a sheet without 证件生效日 keeps the start of a
    certificate the row still names."""
    cert_no = source.get(cells, "cert_no")
    until = _day(source, cells, "cert_expires")
    if "cert_from" in source.columns:
        start = _day(source, cells, "cert_from")
    else:
        start = user.cert_valid_from if user is not None and cert_no else None
    number, start, until = checked_certificate(
        session,
        cert_no,
        start,
        until,
        user.id if user is not None else None,
        known.cert_holder(username),
    )
    return {"cert_no": number, "cert_valid_from": start, "cert_valid_until": until}


def _day(source: RowSource, cells: list[str], column: str) -> date | None:
    raw = source.get(cells, column)
    day = cell_date(raw) if raw else None
    if raw and day is None:
        raise RowError("import.not_date", field=source.label(column), value=raw)
    return day
