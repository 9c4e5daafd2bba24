"""A published route for the day: two certified inspectors, one merchant, a small checklist."""

import base64
import io
import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.core.clock import local_today, utcnow
from server.org.models import Department, Street
from server.planning.models import JointVisit, Plan, Route, RouteOfficer, VisitItem
from tests.support.factories import make_merchants, make_user
from tests.support.records import make_catalogue

CHECKLIST = ("licence", "hygiene", "signage")


def drawn_signature(width: int = 360, height: int = 140) -> str:
    """A signature as the phone's pad sends it: ink strokes on a transparent PNG, as a data URL."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    points = [(20 + i * 40, height // 2 + (-1) ** i * 35) for i in range(8)]
    pen.line(points, fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


SIGNATURE = drawn_signature()


@dataclass(frozen=True)
class Day:
    day: date
    visit_key: uuid.UUID
    merchant_id: uuid.UUID
    qr_token: str
    officers: tuple[Any, Any]
    outsider: Any
    items: dict[str, uuid.UUID]


def make_day(engine: Engine, prefix: str = "", on: date | None = None) -> Day:
    catalogue = make_catalogue(engine)
    one, two = make_user(engine, f"{prefix}insp-a"), make_user(engine, f"{prefix}insp-b")
    outsider = make_user(engine, f"{prefix}insp-c")
    merchant = make_merchants(engine, 1, seed=hash(prefix) % 1000, name_prefix="老王面馆")[0]
    day = Day(
        on or local_today(),
        uuid.uuid4(),
        merchant.id,
        merchant.qr_token,
        (one, two),
        outsider,
        catalogue.items,
    )
    _plan_visit(engine, day)
    return day


def another_visit(engine: Engine, day: Day, on: date) -> Day:
    """The same team at the same merchant on another day (a re-check), as a new visit."""
    later = replace(day, day=on, visit_key=uuid.uuid4())
    _plan_visit(engine, later)
    return later


def _plan_visit(engine: Engine, day: Day) -> None:
    with Session(engine) as session:
        street = session.exec(select(Street).where(Street.code == "hubin")).one()
        dept = session.exec(select(Department)).first()
        plan = Plan(
            street_id=street.id,
            day=day.day,
            version=1,
            status="published",
            published_at=utcnow(),
        )
        session.add(plan)
        session.flush()
        route = Route(plan_id=plan.id, number=1, name="第1组", start_minute=540, end_minute=1020)
        session.add(route)
        session.flush()
        for officer in day.officers:
            session.add(RouteOfficer(route_id=route.id, user_id=officer.id))
        visit = JointVisit(
            plan_id=plan.id,
            key=day.visit_key,
            merchant_id=day.merchant_id,
            route_id=route.id,
            seq=1,
            eta_minute=560,
            service_minutes=30,
            reasons=["due:green"],
            checks=[{"department": dept.code, "reason": "due:green"}],
        )
        session.add(visit)
        session.flush()
        for name in CHECKLIST:
            session.add(
                VisitItem(
                    joint_visit_id=visit.id,
                    check_item_id=day.items[name],
                    department_id=dept.id,
                )
            )
        session.commit()


@pytest.fixture
def today_route(sync_engine: Engine) -> Day:
    return make_day(sync_engine)


def record_body(day: Day, **changes: Any) -> dict[str, Any]:
    """A complete, valid record: licence failed with a deadline, the rest fine."""
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    one, two = day.officers
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "visit_id": str(day.visit_key),
        "started_at": start.isoformat(),
        "finished_at": (start + timedelta(minutes=25)).isoformat(),
        "presence": {
            "method": "qr",
            "qr_token": day.qr_token,
            "lat": 30.25,
            "lng": 120.17,
            "accuracy_m": 12.0,
        },
        "officers": [str(one.id), str(two.id)],
        "findings": [
            {
                "item": "T-licence",
                "outcome": "fail",
                "note": "营业执照未悬挂",
                "deadline": (day.day + timedelta(days=7)).isoformat(),
            },
            {"item": "T-hygiene", "outcome": "pass"},
            {"item": "T-signage", "outcome": "na"},
        ],
        "signatures": {
            "officers": {str(one.id): SIGNATURE, str(two.id): SIGNATURE},
            "merchant": SIGNATURE,
        },
        "evidence": [],
        "summary": "",
    }
    body.update(changes)
    return body
