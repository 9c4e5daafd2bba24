"""The plan a supervisor gets obeys the rules: legal teams, merged visits, routes in the shift."""

import uuid
from collections import defaultdict
from datetime import timedelta

import msgspec
import pytest
from sqlmodel import Session, col, select

from server.catalog.models import CheckItem, Matter, MatterEmpowerment, ScenarioItem
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Department, Street, User
from server.org.models import Team as OrgTeam
from server.planning.gather import MerchantInfo, Officer
from server.planning.history import load_history
from server.planning.merge import VisitDraft
from server.planning.models import JointVisit, OfficerLeave, OpeningHours, Plan
from server.planning.read import plan_document
from server.planning.service import build_plan
from server.planning.staffing import Team, allowed_teams
from server.policy.rules import DEFAULT_POLICY, Policy
from tests.planning.conftest import DAY, FAST, TODAY, District, inspected


def build(district: District, **kwargs) -> dict:
    with Session(district.engine) as session:
        build_plan(session, district.day, settings=FAST, today=TODAY, **kwargs)
        session.commit()
        return msgspec.to_builtins(plan_document(session, district.day))


def test_a_busy_day_obeys_the_rules(district):
    doc = build(district)
    check_teams(district, doc)
    check_specialists(district, doc)
    check_merging(district, doc)
    check_routes(district, doc)


def check_teams(district: District, doc: dict) -> None:
    """Every visit: two certified officers of the merchant's street, none on leave or recused."""
    assert doc["routes"] and sum(len(r["visits"]) for r in doc["routes"]) >= 20
    with Session(district.engine) as session:
        users = {str(u.id): u for u in session.exec(select(User))}
        streets = {s.code: s.id for s in session.exec(select(Street))}
        merchant_street = {str(m.id): m.street_id for m in session.exec(select(Merchant))}
    conflicted, conflict_merchant = district.recused
    for route in doc["routes"]:
        members = [users[o["id"]] for o in route["officers"] if o["role"] == "member"]
        assert len(members) >= 2
        for officer in (users[o["id"]] for o in route["officers"]):
            assert officer.certified_on(DAY) and officer.active
            assert officer.id != district.on_leave.id
        for member in members:
            assert member.street_id == streets[route["street"]]
        for visit in route["visits"]:
            assert merchant_street[visit["merchant_id"]] == streets[route["street"]]
            if visit["merchant_id"] == str(conflict_merchant.id):
                assert str(conflicted.id) not in {o["id"] for o in route["officers"]}


def check_specialists(district: District, doc: dict) -> None:
    """Every item a route carries is one its street is empowered for that day, or one whose
    department has an officer on the route (a member or a specialist joining), whichever the
    department: the catalogue and the staff decide, not a list of specialised departments."""
    with Session(district.engine) as session:
        users = {str(u.id): u for u in session.exec(select(User))}
        item_matter = {i.code: i.matter_id for i in session.exec(select(CheckItem))}
        matter_department = {m.id: m.department_id for m in session.exec(select(Matter))}
        grants = {
            (g.matter_id, g.street_id)
            for g in session.exec(select(MatterEmpowerment))
            if g.covers(district.day)
        }
        merchant_street = {str(m.id): m.street_id for m in session.exec(select(Merchant))}
    joined = 0
    for route in doc["routes"]:
        on_route = {users[o["id"]].department_id for o in route["officers"]}
        joined += sum(1 for o in route["officers"] if o["role"] == "specialist")
        for visit in route["visits"]:
            street = merchant_street[visit["merchant_id"]]
            for code in visit["items"]:
                matter = item_matter[code]
                empowered = (matter, None) in grants or (matter, street) in grants
                assert empowered or matter_department[matter] in on_route, (route["team"], code)
    assert joined > 0  # department officers do join street teams on a busy day
    needing = [u for u in doc["unassigned"] if u["code"] == "no_specialist"]
    assert all("专业执法人员" in u["reason"] for u in needing)


def _needs(district: District, key: str) -> set[str]:
    with Session(district.engine) as session:
        visit = session.exec(
            select(JointVisit).where(JointVisit.key == uuid.UUID(key)).order_by(col(JointVisit.id))
        ).first()
        codes = {str(d.id): d.code for d in session.exec(select(Department))}
        return {codes[d] for d in visit.needs}


def check_merging(district: District, doc: dict) -> None:
    """One visit per merchant, each department's items once, only the merchant's scenarios'."""
    with Session(district.engine) as session:
        allowed: dict[str, set[str]] = defaultdict(set)
        for merchant_id, code in session.exec(
            select(MerchantScenario.merchant_id, CheckItem.code)
            .join(ScenarioItem, col(ScenarioItem.scenario_id) == MerchantScenario.scenario_id)
            .join(CheckItem, col(CheckItem.id) == ScenarioItem.check_item_id)
        ):
            allowed[str(merchant_id)].add(code)
        item_department = dict(
            session.exec(
                select(CheckItem.code, Department.code)
                .join(Matter, col(Matter.id) == CheckItem.matter_id)
                .join(Department, col(Department.id) == Matter.department_id)
            ).all()
        )
    visits = [v for r in doc["routes"] for v in r["visits"]] + [
        u for u in doc["unassigned"] if "items" in u
    ]
    merchants = [v["merchant_id"] for v in visits]
    assert len(merchants) == len(set(merchants)), "one joint visit per merchant"
    for visit in visits:
        assert len(visit["items"]) == len(set(visit["items"]))
        assert set(visit["items"]) <= allowed[visit["merchant_id"]]
        assert {item_department[i] for i in visit["items"]} == set(visit["departments"])
    stats = doc["stats"]
    assert stats["door_entries_saved"] == stats["department_checks"] - stats["joint_visits"] > 0


def check_routes(district: District, doc: dict) -> None:
    """Routes keep to the shift and to the shops' opening hours."""
    end = FAST.shift_start_minute + FAST.shift_minutes
    for route in doc["routes"]:
        assert _minutes(route["end"]) <= end
        etas = [_minutes(v["eta"]) for v in route["visits"]]
        assert etas == sorted(etas)
        for visit, eta in zip(route["visits"], etas, strict=True):
            assert eta >= FAST.shift_start_minute
            assert eta + visit["service_minutes"] <= end
            if visit["merchant_id"] == str(district.short_hours.id):
                assert eta >= 14 * 60 and eta + visit["service_minutes"] <= 16 * 60 + 30


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def test_not_the_previous_pair_when_another_team_can_go(district):
    build(district)
    with Session(district.engine) as session:
        plan = session.exec(select(Plan).order_by(col(Plan.version).desc())).first()
        doc = msgspec.to_builtins(plan_document(session, DAY))
        # Send each visited merchant's current team there yesterday: re-planning must rotate.
        placed = []
        for route in doc["routes"]:
            members = [uuid.UUID(o["id"]) for o in route["officers"] if o["role"] == "member"]
            teams = [r for r in doc["routes"] if r["street"] == route["street"]]
            if len(teams) < 2:
                continue
            for visit in route["visits"]:
                inspection = Inspection(
                    id=uuid.uuid4(),
                    merchant_id=uuid.UUID(visit["merchant_id"]),
                    visit_date=TODAY - timedelta(days=1),
                    result="pass",
                    action_code=f"XZT{uuid.uuid4().hex[:12]}",
                )
                session.add(inspection)
                session.flush()
                session.add_all(
                    InspectionOfficer(inspection_id=inspection.id, user_id=u) for u in members[:2]
                )
                placed.append((visit["merchant_id"], frozenset(members[:2])))
        session.commit()
        assert plan is not None and placed
    again = build(district)
    previous = dict(placed)
    for route in again["routes"]:
        officers = {uuid.UUID(o["id"]) for o in route["officers"]}
        others = [r for r in again["routes"] if r["street"] == route["street"] and r is not route]
        for visit in route["visits"]:
            pair = previous.get(visit["merchant_id"])
            if pair is None:
                continue
            needs = _needs(district, visit["id"])
            able = [r for r in others if needs <= {o["department"] for o in r["officers"]}]
            if able:  # another team could go, so the last pair must not
                assert not pair <= officers, "the same pair as last time"


def _officer(n: int, department: uuid.UUID | None = None) -> Officer:
    return Officer(uuid.UUID(int=n), f"o{n}", f"官{n}", f"C{n}", department, None, None)


def test_allowed_teams_rotate_pairs_honour_recusal_and_specialists():
    market = uuid.uuid4()
    teams = [
        Team(1, [_officer(1), _officer(2)], [_officer(9, market)]),
        Team(2, [_officer(3), _officer(4)]),
        Team(3, [_officer(5), _officer(6)]),
    ]
    merchant = MerchantInfo(uuid.uuid4(), "", "", "", 0, 0, uuid.uuid4(), "green", ())
    plain = VisitDraft(merchant, [], [], ["due:green"], [], 30)
    last = frozenset({uuid.UUID(int=3), uuid.UUID(int=4)})
    assert allowed_teams(plain, teams, set(), last) == (frozenset({0, 2}), None)
    assert allowed_teams(plain, teams, {uuid.UUID(int=5)}, last) == (frozenset({0}), None)
    needs = VisitDraft(merchant, [], [], ["due:green"], [market], 30)
    # Team 1 alone has the specialist: rotation yields, recusal does not.
    last_one = frozenset({uuid.UUID(int=1), uuid.UUID(int=2)})
    assert allowed_teams(needs, teams, set(), last_one) == (frozenset({0}), None)
    assert allowed_teams(needs, teams, {uuid.UUID(int=9)}, frozenset()) == (None, "recusal")
    assert allowed_teams(needs, teams[1:], set(), frozenset()) == (None, "no_specialist")
    assert allowed_teams(plain, [], set(), frozenset()) == (None, "no_team")


def test_too_few_certified_officers_still_plans_and_says_why(district):
    with Session(district.engine) as session:
        xiaoying = session.exec(select(Street).where(Street.code == "xiaoying")).one()
        officers = session.exec(
            select(User)
            .where(User.street_id == xiaoying.id, User.role == "inspector")
            .where(col(User.active).is_(True))
            .order_by(User.username)
        ).all()
        expired, stopped, *trained = officers
        expired.cert_valid_until = DAY - timedelta(days=1)  # ran out the day before
        stopped.active = False
        for user in trained:
            session.add(
                OfficerLeave(user_id=user.id, starts_on=DAY, ends_on=DAY, reason="集中培训")
            )
        session.commit()
    doc = build(district)
    assert not [r for r in doc["routes"] if r["street"] == "xiaoying"]
    stranded = [u for u in doc["unassigned"] if u["street"] == "xiaoying"]
    assert stranded and all(u["code"] == "no_team" for u in stranded)
    reason = stranded[0]["reason"]
    assert "不足两人" in reason and "可派 0 人" in reason
    # Why the street is short, as a supervisor needs it to act.
    assert "1 人执法证不在有效期内" in reason and f"{len(trained)} 人请假或培训" in reason
    assert "人账号已停用" in reason
    assert [r for r in doc["routes"] if r["street"] == "hubin"], "other streets are planned"


def _items_with_department(session: Session, merchant: Merchant) -> list:
    return session.exec(
        select(CheckItem.id, Matter.department_id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
        .join(ScenarioItem, col(ScenarioItem.check_item_id) == CheckItem.id)
        .join(MerchantScenario, col(MerchantScenario.scenario_id) == ScenarioItem.scenario_id)
        .where(MerchantScenario.merchant_id == merchant.id)
        .order_by(CheckItem.code)
    ).all()


def _visited_twice_this_year(district: District, colour: str) -> tuple[Merchant, str, str]:
    """A merchant of `colour` due on the day whose first department visited it twice this year
    and whose second department's items a district team checked ten days ago; returns it with
    those two departments' codes."""
    with Session(district.engine) as session:
        hubin = session.exec(select(Street).where(Street.code == "hubin")).one()
        seen = inspected(session)
        # A merchant with a third department's items, so the visit goes on without the two
        # held back (with only two, nothing would be left to visit: a merchant could be any).
        merchant, items = next(
            (m, items)
            for m in session.exec(
                select(Merchant)
                .where(Merchant.street_id == hubin.id, Merchant.next_due == DAY)
                .order_by(Merchant.uscc)
            )
            if m.id not in seen
            for items in [_items_with_department(session, m)]
            if len({d for _, d in items}) >= 3
        )
        merchant.colour = colour
        item_id, department_id = items[0]
        # A district team (no street) checked another department's items ten days ago.
        other = next(d for _, d in items if d != department_id)
        specialist = session.exec(
            select(User)
            .join(OrgTeam, col(OrgTeam.id) == User.team_id)
            .where(col(OrgTeam.street_id).is_(None))
        ).first()
        higher = Inspection(
            id=uuid.uuid4(),
            merchant_id=merchant.id,
            visit_date=DAY - timedelta(days=10),
            result="pass",
            action_code=f"XZH{uuid.uuid4().hex[:12]}",
        )
        session.add(higher)
        session.flush()
        session.add(InspectionOfficer(inspection_id=higher.id, user_id=specialist.id))
        session.add_all(
            Finding(inspection_id=higher.id, check_item_id=i, outcome="pass")
            for i, d in items
            if d == other
        )
        for n in range(DEFAULT_POLICY.agency_visits_per_year):
            inspection = Inspection(
                id=uuid.uuid4(),
                merchant_id=merchant.id,
                visit_date=DAY - timedelta(days=1 + n),
                result="pass",
                action_code=f"XZC{uuid.uuid4().hex[:12]}",
            )
            session.add(inspection)
            session.flush()
            session.add(Finding(inspection_id=inspection.id, check_item_id=item_id, outcome="pass"))
        session.commit()
        history = load_history(session, [merchant.id], DAY, DEFAULT_POLICY)
        if (DAY - timedelta(days=2)).year != DAY.year:
            pytest.skip("the two visits would fall in last year")
        assert history.agency_visits[(merchant.id, department_id)] == 2
        code = session.get(Department, department_id).code
        other_code = session.get(Department, other).code
    return merchant, code, other_code


def test_frequency_cap_holds_back_a_capped_departments_third_visit_of_the_year(district):
    # The caps restrict what the policy caps: here green's own interval visits as well.
    merchant, code, other_code = _visited_twice_this_year(district, "green")
    doc = build(district, policy=Policy(capped=("random", "green")))
    visit = next(
        (v for r in doc["routes"] for v in r["visits"] if v["merchant_id"] == str(merchant.id)),
        next((u for u in doc["unassigned"] if u["merchant_id"] == str(merchant.id)), None),
    )
    assert visit is not None and code not in visit["departments"]
    assert any(
        s["merchant_id"] == str(merchant.id) and s["department"] == code and s["code"] == "cap_year"
        for s in doc["skipped"]
    )
    assert other_code not in visit["departments"], "no repeat within 3 months of a higher level"
    assert {"merchant_id": str(merchant.id), "department": other_code, "code": "higher_level"} in [
        {k: s[k] for k in ("merchant_id", "department", "code")} for s in doc["skipped"]
    ]


def test_caps_never_hold_back_the_visits_a_red_code_promises(district):
    merchant, code, other_code = _visited_twice_this_year(district, "red")
    doc = build(district)  # the default policy caps random checks only
    visit = next(
        (v for r in doc["routes"] for v in r["visits"] if v["merchant_id"] == str(merchant.id)),
        next((u for u in doc["unassigned"] if u["merchant_id"] == str(merchant.id)), None),
    )
    later = {f["department"] for f in doc["follow_ups"] if f["merchant_id"] == str(merchant.id)}
    # Each department comes along, or (no officer of it free that day) is owed as a follow-up.
    assert visit is not None and {code, other_code} <= set(visit["departments"]) | later
    assert not [s for s in doc["skipped"] if s["merchant_id"] == str(merchant.id)]


def test_opening_hours_outside_the_shift_leave_the_visit_unassigned_with_the_reason(district):
    with Session(district.engine) as session:
        session.add(
            OpeningHours(
                merchant_id=district.recused[1].id,
                weekday=DAY.weekday(),
                opens_minute=19 * 60,
                closes_minute=23 * 60,
            )
        )
        session.commit()
    doc = build(district)
    entry = next(u for u in doc["unassigned"] if u["merchant_id"] == str(district.recused[1].id))
    assert entry["code"] == "closed" and "营业时间" in entry["reason"]
