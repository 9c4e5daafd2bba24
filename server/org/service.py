"""Organisation rules and queries."""

from sqlmodel import Session, select

from server.org.district import DEPARTMENTS, STREETS, TEAMS
from server.org.models import Department, Street, Team

__all__ = ["ensure_district"]


def ensure_district(session: Session) -> dict[str, Street]:
    """Create the district's departments, streets and teams where missing (idempotent).

    Returns the streets by code.
    """
    departments = {d.code: d for d in session.exec(select(Department))}
    for ref in DEPARTMENTS:
        if ref.code not in departments:
            departments[ref.code] = Department(
                code=ref.code, name=ref.name, specialised=ref.specialised
            )
            session.add(departments[ref.code])
    streets = {s.code: s for s in session.exec(select(Street))}
    for ref in STREETS:
        if ref.code not in streets:
            streets[ref.code] = Street(
                code=ref.code,
                name=ref.name,
                kind=ref.kind,
                office_lat=ref.office_lat,
                office_lng=ref.office_lng,
            )
            session.add(streets[ref.code])
    session.flush()
    teams = session.exec(select(Team.name, Team.code)).all()
    taken = {name for name, _ in teams} | {code for _, code in teams if code}
    for ref in TEAMS:
        if ref.name not in taken and ref.code not in taken:
            street = streets[ref.street] if ref.street else None
            session.add(
                Team(
                    code=ref.code,
                    name=ref.name,
                    street_id=street.id if street else None,
                    department_id=departments[ref.department].id,
                )
            )
    session.flush()
    return streets
