"""Which version of a street-day's plan counts, and so which routes a day has.

Two meanings, each defined once: a street-day's newest version, whatever its status (what the
planner edits and the console shows), and its newest published version (what the officers go
out with and what a day promised). For the ORM: `newest_versions` (a subquery, over any span of
days, joined with `is_newest`) and `newest_plans` (one day's plans by street). For the hot reads
on the driver, the same published meaning in SQL: the phone's download on the raw reader
(`officer_route`), the day cache loading a whole day (`day_routes`), an ORM session building a
packet (`officer_route_in`), and the packets built ahead (`newest_routes_in`).
"""

import uuid
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, func
from sqlalchemy.sql import Subquery
from sqlmodel import Session, col, select

from server.core.sql import RawReader, as_uuid, driver_rows
from server.planning.models import Plan

__all__ = [
    "NEWEST_ROUTES",
    "OFFICER_ROUTES",
    "OfficerRoute",
    "PlannedRoute",
    "day_routes",
    "is_newest",
    "newest_plans",
    "newest_routes_in",
    "newest_versions",
    "officer_route",
    "officer_route_in",
]


def newest_versions(
    *,
    published: bool,
    since: date | None = None,
    until: date | None = None,
    street_ids: list[uuid.UUID] | None = None,
) -> Subquery:
    """(street_id, day, version) of each street-day from `since` to `until` (both included):
    its newest version, or with `published` its newest published one."""
    stmt = select(Plan.street_id, Plan.day, func.max(Plan.version).label("version"))
    if published:
        stmt = stmt.where(Plan.status == "published")
    if since is not None:
        stmt = stmt.where(Plan.day >= since)
    if until is not None:
        stmt = stmt.where(Plan.day <= until)
    if street_ids is not None:
        stmt = stmt.where(col(Plan.street_id).in_(street_ids))
    return stmt.group_by(col(Plan.street_id), col(Plan.day)).subquery()


def is_newest(newest: Subquery) -> Any:
    """The join of `Plan` with `newest_versions`: the plan is the one that counts."""
    return and_(
        col(Plan.street_id) == newest.c.street_id,
        col(Plan.day) == newest.c.day,
        col(Plan.version) == newest.c.version,
    )


def newest_plans(
    session: Session, day: date, street_ids: list[uuid.UUID] | None = None, *, published: bool
) -> dict[uuid.UUID, Plan]:
    """Each street's newest version of the day (its newest published one with `published`)."""
    newest = newest_versions(published=published, since=day, until=day, street_ids=street_ids)
    return {
        plan.street_id: plan for plan in session.exec(select(Plan).join(newest, is_newest(newest)))
    }


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
