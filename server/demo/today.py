"""Today's plans in the demo: every street planned and published, so that an inspector who signs
in to the phone app finds a route to work, and a supervisor finds a day to look at."""

from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.core.clock import local_today
from server.core.settings import Settings
from server.org.models import Street, User
from server.packets.newest import newest_routes_in
from server.packets.store import warm_packets
from server.planning.draws import SeedAlreadyPublished, publish_seed
from server.planning.edits import Edit, publish
from server.planning.models import JointVisit, Plan, Route, RouteOfficer
from server.planning.service import build_plan, planning_policy

__all__ = ["Crew", "publish_today"]

DEMO = Actor("demo")


@dataclass(frozen=True)
class Crew:
    """A route of today's published plans: its team, officers and number of visits."""

    street: str
    team: str
    usernames: tuple[str, ...]
    visits: int


def publish_today(engine: Engine, settings: Settings) -> list[Crew]:
    """Plan and publish today for every street that has no plan yet; today's crews."""
    today = local_today()
    with Session(engine) as session:
        planned = session.exec(select(Plan.street_id).where(Plan.day == today)).all()
        if not planned:
            try:
                publish_seed(session, today)
                session.commit()
            except SeedAlreadyPublished:
                session.rollback()
    if not planned:
        with Session(engine) as session:
            plans = build_plan(
                session,
                today,
                settings=settings.planning,
                policy=planning_policy(settings.policy_file),
                actor=DEMO,
                today=today,
                # The demo shows a day's work whatever day it is started on.
                non_working_day=True,
            )
            session.flush()
            for plan in plans:
                street = session.get(Street, plan.street_id)
                assert street is not None
                publish(session, Edit(today, street.code, plan.version, DEMO, today))
            session.commit()
            warm_packets(session, today)
    return crews(engine, today)


def crews(engine: Engine, day) -> list[Crew]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        newest = [planned.route_id for planned in newest_routes_in(session, day)]
        routes = session.exec(
            select(Street.name, Route.id, Route.name)
            .join(Plan, col(Plan.id) == Route.plan_id)
            .join(Street, col(Street.id) == Plan.street_id)
            .where(col(Route.id).in_(newest))
            .order_by(Street.name, Route.number)
        ).all()
        ids = [route_id for _, route_id, _ in routes]
        names: dict = {route_id: [] for route_id in ids}
        for route_id, username in session.exec(
            select(RouteOfficer.route_id, User.username)
            .join(User, col(User.id) == RouteOfficer.user_id)
            .where(col(RouteOfficer.route_id).in_(ids))
            .order_by(User.username)
        ):
            names[route_id].append(username)
        visits = dict(
            session.exec(
                select(JointVisit.route_id, func.count())
                .where(col(JointVisit.route_id).in_(ids))
                .group_by(col(JointVisit.route_id))
            ).all()
        )
        found = [
            Crew(street, team, tuple(names[route_id]), visits.get(route_id, 0))
            for street, route_id, team in routes
        ]
        return found
