"""Organisation rules and queries."""

from sqlmodel import Session, select

from server.org.district import DEPARTMENTS, STREETS
from server.org.models import Department, Street, Team

__all__ = ["ensure_district"]


def ensure_district(session: Session) -> dict[str, Street]:
    """Create the district's departments, streets and street teams where missing (idempotent).

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
    team_names = set(session.exec(select(Team.name)))
    comprehensive = departments["zhzf"]
    for street in streets.values():
        name = f"{street.name.removesuffix('街道')}综合行政执法队"
        if name not in team_names:
            session.add(Team(name=name, street_id=street.id, department_id=comprehensive.id))
    for dept in departments.values():
        if dept.specialised:
            name = f"{dept.name}专业执法队"
            if name not in team_names:
                session.add(Team(name=name, street_id=None, department_id=dept.id))
    session.flush()
    return streets
