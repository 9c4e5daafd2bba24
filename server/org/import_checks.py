"""Checking the organisation workbook's rows against the organisation as it stands."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from server.core.cells import cell_bool
from server.core.import_report import RowError
from server.core.workbook import RowSource
from server.org.models import Department, Street, Team, User

__all__ = [
    "Known",
    "RowError",
    "apply",
    "code_of",
    "flag",
    "number",
    "text_of",
    "unique_name",
]


@dataclass
class Known:
    """The organisation as it stands, and as the workbook's earlier rows leave it."""

    streets: dict[str, Street]
    departments: dict[str, Department]
    teams: dict[str, Team]
    users: dict[str, User]  # by username, exactly as stored
    uncoded: dict[str, Team]  # teams made before they had codes, by name
    folded: dict[str, str]  # username in lower case → username
    certs: dict[str, str]  # certificate number → username

    @classmethod
    def load(cls, session: Session) -> "Known":
        teams = list(session.exec(select(Team)))
        return cls(
            streets={s.code: s for s in session.exec(select(Street))},
            departments={d.code: d for d in session.exec(select(Department))},
            teams={t.code: t for t in teams if t.code},
            uncoded={t.name: t for t in teams if not t.code},
            users=(users := {u.username: u for u in session.exec(select(User))}),
            folded={name.lower(): name for name in users},
            certs={u.cert_no: u.username for u in users.values() if u.cert_no},
        )

    def username_clash(self, username: str) -> str | None:
        """The username `username` would be confused with (letter case aside)."""
        return self.folded.get(username.lower())

    def cert_holder(self, username: str) -> Callable[[str], str | None]:
        """Who other than `username` holds a certificate number."""

        def holder(number: str) -> str | None:
            held = self.certs.get(number)
            return held if held != username else None

        return holder

    def keep(self, user: User, old_cert: str | None) -> None:
        """Take in an account as a row added or changed it."""
        self.users[user.username] = user
        self.folded[user.username.lower()] = user.username
        if old_cert and self.certs.get(old_cert) == user.username:
            del self.certs[old_cert]
        if user.cert_no:
            self.certs[user.cert_no] = user.username

    def street(self, raw: str) -> Street:
        found = self.streets.get(raw) or next(
            (s for s in self.streets.values() if raw in (s.name, s.name.removesuffix("街道"))), None
        )
        if found is None:
            raise RowError("import.unknown", what="街道", value=raw)
        return found

    def department(self, raw: str) -> Department:
        found = self.departments.get(raw) or next(
            (d for d in self.departments.values() if d.name == raw), None
        )
        if found is None:
            raise RowError("import.unknown", what="部门", value=raw)
        return found

    def team(self, raw: str) -> Team:
        found = (
            self.teams.get(raw)
            or next((t for t in self.teams.values() if t.name == raw), None)
            or self.uncoded.get(raw)
        )
        if found is None:
            raise RowError("import.unknown", what="队伍", value=raw)
        return found


def text_of(source: RowSource, cells: list[str], column: str, label: str, limit: int) -> str:
    value = source.get(cells, column)
    if len(value) > limit:
        raise RowError("import.too_long", field=label, limit=limit, length=len(value))
    return value


def code_of(source: RowSource, cells: list[str], label: str = "代码") -> str:
    code = text_of(source, cells, "code", label, 32)
    if not code:
        raise RowError("import.empty", field=label)
    if any(c.isspace() for c in code):
        raise RowError("import.has_space", field=label, value=code)
    return code


def flag(source: RowSource, cells: list[str], column: str, label: str) -> bool:
    """A 是/否 cell; blank is 否."""
    raw = source.get(cells, column)
    value = cell_bool(raw)
    if value is None:
        raise RowError("import.not_yes_no", field=label, value=raw)
    return value


def number(raw: str, label: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        if not raw:
            raise RowError("import.empty", field=label)
        raise RowError("import.not_number", field=label, value=raw)
    return value


def apply(row: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set `values` on `row`; the fields that changed, as [old, new] for the audit trail."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(row, name, value)
    return changes


def _plain(value: Any) -> Any:
    return (
        value.isoformat() if isinstance(value, date) else str(value) if value is not None else None
    )


def unique_name(rows: dict[str, Any], code: str, name: str, what: str) -> None:
    clash = next((r for c, r in rows.items() if r.name == name and c != code), None)
    if clash is not None:
        raise RowError("import.name_taken", name=name, what=what, code=clash.code)
