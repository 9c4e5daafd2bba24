"""Which routes a day has: those of the newest published version of each street's plan that day.

One definition, in SQL, for everyone who asks: the phone's download on the raw reader
(`officer_route`), the day cache loading a whole day (`day_routes`), an ORM session building a
packet (`officer_route_in`), and the packets built ahead (`newest_routes_in`).
"""

import uuid
from datetime import date
from typing import NamedTuple

from sqlmodel import Session

from server.core.sql import RawReader, as_uuid, driver_rows

__all__ = [
    "NEWEST_ROUTES",
    "OFFICER_ROUTES",
    "OfficerRoute",
    "PlannedRoute",
    "day_routes",
    "newest_routes_in",
    "officer_route",
    "officer_route_in",
]

# The routes of the newest published version of each street's plan of a day.
NEWEST_ROUTES = """
SELECT r.id, p.street_id
FROM route r
JOIN plan p ON p.id = r.plan_id
WHERE p.day = {p} AND p.status = 'published'
  AND p.version = (SELECT MAX(n.version) FROM plan n
                   WHERE n.street_id = p.street_id AND n.day = p.day AND n.status = 'published')
"""
# Each officer's route among them.
OFFICER_ROUTES = f"""
SELECT ro.user_id, newest.id
FROM ({NEWEST_ROUTES}) newest
JOIN route_officer ro ON ro.route_id = newest.id
"""
_OFFICER = OFFICER_ROUTES + " WHERE ro.user_id = {p}"


class PlannedRoute(NamedTuple):
    route_id: uuid.UUID
    street_id: uuid.UUID


class OfficerRoute(NamedTuple):
    user_id: uuid.UUID
    route_id: uuid.UUID


def _officer_route(row: tuple) -> OfficerRoute:
    user_id, route_id = row
    return OfficerRoute(as_uuid(user_id), as_uuid(route_id))  # type: ignore[arg-type]


async def day_routes(reader: RawReader, day: date) -> list[OfficerRoute]:
    """Every officer's route of the day."""
    return [_officer_route(row) for row in await reader.rows(OFFICER_ROUTES, day)]


async def officer_route(reader: RawReader, day: date, user_id: uuid.UUID) -> uuid.UUID | None:
    """The officer's route of the day, or None."""
    found = await reader.row(_OFFICER, day, user_id)
    return None if found is None else _officer_route(found).route_id


def officer_route_in(session: Session, day: date, user_id: uuid.UUID) -> uuid.UUID | None:
    """The same, read in an ORM session's transaction."""
    found = driver_rows(session.connection(), _OFFICER, day, user_id)
    return _officer_route(found[0]).route_id if found else None


def newest_routes_in(session: Session, day: date) -> list[PlannedRoute]:
    """The day's routes with their streets, read in an ORM session's transaction."""
    return [
        PlannedRoute(as_uuid(route_id), as_uuid(street_id))  # type: ignore[arg-type]
        for route_id, street_id in driver_rows(session.connection(), NEWEST_ROUTES, day)
    ]
