"""What a person types about a user, checked and resolved to what `app_user` holds: username,
name, role, street, team, department, certificate. The rules are the organisation's
(server/org/user_rules.py), which the workbook import keeps too; here the typed names are looked
up. Every refusal is a `UserRefused` whose reason names the field and what to type instead; the
command line and the console show it as it is.

Roles are typed by the names people use: a supervisor with a street is a street supervisor
(`street_supervisor`, 街道管理员), one without a district supervisor (`district_supervisor`,
区级管理员); both are stored as `supervisor`, their street telling them apart (server/auth/access.py
scopes supervisors by street).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from server.core.i18n import t
from server.core.inputs import sane_day, shown
from server.org.models import Department, Street, Team
from server.org.user_rules import (
    ROLE_INPUTS,
    UserRefused,
    checked_certificate,
    checked_name,
    checked_username,
    place,
    role_input,
    role_query,
    username_taken,
)

__all__ = [
    "ROLE_INPUTS",
    "UserFacts",
    "UserForm",
    "UserRefused",
    "checked_username",
    "resolve",
    "role_input",
    "role_query",
    "username_taken",
]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class UserForm:
    """A user's role, name, placement and certificate as typed (the command line's options, the
    console's form); empty text means none."""

    role: str
    name: str
    street: str = ""
    team: str = ""
    department: str = ""
    cert_no: str = ""
    cert_from: str = ""
    cert_until: str = ""


@dataclass(frozen=True)
class UserFacts:
    """A `UserForm` checked and resolved: the columns of `app_user` it sets."""

    role: str
    name: str
    street_id: uuid.UUID | None
    team_id: uuid.UUID | None
    department_id: uuid.UUID | None
    cert_no: str | None
    cert_valid_from: date | None
    cert_valid_until: date | None


def _known(names: list[str]) -> str:
    return "、".join(names) if names else t("users.none_yet")


def _street(session: Session, typed: str) -> Street | None:
    if not typed.strip():
        return None
    wanted = typed.strip()
    found = session.exec(
        select(Street).where(or_(Street.code == wanted, Street.name == wanted))
    ).first()
    if found is None:
        codes = list(session.exec(select(Street.code).order_by(Street.code)))
        raise UserRefused(t("users.street.unknown", value=shown(wanted), known=_known(codes)))
    return found


def _team(session: Session, typed: str) -> Team | None:
    if not typed.strip():
        return None
    found = session.exec(select(Team).where(Team.name == typed.strip())).first()
    if found is None:
        names = list(session.exec(select(Team.name).order_by(Team.name)))
        raise UserRefused(t("users.team.unknown", value=shown(typed.strip()), known=_known(names)))
    return found


def _department(session: Session, typed: str) -> Department | None:
    if not typed.strip():
        return None
    wanted = typed.strip()
    found = session.exec(
        select(Department).where(or_(Department.code == wanted, Department.name == wanted))
    ).first()
    if found is None:
        codes = list(session.exec(select(Department.code).order_by(Department.code)))
        raise UserRefused(t("users.department.unknown", value=shown(wanted), known=_known(codes)))
    return found


def _placement(
    session: Session, form: UserForm
) -> tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]:
    """(street, team, department) of the form, the team's filling in what was left empty."""
    street, team, department = (
        _street(session, form.street),
        _team(session, form.team),
        _department(session, form.department),
    )
    return place(form.role, street, team, department)


def _day(typed: str, field: str) -> date | None:
    text = typed.strip()
    if not text:
        return None
    if not _DAY.fullmatch(text):
        raise UserRefused(t("users.date.format", field=t(field), value=shown(text)))
    try:
        day = date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        raise UserRefused(t("users.date.none", field=t(field), value=text)) from None
    if not sane_day(day):
        raise UserRefused(t("users.date.range", field=t(field), value=text))
    return day


def resolve(session: Session, form: UserForm, *, user_id: uuid.UUID | None = None) -> UserFacts:
    """Check `form` (for the user `user_id`, None for a new one) and resolve its names."""
    role = role_query(form.role).role
    name = checked_name(form.name)
    street_id, team_id, department_id = _placement(session, form)
    cert_no, valid_from, valid_until = checked_certificate(
        session,
        form.cert_no,
        _day(form.cert_from, "users.field.cert_from"),
        _day(form.cert_until, "users.field.cert_until"),
        user_id,
    )
    return UserFacts(
        role, name, street_id, team_id, department_id, cert_no, valid_from, valid_until
    )
