"""What a person types about a user, checked and resolved to what `app_user` holds: username,
name, role, street, team, department, certificate. Every refusal is a `UserRefused` whose reason
names the field and what to type instead; the command line and the console show it as it is.

Roles are typed by the names people use: a supervisor with a street is a street supervisor
(`street_supervisor`, 街道管理员), one without a district supervisor (`district_supervisor`,
区级管理员); both are stored as `supervisor`, their street telling them apart (server/auth/access.py
scopes supervisors by street).

A team belongs to a street (a street's comprehensive team) or to none (a specialised
department's district team), and to one department: a user given a team and no street or
department takes the team's; a street or department that contradicts the team is refused.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from server.core.errors import DomainError
from server.core.i18n import t
from server.core.inputs import sane_day, shown, unsafe_text
from server.org.models import Department, Street, Team, User

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

# The roles as typed, each with the role stored and whether a street is required (True),
# refused (False) or optional (None).
ROLE_INPUTS: dict[str, tuple[str, bool | None]] = {
    "admin": ("admin", None),
    "district_supervisor": ("supervisor", False),
    "street_supervisor": ("supervisor", True),
    "inspector": ("inspector", None),
    "legal": ("legal", None),
    "oversight": ("oversight", None),
}
USERNAME_MAX = NAME_MAX = 64
CERT_MAX = 32
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_CERT = re.compile(r"[A-Za-z0-9-]+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class UserRefused(DomainError):
    """A change to a user refused: 422 with the reason; 409 when a username or certificate
    number is taken; 404 for a user that does not exist."""


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


def role_input(role: str, street_id: uuid.UUID | None) -> str:
    """The name a stored role is typed and shown by (`supervisor` → street or district)."""
    if role == "supervisor":
        return "street_supervisor" if street_id else "district_supervisor"
    return role


def _choices() -> str:
    return "、".join(ROLE_INPUTS)


def role_query(typed: str) -> tuple[str, bool | None]:
    """The stored role a typed role names, and whether it requires (True) or refuses (False) a
    street; refused with the names it may be."""
    typed = typed.strip()
    if not typed:
        raise UserRefused(t("users.role.missing", choices=_choices()))
    if typed == "supervisor":
        raise UserRefused(t("users.role.supervisor"))
    if typed not in ROLE_INPUTS:
        raise UserRefused(t("users.role.unknown", value=shown(typed), choices=_choices()))
    return ROLE_INPUTS[typed]


def checked_username(typed: str) -> str:
    """A username to create: letters, digits and `. _ @ -`, at most 64, surrounding spaces
    dropped (sign-in drops them too)."""
    username = typed.strip()
    if not username:
        raise UserRefused(t("users.username.empty"))
    if len(username) > USERNAME_MAX:
        raise UserRefused(t("users.username.long", max=USERNAME_MAX, n=len(username)))
    if not _USERNAME.fullmatch(username):
        raise UserRefused(t("users.username.chars", value=shown(username)))
    return username


def _name(typed: str) -> str:
    name = typed.strip()
    if not name:
        raise UserRefused(t("users.name.empty"))
    if len(name) > NAME_MAX:
        raise UserRefused(t("users.name.long", max=NAME_MAX, n=len(name)))
    if unsafe_text(name):
        raise UserRefused(t("users.name.chars", value=shown(name)))
    return name


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
    session: Session, form: UserForm, needs_street: bool | None
) -> tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]:
    """(street, team, department) of the form, the team's filling in what was left empty."""
    street, team, department = (
        _street(session, form.street),
        _team(session, form.team),
        _department(session, form.department),
    )
    street_id = street.id if street else None
    department_id = department.id if department else None
    if team is not None:
        if team.street_id is None and street is not None:
            raise UserRefused(t("users.team.no_street", team=team.name, street=street.name))
        if team.street_id is not None and street is not None and team.street_id != street.id:
            raise UserRefused(t("users.team.other_street", team=team.name, street=street.name))
        if team.street_id is not None and needs_street is False:
            raise UserRefused(t("users.team.district", team=team.name))
        street_id = team.street_id
        if department is not None and department.id != team.department_id:
            raise UserRefused(
                t("users.team.other_department", team=team.name, department=department.name)
            )
        department_id = team.department_id
    if needs_street is True and street_id is None:
        raise UserRefused(t("users.street.required"))
    if needs_street is False and street_id is not None:
        raise UserRefused(t("users.street.refused"))
    return street_id, team.id if team else None, department_id


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


def _certificate(
    session: Session, form: UserForm, user_id: uuid.UUID | None
) -> tuple[str | None, date | None, date | None]:
    cert_no = form.cert_no.strip() or None
    valid_from = _day(form.cert_from, "users.field.cert_from")
    valid_until = _day(form.cert_until, "users.field.cert_until")
    if cert_no is None:
        if valid_from or valid_until:
            raise UserRefused(t("users.cert.dates_without_number"))
        return None, None, None
    if len(cert_no) > CERT_MAX or not _CERT.fullmatch(cert_no):
        raise UserRefused(t("users.cert.shape", value=shown(cert_no), max=CERT_MAX))
    if valid_from and valid_until and valid_until < valid_from:
        raise UserRefused(
            t("users.cert.order", start=valid_from.isoformat(), end=valid_until.isoformat())
        )
    same = select(User.username).where(User.cert_no == cert_no)
    if user_id is not None:
        same = same.where(col(User.id) != user_id)
    holder = session.exec(same).first()
    if holder is not None:
        raise UserRefused(t("users.cert.taken", value=cert_no, username=holder), 409)
    return cert_no, valid_from, valid_until


def resolve(session: Session, form: UserForm, *, user_id: uuid.UUID | None = None) -> UserFacts:
    """Check `form` (for the user `user_id`, None for a new one) and resolve its names."""
    role, needs_street = role_query(form.role)
    name = _name(form.name)
    street_id, team_id, department_id = _placement(session, form, needs_street)
    cert_no, valid_from, valid_until = _certificate(session, form, user_id)
    return UserFacts(
        role, name, street_id, team_id, department_id, cert_no, valid_from, valid_until
    )


def username_taken(session: Session, username: str) -> str | None:
    """The existing username that `username` would be confused with (letter case aside)."""
    return session.exec(
        select(User.username).where(func.lower(User.username) == username.lower())
    ).first()
