"""A district day for the day-packet benchmark: routes of two inspectors, 20 visits each,
10 check items per visit across three departments, three earlier inspections per merchant."""

import random
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from server.auth.passwords import hash_password
from server.catalog.models import CheckItem, EnforcementDomain, Matter
from server.inspections.models import Finding, Inspection
from server.merchants.models import Merchant
from server.merchants.uscc import make_uscc
from server.org.models import Department, User
from server.org.service import ensure_district
from server.planning.models import JointVisit, Plan, Route, RouteOfficer, VisitItem

PASSWORD = "bench-pw"
VISITS, ITEMS_PER_VISIT, HISTORY = 20, 10, 3


def _rows(engine: Engine, model: type, rows: list[dict]) -> None:
    rows = [model(**row).model_dump() for row in rows]  # fills the Python-side defaults
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(model), rows[start : start + 5000])


def seed(engine: Engine, inspectors: int, day: date) -> list[str]:
    """Returns the inspectors' usernames."""
    rng = random.Random(5)
    with Session(engine, expire_on_commit=False) as session:
        streets = list(ensure_district(session).values())
        departments = list(session.exec(select(Department)))[:3]
        session.commit()
    domain = uuid.uuid4()
    _rows(engine, EnforcementDomain, [{"id": domain, "code": "B", "name": "基准领域"}])
    matters, items = [], []
    for d, dept in enumerate(departments):
        matter = uuid.uuid4()
        matters.append(
            {
                "id": matter,
                "code": f"B-{d}",
                "name": f"基准事项{d}",
                "domain_id": domain,
                "department_id": dept.id,
                "legal_basis": "《中华人民共和国食品安全法》第三十三条第一款第（一）项" * 2,
            }
        )
        for i in range(10):
            items.append(
                {
                    "id": uuid.uuid4(),
                    "code": f"B-{d}-{i:02d}",
                    "matter_id": matter,
                    "title": f"检查项目{d}-{i}：经营场所保持清洁卫生，设施设备正常运转",
                    "guidance": "查看现场并询问负责人",
                    "is_key": i < 2,
                    "no_penalty_eligible": i > 7,
                    "_dept": dept.id,
                }
            )
    _rows(engine, Matter, matters)
    _rows(engine, CheckItem, [{k: v for k, v in i.items() if k != "_dept"} for i in items])
    password = hash_password(PASSWORD)
    users = [
        {
            "id": uuid.uuid4(),
            "username": f"bench{n:04d}",
            "name": f"检查员{n}",
            "password_hash": password,
            "role": "inspector",
            "street_id": streets[(n // 2) % len(streets)].id,
            "cert_no": f"BENCH{n:06d}",
            "active": True,
        }
        for n in range(inspectors)
    ]
    _rows(engine, User, users)
    plans = {
        s.id: {
            "id": uuid.uuid4(),
            "street_id": s.id,
            "day": day,
            "version": 1,
            "status": "published",
            "published_at": datetime.now(UTC),
            "stats": {},
            "change": "build",
        }
        for s in streets
    }
    _rows(engine, Plan, list(plans.values()))
    routes, officers, merchants, visits, visit_items, inspections, findings = ([] for _ in range(7))
    for r in range(inspectors // 2):
        pair = users[2 * r : 2 * r + 2]
        street = pair[0]["street_id"]
        route = uuid.uuid4()
        routes.append(
            {
                "id": route,
                "plan_id": plans[street]["id"],
                "number": r + 1,
                "name": f"第{r + 1}组",
                "locked": False,
                "start_minute": 540,
                "end_minute": 1020,
                "travel_seconds": 0,
                "service_seconds": 0,
            }
        )
        officers += [{"route_id": route, "user_id": u["id"], "role": "member"} for u in pair]
        for seq in range(1, VISITS + 1):
            merchant = uuid.uuid4()
            merchants.append(
                {
                    "id": merchant,
                    "uscc": make_uscc(rng),
                    "name": f"基准商户{r:03d}-{seq:02d}号便利店",
                    "address": f"基准路{r}弄{seq}号",
                    "lat": 30.27 + rng.uniform(-0.05, 0.05),
                    "lng": 120.15 + rng.uniform(-0.05, 0.05),
                    "street_id": street,
                    "business_type": "便利店",
                    "colour": rng.choice(["green", "yellow", "red"]),
                    "qr_token": secrets.token_urlsafe(24),
                }
            )
            visit = uuid.uuid4()
            visits.append(
                {
                    "id": visit,
                    "plan_id": plans[street]["id"],
                    "key": uuid.uuid4(),
                    "merchant_id": merchant,
                    "route_id": route,
                    "seq": seq,
                    "eta_minute": 540 + 20 * seq,
                    "service_minutes": 20,
                    "priority": 0,
                    "reasons": ["due:yellow"],
                    "checks": [{"department": "x", "reason": "due:yellow"}],
                    "needs": [],
                }
            )
            for item in rng.sample(items, ITEMS_PER_VISIT):
                visit_items.append(
                    {
                        "joint_visit_id": visit,
                        "check_item_id": item["id"],
                        "department_id": item["_dept"],
                    }
                )
            for h in range(HISTORY):
                inspection = uuid.uuid4()
                inspections.append(
                    {
                        "id": inspection,
                        "merchant_id": merchant,
                        "visit_date": day - timedelta(days=90 * (h + 1)),
                        "result": "rectify",
                        "score": 4,
                        "key_failed": False,
                        "summary": "",
                        "action_code": f"XB{secrets.token_hex(8).upper()}",
                        "created_at": datetime.now(UTC),
                    }
                )
                for item in rng.sample(items[2:], 2):
                    findings.append(
                        {
                            "inspection_id": inspection,
                            "check_item_id": item["id"],
                            "outcome": "fail",
                            "corrected_on_site": False,
                            "note": "现场发现问题，已告知负责人",
                        }
                    )
    for model, rows in (
        (Route, routes),
        (RouteOfficer, officers),
        (Merchant, merchants),
        (JointVisit, visits),
        (VisitItem, visit_items),
        (Inspection, inspections),
        (Finding, findings),
    ):
        _rows(engine, model, rows)
    return [u["username"] for u in users]
