"""The rules every account is held to, whichever way it comes in: the console's users page and
`onevisit users` (server/auth/users.py, reading what a person typed through
server/auth/user_fields.py) and the organisation workbook (server/org/importer.py). Each refusal
is a `UserRefused` whose reason names the field and what to write instead; both ways show it as
it is, the import with the sheet and line of the row.

Placement (who belongs where) is one table, `ROLE_INPUTS`, read by `place`:

- an inspector (执法人员) belongs to a team: a street's team, or a department's district team.
  Planning draws a street's inspectors into the day's visiting teams and brings a department's
  district officers along by their department, and the team is what gives both; an inspector in
  no team could be left out of every plan unnoticed, so none is let in, whichever way;
- a street supervisor (街道管理员) has a street, typed or given by a team of that street;
- a district supervisor (区级管理员) has none, and may be in a department's district team;
- an administrator, legal reviewer or oversight officer may be in a team, or in none.

A team gives its street and department; a street or department that contradicts the team is
refused. Without a team, a department may be named by anyone.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.inputs import shown, unsafe_text
from server.org.models import Department, Street, Team, User

__all__ = [
    "ROLE_INPUTS",
    "Holder",
    "Placement",
    "UserRefused",
    "checked_certificate",
    "checked_name",
    "checked_username",
    "keep_an_admin",
    "new_username",
    "place",
    "role_input",
    "role_query",
    "username_taken",
]

USERNAME_MAX = NAME_MAX = 64
CERT_MAX = 32
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_CERT = re.compile(r"[A-Za-z0-9-]+")
# Markup has no place in a person's name, which travels to printed papers, exports and other
# systems that may not escape it.
_MARKUP = frozenset("<>")


# Who holds a username or certificate number already: an import keeps its own view of the
# accounts as its rows leave them, rather than ask the database row by row.
Holder = Callable[[str], str | None]


class UserRefused(DomainError):
    """A change to a user refused: 422 with the reason; 409 when a username or certificate
    number is taken; 404 for a user that does not exist."""


@dataclass(frozen=True)
class Placement:
    """What a role, as typed, stores and where it belongs."""

    role: str  # app_user.role
    street: bool | None  # a street required (True), refused (False) or either (None)
    team: bool  # a team required


# The roles as typed (the console's list, `onevisit users --role`, the workbook's 角色 words).
ROLE_INPUTS: dict[str, Placement] = {
    "admin": Placement("admin", street=None, team=False),
    "district_supervisor": Placement("supervisor", street=False, team=False),
    "street_supervisor": Placement("supervisor", street=True, team=False),
    "inspector": Placement("inspector", street=None, team=True),
    "legal": Placement("legal", street=None, team=False),
    "oversight": Placement("oversight", street=None, team=False),
}


def _choices() -> str:
    return "、".join(ROLE_INPUTS)


def role_input(role: str, street_id: uuid.UUID | None) -> str:
    """The name a stored role is typed and shown by (`supervisor` → street or district)."""
    if role == "supervisor":
        return "street_supervisor" if street_id else "district_supervisor"
    return role


def role_query(typed: str) -> Placement:
    """The placement of a typed role; refused with the names it may be."""
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


def username_taken(session: Session, username: str) -> str | None:
    """The existing username that `username` would be confused with (letter case aside)."""
    return session.exec(
        select(User.username).where(func.lower(User.username) == username.lower())
    ).first()


def new_username(session: Session, typed: str, holder: Holder | None = None) -> str:
    """A username for a new account: well formed and nobody's, letter case aside (`holder`:
    the username it clashes with, asked of the database unless given)."""
    username = checked_username(typed)
    taken = holder(username) if holder else username_taken(session, username)
    if taken is not None:
        raise UserRefused(t("users.username.taken", value=username, taken=taken), 409)
    return username


def checked_name(typed: str) -> str:
    name = typed.strip()
    if not name:
        raise UserRefused(t("users.name.empty"))
    if len(name) > NAME_MAX:
        raise UserRefused(t("users.name.long", max=NAME_MAX, n=len(name)))
    if unsafe_text(name) or not _MARKUP.isdisjoint(name):
        raise UserRefused(t("users.name.chars", value=shown(name)))
    return name


def place(
    typed_role: str, street: Street | None, team: Team | None, department: Department | None
) -> tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]:
    """(street, team, department) of a user of the role, as given, the team filling in the
    street and department; refused when the role needs what is missing or refuses what is
    given, or the street or department contradicts the team."""
    rule = role_query(typed_role)
    if team is None and rule.team:
        raise UserRefused(t("users.team.required", role=t(f"role.{typed_role.strip()}")))
    street_id = street.id if street else None
    department_id = department.id if department else None
    if team is not None:
        if team.street_id is None and street is not None:
            raise UserRefused(t("users.team.no_street", team=team.name, street=street.name))
        if team.street_id is not None and street is not None and team.street_id != street.id:
            raise UserRefused(t("users.team.other_street", team=team.name, street=street.name))
        if team.street_id is not None and rule.street is False:
            raise UserRefused(t("users.team.district", team=team.name))
        if department is not None and department.id != team.department_id:
            raise UserRefused(
                t("users.team.other_department", team=team.name, department=department.name)
            )
        street_id, department_id = team.street_id, team.department_id
    if rule.street is True and street_id is None:
        raise UserRefused(t("users.street.required"))
    if rule.street is False and street_id is not None:
        raise UserRefused(t("users.street.refused"))
    return street_id, team.id if team else None, department_id


def checked_certificate(
    session: Session,
    cert_no: str,
    valid_from: date | None,
    valid_until: date | None,
    user_id: uuid.UUID | None,
    holder: Holder | None = None,
) -> tuple[str | None, date | None, date | None]:
    """A certificate's number and period for the user `user_id` (None: a new one): a number
    nobody else holds, of letters, digits and hyphens, and a period that does not end before it
    starts; no number, no period. `holder`: the username of anyone else holding a number, asked
    of the database unless given."""
    number = cert_no.strip() or None
    if number is None:
        if valid_from or valid_until:
            raise UserRefused(t("users.cert.dates_without_number"))
        return None, None, None
    if len(number) > CERT_MAX or not _CERT.fullmatch(number):
        raise UserRefused(t("users.cert.shape", value=shown(number), max=CERT_MAX))
    if valid_from and valid_until and valid_until < valid_from:
        raise UserRefused(
            t("users.cert.order", start=valid_from.isoformat(), end=valid_until.isoformat())
        )
    held_by = holder(number) if holder else _cert_holder(session, number, user_id)
    if held_by is not None:
        raise UserRefused(t("users.cert.taken", value=number, username=held_by), 409)
    return number, valid_from, valid_until


def _cert_holder(session: Session, number: str, user_id: uuid.UUID | None) -> str | None:
    same = select(User.username).where(User.cert_no == number)
    if user_id is not None:
        same = same.where(col(User.id) != user_id)
    return session.exec(same).first()


def keep_an_admin(session: Session, user: User, actor: Actor) -> None:
    """Refuse to take away the last active administrator, or an administrator's own rights:
    called before a change of the user's role, or their deactivation."""
    if user.role != "admin" or not user.active:
        return
    if actor.id is not None and actor.id == user.id:
        raise UserRefused(t("users.admin.self"))
    others = session.exec(
        select(func.count()).where(
            User.role == "admin", col(User.active).is_(True), User.id != user.id
        )
    ).one()
    if others == 0:
        raise UserRefused(t("users.admin.last"))
