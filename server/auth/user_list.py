"""Listing the people who sign in, as the command line and the console's users page show them."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from server.auth.user_fields import ROLE_INPUTS, UserRefused, role_input, role_query
from server.core.i18n import t
from server.core.inputs import shown
from server.org.models import Department, Street, Team, User

__all__ = ["UserRow", "form_choices", "list_users"]


@dataclass(frozen=True)
class UserRow:
    """A user as lists show them."""

    id: uuid.UUID
    username: str
    name: str
    role: str  # as typed: street_supervisor, district_supervisor, …
    street: str  # code
    street_name: str
    team: str
    department: str  # code
    department_name: str
    cert_no: str
    cert_from: date | None
    cert_until: date | None
    active: bool


def _listing(role: str | None, street: str | None, active: bool | None) -> Any:
    stmt = (
        select(User, Street, Team, Department)
        .outerjoin(Street, col(Street.id) == User.street_id)
        .outerjoin(Team, col(Team.id) == User.team_id)
        .outerjoin(Department, col(Department.id) == User.department_id)
        .order_by(col(User.username))
    )
    if role:
        placement = role_query(role)
        stmt = stmt.where(User.role == placement.role)
        if placement.street is not None:
            has_street = col(User.street_id).is_not(None)
            stmt = stmt.where(has_street if placement.street else ~has_street)
    if street:
        stmt = stmt.where((Street.code == street.strip()) | (Street.name == street.strip()))
    if active is not None:
        stmt = stmt.where(col(User.active).is_(active))
    return stmt


def list_users(
    session: Session,
    *,
    role: str | None = None,
    street: str | None = None,
    active: bool | None = True,
) -> list[UserRow]:
    """Users by username, filtered by role (as typed), street (code or name) and whether
    active (None: both). An unknown role or street is refused, not an empty list."""
    if street and street.strip():
        known = session.exec(
            select(Street.id).where(
                (Street.code == street.strip()) | (Street.name == street.strip())
            )
        ).first()
        if known is None:
            raise UserRefused(t("users.street.unknown_filter", value=shown(street.strip())))
    rows = session.exec(_listing(role, street, active))
    return [_row(user, place, team, dept) for user, place, team, dept in rows]


def _row(
    user: User, street: Street | None, team: Team | None, department: Department | None
) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        name=user.name,
        role=role_input(user.role, user.street_id),
        street=street.code if street else "",
        street_name=street.name if street else "",
        team=team.name if team else "",
        department=department.code if department else "",
        department_name=department.name if department else "",
        cert_no=user.cert_no or "",
        cert_from=user.cert_valid_from,
        cert_until=user.cert_valid_until,
        active=user.active,
    )


def form_choices(session: Session) -> dict[str, Any]:
    """What a user form's lists offer: roles, streets, teams, departments."""
    return {
        "roles": list(ROLE_INPUTS),
        "streets": list(session.exec(select(Street).order_by(col(Street.code)))),
        "teams": list(session.exec(select(Team).order_by(col(Team.name)))),
        "departments": list(session.exec(select(Department).order_by(col(Department.code)))),
    }
