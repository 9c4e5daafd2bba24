"""A published route as its officers' phones see it: only that route (the planning module's
`tasks_for` reads the whole street's plan; a phone needs one route)."""

import uuid
from typing import Any

from sqlmodel import Session, col, select

from server.core.plan_settings import hhmm
from server.merchants.models import Merchant
from server.org.models import Department, Street, User
from server.planning.models import JointVisit, Plan, Route, RouteOfficer

__all__ = ["route_document"]


def route_document(session: Session, route_id: uuid.UUID) -> dict[str, Any]:
    """A published route as its officers' phones see it: head, officers, visits in order."""
    route, plan, street = session.exec(
        select(Route, Plan, Street)
        .join(Plan, col(Plan.id) == Route.plan_id)
        .join(Street, col(Street.id) == Plan.street_id)
        .where(Route.id == route_id)
    ).one()
    day = plan.day
    officers = [
        {
            "id": str(user.id),
            "username": user.username,
            "name": user.name,
            "cert_no": user.cert_no or "",
            "department": code or "",
            "role": link.role,
        }
        for link, user, code in session.exec(
            select(RouteOfficer, User, Department.code)
            .join(User, col(User.id) == RouteOfficer.user_id)
            .outerjoin(Department, col(Department.id) == User.department_id)
            .where(RouteOfficer.route_id == route.id)
            .order_by(RouteOfficer.role, User.username)
        )
    ]
    visits = [
        {
            "id": str(visit.key),
            "order": visit.seq,
            "eta": hhmm(visit.eta_minute or 0),
            "reasons": list(visit.reasons),
            "departments": [c["department"] for c in visit.checks],
            "merchant": {
                "id": str(merchant.id),
                "uscc": merchant.uscc,
                "name": merchant.name,
                "address": merchant.address,
                "lat": merchant.lat,
                "lng": merchant.lng,
                "colour": merchant.colour,
                "qr_token": merchant.qr_token,
            },
        }
        for visit, merchant in session.exec(
            select(JointVisit, Merchant)
            .join(Merchant, col(Merchant.id) == JointVisit.merchant_id)
            .where(JointVisit.route_id == route.id)
            .order_by(col(JointVisit.seq))
        )
    ]
    return {
        "date": day.isoformat(),
        "version": plan.version,
        "route": {
            "id": str(route.id),
            "team": route.name,
            "street": street.code,
            "street_name": street.name,
            "start": hhmm(route.start_minute),
            "end": hhmm(route.end_minute),
            "officers": officers,
            "visits": visits,
        },
    }
