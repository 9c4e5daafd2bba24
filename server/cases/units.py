"""Units that hold cases: a street's team, or a department at district level. A case's unit is
named by the code of its team or department (hubin-zh, scjg …), in transfers as on papers."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from server.core.principal import Principal
from server.org.models import Department, Team, User

__all__ = ["Unit", "find_unit", "unit_of", "unit_of_user", "units_of_principal"]


@dataclass(frozen=True)
class Unit:
    """A team (with the street it belongs to, none for a district team) or a department."""

    team_id: uuid.UUID | None
    department_id: uuid.UUID | None
    street_id: uuid.UUID | None
    code: str
    name: str

    @property
    def street_level(self) -> bool:
        """A street's unit, which may not decide what is reserved to the district."""
        return self.street_id is not None


def _team(team: Team) -> Unit:
    return Unit(team.id, None, team.street_id, team.code or team.name, team.name)


def _department(department: Department) -> Unit:
    return Unit(None, department.id, None, department.code, department.name)


def unit_of(
    session: Session, team_id: uuid.UUID | None, department_id: uuid.UUID | None
) -> Unit | None:
    """The unit a row names by its team or department."""
    if team_id is not None:
        team = session.get(Team, team_id)
        return _team(team) if team else None
    if department_id is not None:
        department = session.get(Department, department_id)
        return _department(department) if department else None
    return None


def unit_of_user(session: Session, user: User) -> Unit | None:
    """Where a case an officer files is held: the street team they are in; for a district
    officer (a team of no street, or no team), their department; for a street supervisor with
    no team, their street's comprehensive team (the first of its teams by code)."""
    team = session.get(Team, user.team_id) if user.team_id else None
    if team is not None and team.street_id is not None:
        return _team(team)
    department_id = user.department_id or (team.department_id if team else None)
    if department_id is not None and user.street_id is None:
        return unit_of(session, None, department_id)
    if user.street_id is not None:
        first = session.exec(
            select(Team).where(Team.street_id == user.street_id).order_by(col(Team.code))
        ).first()
        return _team(first) if first else None
    return None


def find_unit(session: Session, code: str) -> Unit | None:
    """The team or department with this code (a team first: codes are kept apart)."""
    team = session.exec(select(Team).where(Team.code == code)).first()
    if team is not None:
        return _team(team)
    department = session.exec(select(Department).where(Department.code == code)).first()
    return _department(department) if department else None


@dataclass(frozen=True)
class PrincipalUnits:
    """The units whose work awaits a signed-in user: None in a field means every one."""

    teams: frozenset[uuid.UUID] | None
    departments: frozenset[uuid.UUID] | None


def units_of_principal(session: Session, principal: Principal) -> PrincipalUnits:
    """An officer's team, and their department when they work at district level (no street);
    a street supervisor's street's teams; a district supervisor every department; an
    administrator every unit. Others (legal reviewers) hold none."""
    if principal.role == "admin":
        return PrincipalUnits(None, None)
    if principal.role == "supervisor" and principal.street_id is None:
        return PrincipalUnits(frozenset(), None)
    teams: set[uuid.UUID] = set()
    if principal.team_id is not None:
        teams.add(principal.team_id)
    if principal.role == "supervisor" and principal.street_id is not None:
        teams |= set(session.exec(select(Team.id).where(Team.street_id == principal.street_id)))
    departments: set[uuid.UUID] = set()
    if principal.street_id is None and principal.department_id is not None:
        departments.add(principal.department_id)
    return PrincipalUnits(frozenset(teams), frozenset(departments))
