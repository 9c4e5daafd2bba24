"""A joint visit goes ahead with what its team may check; the rest is owed, and comes back.

The demo's street teams are comprehensive-enforcement officers; market supervision (市场监管)
has its own district officers, who join street teams for the items a street is not empowered
for. With none of them at work, the visits still go, without those items, and the plan lists
market supervision's checks as follow-ups, owed on later days until someone checks them.
"""

import uuid
from datetime import UTC, datetime, time, timedelta

import msgspec
from sqlalchemy import update
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.catalog.models import CheckItem, Matter, MatterEmpowerment
from server.inspections.models import Finding, Inspection
from server.merchants.models import Merchant
from server.org.models import Department, User
from server.packets.newest import newest_plans, newest_routes_in
from server.planning.draws import publish_seed
from server.planning.edits import Edit, publish
from server.planning.follow_ups import follow_ups_owed
from server.planning.gather import Catalogue, DepartmentInfo, ItemInfo, MerchantInfo
from server.planning.merge import VisitDraft
from server.planning.models import Route
from server.planning.partial import carried_random
from server.planning.read import plan_document
from server.planning.service import build_plan
from server.planning.versions import load_version, write_version
from server.policy.rules import DEFAULT_POLICY
from tests.planning.conftest import FAST, TODAY, District

NEXT_DAY = timedelta(days=1)  # the conftest's day is a Monday: the Tuesday is a working day


def build(district: District, day=None) -> dict:
    day = day or district.day
    with Session(district.engine) as session:
        build_plan(session, day, settings=FAST, today=TODAY)
        session.commit()
        return msgspec.to_builtins(plan_document(session, day))


def set_department_officers(district: District, code: str, *, active: bool) -> None:
    """The department's district officers (no street) at work, or all away."""
    with Session(district.engine) as session:
        department = session.exec(select(Department).where(Department.code == code)).one()
        session.exec(
            update(User)
            .where(User.department_id == department.id, col(User.street_id).is_(None))
            .values(active=active)
        )
        session.commit()


def not_empowered_items(district: District, code: str) -> dict[str, set]:
    """Per street id, the item codes of the department's matters that street may not check."""
    day = district.day
    with Session(district.engine) as session:
        rows = session.exec(
            select(CheckItem.code, Matter.id)
            .join(Matter, col(Matter.id) == CheckItem.matter_id)
            .join(Department, col(Department.id) == Matter.department_id)
            .where(Department.code == code)
        ).all()
        grants = {
            (g.matter_id, g.street_id)
            for g in session.exec(select(MatterEmpowerment))
            if g.covers(day)
        }
        streets = {m.street_id for m in session.exec(select(Merchant))}
    return {
        street: {c for c, matter in rows if (matter, None) not in grants}
        - {c for c, matter in rows if (matter, street) in grants}
        for street in streets
    }


def owed_on(district: District, day) -> set[tuple[str, str]]:
    """(merchant, department code) of every check owed from earlier plans on `day`."""
    with Session(district.engine) as session:
        streets = sorted({m.street_id for m in session.exec(select(Merchant))})
        codes = {d.id: d.code for d in session.exec(select(Department))}
        owed = follow_ups_owed(session, day, streets, DEFAULT_POLICY)
    return {(str(c.merchant_id), codes[c.department_id]) for c in owed}


def publish_all(district: District, doc: dict, day) -> None:
    with Session(district.engine) as session:
        for street in doc["streets"]:
            edit = Edit(day, street["street"], street["version"], Actor("调度"), today=TODAY)
            publish(session, edit)
        session.commit()


def test_a_visit_goes_ahead_without_the_department_that_cannot_come(district):
    set_department_officers(district, "scjg", active=False)
    doc = build(district)
    left_out = not_empowered_items(district, "scjg")
    placed = [v for r in doc["routes"] for v in r["visits"]]
    with Session(district.engine) as session:
        street_of = {str(m.id): m.street_id for m in session.exec(select(Merchant))}
    for visit in placed:  # nobody checks what no one on the team may check
        assert not set(visit["items"]) & left_out[street_of[visit["merchant_id"]]]
    later = [f for f in doc["follow_ups"] if f["department"] == "scjg"]
    assert later, "market supervision's checks are owed, not dropped"
    placed_ids = {v["merchant_id"] for v in placed}
    for follow_up in later:
        assert follow_up["merchant_id"] in placed_ids  # the rest of the visit went ahead
        assert follow_up["code"] == "no_specialist" and "市场监管" in follow_up["reason"]
        assert follow_up["items"] > 0
    # No merchant stays out because one department could not come.
    assert not [u for u in doc["unassigned"] if u["code"] == "no_specialist"]
    assert doc["stats"]["follow_ups"] == len(doc["follow_ups"])


def test_what_a_published_plan_left_is_owed_the_next_day_until_it_is_checked(district):
    set_department_officers(district, "scjg", active=False)
    doc = build(district)
    owed = {f["merchant_id"] for f in doc["follow_ups"] if f["department"] == "scjg"}
    assert owed
    assert not owed_on(district, district.day + NEXT_DAY), "a draft promises nothing"
    publish_all(district, doc, district.day)
    listed = {(f["merchant_id"], f["department"]) for f in doc["follow_ups"]}
    assert owed_on(district, district.day + NEXT_DAY) == listed
    visited = {v["merchant_id"] for r in doc["routes"] for v in r["visits"]}
    with Session(district.engine) as session:
        # The day's visits were made: their colours' next dates moved on.
        session.exec(
            update(Merchant)
            .where(col(Merchant.id).in_([uuid.UUID(m) for m in visited]))
            .values(next_due=district.day + timedelta(days=180))
        )
        publish_seed(session, district.day + NEXT_DAY, seed="5eed" * 16)
        session.commit()
    set_department_officers(district, "scjg", active=True)

    tomorrow = build(district, district.day + NEXT_DAY)
    visits = {
        v["merchant_id"]: v
        for v in [*(v for r in tomorrow["routes"] for v in r["visits"]), *tomorrow["unassigned"]]
    }
    assert owed <= set(visits), "every follow-up is planned again"
    first = sorted(owed)[0]
    assert "scjg" in visits[first]["departments"]

    # Someone checks one of the items it left: it is owed no more.
    with Session(district.engine) as session:
        held = session.exec(
            select(CheckItem.id)
            .where(col(CheckItem.code).in_(visits[first]["items"]))
            .join(Matter, col(Matter.id) == CheckItem.matter_id)
            .join(Department, col(Department.id) == Matter.department_id)
            .where(Department.code == "scjg")
        ).all()
        done = datetime.combine(district.day + NEXT_DAY, time(3), UTC)
        inspection = Inspection(
            id=uuid.uuid4(),
            merchant_id=uuid.UUID(first),
            visit_date=district.day + NEXT_DAY,
            started_at=done - timedelta(minutes=30),
            finished_at=done,
            result="pass",
            action_code=f"XZF{uuid.uuid4().hex[:12]}",
        )
        session.add(inspection)
        session.flush()
        session.add_all(
            Finding(inspection_id=inspection.id, check_item_id=i, outcome="pass") for i in held
        )
        publish_seed(session, district.day + 2 * NEXT_DAY, seed="5eed" * 16)
        session.commit()
    assert (first, "scjg") not in owed_on(district, district.day + 2 * NEXT_DAY)
    after = build(district, district.day + 2 * NEXT_DAY)
    again = [*(v for r in after["routes"] for v in r["visits"]), *after["unassigned"]]
    assert not [v for v in again if v["merchant_id"] == first and "scjg" in v["departments"]]


def test_a_draft_made_after_publishing_leaves_the_published_follow_ups_owed(district):
    set_department_officers(district, "scjg", active=False)
    doc = build(district)
    publish_all(district, doc, district.day)
    listed = {(f["merchant_id"], f["department"]) for f in doc["follow_ups"]}
    assert listed
    # A newer version of each published street-day, still a draft.
    with Session(district.engine) as session:
        for plan in newest_plans(session, district.day, published=True).values():
            data = load_version(session, plan)
            data.status = "draft"
            write_version(
                session, data, version=plan.version + 1, change="lock", actor="调度", actor_id=None
            )
        session.commit()
        assert {
            p.status for p in newest_plans(session, district.day, published=False).values()
        } == {"draft"}
        # The phones' routes (the driver's SQL) come from the same published versions.
        published = {p.id for p in newest_plans(session, district.day, published=True).values()}
        routes = [r.route_id for r in newest_routes_in(session, district.day)]
        assert {session.get(Route, r).plan_id for r in routes} == published
    assert owed_on(district, district.day + NEXT_DAY) == listed, "the published day still owes"


def test_a_random_check_no_team_fitted_in_is_carried_but_a_due_colour_is_not():
    """The colour's date, an open complaint or order bring a visit back by themselves; a random
    draw is drawn once, so what no team fitted in is carried to the next day."""
    market, city = uuid.uuid4(), uuid.uuid4()
    catalogue = Catalogue(
        {
            market: DepartmentInfo(market, "scjg", "市场监管"),
            city: DepartmentInfo(city, "zhzf", "综合执法"),
        },
        {},
        set(),
    )
    shop = MerchantInfo(
        uuid.uuid4(), "91330100716105852F", "店", "路", 30.2, 120.1, uuid.uuid4(), "red", ()
    )
    items = [
        ItemInfo(uuid.uuid4(), "A-01", market, uuid.uuid4()),
        ItemInfo(uuid.uuid4(), "B-01", city, uuid.uuid4()),
    ]
    visit = VisitDraft(
        shop,
        items,
        [
            {"department": "scjg", "reasons": ["random"]},
            {"department": "zhzf", "reasons": ["due:red"]},
        ],
        ["due:red", "random"],
        [],
        70,
    )
    [carried] = carried_random(visit, catalogue)
    assert (carried.department_id, carried.code, carried.reasons) == (market, "carried", ["random"])
    assert carried.items == [items[0].id]
