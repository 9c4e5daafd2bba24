"""A small district for the access matrix: two streets, the seven kinds of visitor, and one of
each thing a route can be asked about (merchant, plan, draw, inspection, order, evidence, upload,
hold, complaint, recorder clip, owner link). Fixed dates: nothing depends on the machine's clock.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from server.auth.passwords import hash_password
from server.colour.actions import set_override
from server.colour.schemas import OverrideRequest
from server.complaints.models import Complaint
from server.core.clock import district_timezone
from server.evidence.models import Evidence, LegalHold
from server.evidence.recorders.models import Recorder, RecorderClip
from server.merchants.models import Merchant
from server.merchants.owner_links import visit_link_secret
from server.org.models import Department, Street, Team, User
from server.org.service import ensure_district
from server.planning.draw import draw_teams, pool_hash
from server.planning.models import Draw, DrawSeed, JointVisit, Plan, Route, RouteOfficer, VisitItem
from server.policy.rules import DEFAULT_POLICY
from server.rectifications.models import RectificationOrder
from tests.evidence import tus
from tests.inspections.conftest import SIGNATURE
from tests.support.factories import make_merchants
from tests.support.records import make_catalogue

__all__ = ["DAY", "PERSONAS", "World", "make_world"]

DAY = date(2026, 12, 7)  # a Monday, a working day after the suite's today
SEED = "5eed" * 16
PASSWORD = "pw-correct-horse"
NO_ID = uuid.UUID(int=0)  # until the world is made
# The columns of the matrix: who asks.
PERSONAS = (
    "anonymous",
    "inspector_other",  # an inspector of another street's team
    "inspector_team",  # an inspector of the team that made the visit
    "supervisor_other",  # the supervisor of another street
    "supervisor_street",  # the supervisor of the merchant's street
    "district",  # a district supervisor (no street)
    "admin",
)
USERNAMES = {
    "inspector_other": ("insp_kaixuan", "inspector", "kaixuan"),
    "inspector_team": ("insp_hubin", "inspector", "hubin"),
    "supervisor_other": ("sup_kaixuan", "supervisor", "kaixuan"),
    "supervisor_street": ("sup_hubin", "supervisor", "hubin"),
    "district": ("sup_district", "supervisor", None),
    "admin": ("admin", "admin", None),
}


@dataclass
class Visitor:
    """One column of the matrix: a session's cookies and CSRF token (none when anonymous)."""

    name: str
    username: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "X-CSRF-Token": self.cookies[CSRF_COOKIE]}


@dataclass
class World:
    engine: Engine
    client: TestClient
    visitors: dict[str, Visitor]
    users: dict[str, User]
    merchant: Merchant
    far_merchant: Merchant
    visit_key: uuid.UUID
    # Made through the API once the visitors are signed in:
    inspection_id: uuid.UUID = NO_ID
    action_code: str = ""
    order_id: uuid.UUID = NO_ID
    evidence_id: uuid.UUID = NO_ID
    upload_path: str = ""
    complaint_id: uuid.UUID = NO_ID
    tracking_no: str = ""

    def token(self) -> str:
        """The merchant's QR token now (rotating it is one of the routes)."""
        with Session(self.engine) as session:
            return session.get(Merchant, self.merchant.id).qr_token

    def version(self) -> int:
        """The newest version of hubin's plan of DAY (building and editing it are routes)."""
        with Session(self.engine) as session:
            return session.exec(
                select(func.max(Plan.version))
                .join(Street, col(Street.id) == Plan.street_id)
                .where(Street.code == "hubin", Plan.day == DAY)
            ).one()

    def fresh_hold(self) -> uuid.UUID:
        """A legal hold on the evidence that stands (releasing one is a route)."""
        with Session(self.engine) as session:
            hold = LegalHold(evidence_id=self.evidence_id, reason="复议")
            session.add(hold)
            session.commit()
            return hold.id

    def override(self) -> None:
        """A manual colour in force on the merchant (ending one is a route)."""
        with Session(self.engine) as session:
            set_override(
                session,
                self.merchant.id,
                OverrideRequest(colour="yellow", reason="复核中", days=10),
                policy=DEFAULT_POLICY,
                actor=Actor("sup_district"),
            )
            session.commit()

    def fresh_clip(self) -> uuid.UUID:
        """Another clip of the team's officer waiting in the review queue (placing one is a
        route)."""
        with Session(self.engine) as session:
            recorder = session.exec(select(Recorder)).one()
            return _clip(session, recorder, self.users["inspector_team"])

    def owner_secret(self) -> str:
        return visit_link_secret(self.client.app.state.settings.secret_key, self.inspection_id)

    def blob_token(self) -> str:
        """An app-signed link to the evidence's original, as the local store hands out."""
        from server.evidence.links import _b64, _sign  # the signing the app itself uses

        with Session(self.engine) as session:
            evidence = session.get(Evidence, self.evidence_id)
            claim = {"k": evidence.storage_key, "t": evidence.content_type, "d": "inline", "e": 4e9}
        payload = _b64(json.dumps(claim, separators=(",", ":")).encode())
        return f"{payload}.{_sign(self.client.app.state.settings.secret_key, payload)}"

    def sign_in(self, visitor: Visitor) -> None:
        if visitor.username is None:
            return
        self.client.cookies.clear()
        response = self.client.post(
            "/api/v1/auth/login", json={"username": visitor.username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        visitor.cookies = {
            SESSION_COOKIE: response.cookies[SESSION_COOKIE],
            CSRF_COOKIE: response.cookies[CSRF_COOKIE],
        }
        self.client.cookies.clear()


def _people(engine: Engine) -> dict[str, User]:
    hashed = hash_password(PASSWORD)
    with Session(engine, expire_on_commit=False) as session:
        streets = ensure_district(session)
        teams = {t.street_id: t for t in session.exec(select(Team)) if t.street_id}
        dept = session.exec(select(Department).where(Department.code == "zhzf")).one()
        wanted = dict(USERNAMES) | {"partner": ("insp_hubin2", "inspector", "hubin")}
        users = {}
        for n, (key, (username, role, street)) in enumerate(sorted(wanted.items()), 1):
            street_id = streets[street].id if street else None
            users[key] = User(
                username=username,
                name=f"人员{n}",
                password_hash=hashed,
                role=role,
                department_id=dept.id,
                street_id=street_id,
                team_id=teams[street_id].id if street_id and role == "inspector" else None,
                cert_no=f"3301029900{n:02d}",
                cert_valid_from=date(2020, 1, 1),
                cert_valid_until=date(2040, 1, 1),
            )
        session.add_all(users.values())
        session.commit()
        return users


def _plan(engine: Engine, users: dict[str, User], merchant: Merchant, items: dict) -> uuid.UUID:
    """hubin's published plan of DAY: one route of the team, one visit of the merchant; the
    day's seed and the teams draws of hubin and kaixuan."""
    key = uuid.uuid4()
    with Session(engine) as session:
        street = session.exec(select(Street).where(Street.code == "hubin")).one()
        dept = session.exec(select(Department)).first()
        published = datetime(2026, 12, 6, 12, tzinfo=UTC)
        session.add(DrawSeed(day=DAY, seed=SEED, published_at=published - timedelta(hours=4)))
        session.flush()
        for code, members in (
            ("hubin", [users["inspector_team"], users["partner"]]),
            ("kaixuan", [users["inspector_other"]]),
        ):
            pool = sorted([str(u.id), u.cert_no] for u in members)
            session.add(
                Draw(
                    day=DAY,
                    kind="teams",
                    scope=code,
                    pool=pool,
                    pool_hash=pool_hash(pool),
                    result=draw_teams(SEED, code, pool),
                    drawn_at=published - timedelta(hours=2),
                )
            )
        plan = Plan(
            street_id=street.id, day=DAY, version=1, status="published", published_at=published
        )
        session.add(plan)
        session.flush()
        route = Route(plan_id=plan.id, number=1, name="第1组", start_minute=510, end_minute=990)
        session.add(route)
        session.flush()
        for officer in (users["inspector_team"], users["partner"]):
            session.add(RouteOfficer(route_id=route.id, user_id=officer.id))
        visit = JointVisit(
            plan_id=plan.id,
            key=key,
            merchant_id=merchant.id,
            route_id=route.id,
            seq=1,
            eta_minute=560,
            service_minutes=30,
            reasons=["due:green"],
            checks=[{"department": dept.code, "reason": "due:green"}],
        )
        session.add(visit)
        session.flush()
        for name in ("licence", "hygiene"):
            session.add(
                VisitItem(joint_visit_id=visit.id, check_item_id=items[name], department_id=dept.id)
            )
        session.commit()
    return key


def _record(world_users: dict[str, User], key: uuid.UUID, token: str) -> dict[str, Any]:
    """The team's record of the visit: licence failed with a deadline, hygiene fine."""
    start = datetime(2026, 12, 7, 9, 30, tzinfo=district_timezone())
    one, two = world_users["inspector_team"], world_users["partner"]
    return {
        "id": str(uuid.uuid4()),
        "visit_id": str(key),
        "started_at": start.isoformat(),
        "finished_at": (start + timedelta(minutes=25)).isoformat(),
        "presence": {"method": "qr", "qr_token": token, "lat": 30.25, "lng": 120.17},
        "officers": [str(one.id), str(two.id)],
        "findings": [
            {"item": "T-licence", "outcome": "fail", "note": "未悬挂", "deadline": "2026-12-14"},
            {"item": "T-hygiene", "outcome": "pass"},
        ],
        "signatures": {
            "officers": {str(one.id): SIGNATURE, str(two.id): SIGNATURE},
            "merchant": SIGNATURE,
        },
        "evidence": [],
        "summary": "",
    }


def make_world(engine: Engine, client: TestClient) -> World:
    users = _people(engine)
    (merchant,) = make_merchants(engine, 1, street="hubin", name_prefix="湖滨面馆")
    (far,) = make_merchants(engine, 1, street="kaixuan", seed=3, name_prefix="凯旋小吃")
    with Session(engine) as session:
        session.exec(update(Merchant).values(contact="王老板", phone="13800001111"))
        session.commit()
    catalogue = make_catalogue(engine)
    key = _plan(engine, users, merchant, catalogue.items)
    visitors = {name: Visitor(name, USERNAMES.get(name, (None,))[0]) for name in PERSONAS}
    world = World(engine, client, visitors, users, merchant, far, key)
    for visitor in visitors.values():
        world.sign_in(visitor)
    team = visitors["inspector_team"].headers

    stored = client.post(
        "/api/v1/inspections", json=_record(users, key, merchant.qr_token), headers=team
    )
    assert stored.status_code == 201, stored.text
    world.inspection_id = uuid.UUID(stored.json()["id"])
    world.action_code = stored.json()["action_code"]
    world.order_id = uuid.UUID(stored.json()["orders"][0]["id"])

    photo = tus.jpeg((320, 240))
    csrf = team["X-CSRF-Token"]
    done, _ = _upload(client, team, photo, inspection_id=world.inspection_id)
    assert done.status_code == 204, done.text
    with Session(engine) as session:
        world.evidence_id = session.exec(select(Evidence.id)).one()
    pending = tus.create(
        _Headed(client, team), csrf, tus.jpeg((300, 200), noise=True), filename="b.jpg"
    )
    assert pending.status_code == 201, pending.text
    world.upload_path = tus.path_of(pending)

    client.cookies.clear()
    sent = client.post(
        f"/m/{merchant.qr_token}/complaints",
        data={"text": "后厨地面油污", "contact": "13900001111"},
        files={"photo": ("p.jpg", tus.jpeg((200, 150)), "image/jpeg")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    with Session(engine) as session:
        complaint = session.exec(select(Complaint)).one()
        world.complaint_id, world.tracking_no = complaint.id, complaint.tracking_no
    _recorder(engine)
    with Session(engine) as session:
        assert session.get(RectificationOrder, world.order_id) is not None
    client.cookies.clear()
    return world


class _Headed:
    """The client with a visitor's cookies sent on every request (the tus helpers' `client`)."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, **kw | {"headers": {**self.headers, **kw.get("headers", {})}})

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, **kw | {"headers": {**self.headers, **kw.get("headers", {})}})


def _upload(client: TestClient, headers: dict[str, str], data: bytes, **meta: Any) -> Any:
    return tus.upload_whole(_Headed(client, headers), headers["X-CSRF-Token"], data, **meta)


def _clip(session: Session, recorder: Recorder, officer: User) -> uuid.UUID:
    digest = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    evidence = Evidence(
        owner=f"recorder:{recorder.device_id}",
        sha256=digest,
        size=1000,
        content_type="video/mp4",
        kind="video",
        filename=f"{recorder.device_id}_{digest[:6]}.mp4",
        storage_key=f"evidence/video/clip-{digest[:16]}",
        source="recorder",
    )
    session.add(evidence)
    session.flush()
    session.add(
        RecorderClip(
            evidence_id=evidence.id,
            recorder_id=recorder.id,
            officer_id=officer.id,
            started_at=datetime(2026, 12, 7, 2, tzinfo=UTC),
            state="unmatched",
            reason="no visit",
        )
    )
    session.commit()
    return evidence.id


def _recorder(engine: Engine) -> None:
    """hubin's body-worn recorder, worn by the team's officer."""
    with Session(engine) as session:
        street = session.exec(select(Street).where(Street.code == "hubin")).one()
        session.add(Recorder(device_id="REC-0001", street_id=street.id))
        session.commit()
