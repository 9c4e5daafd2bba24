"""The district's side of the simulation: who is away, what passers-by complain of, and what the
officers find when they make a routed visit.

Visits are recorded as the phone's record would leave them (inspection, its officers, one finding
per check item the visit carried), without the phone's signatures and presence checks; orders
are verified and issued by the product's own functions (server.rectifications.service), and the
merchant's colour is recomputed by the product's `update_colour`, as a submitted record does.
Outcomes follow the demo's history (server.demo.history): each shop keeps a conduct for the
year, tidy, middling or careless, drawn from its colour at the start.
"""

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.audit.service import Actor
from server.cases.models import EnforcementCase
from server.catalog.models import CheckItem, Matter, ScenarioItem
from server.colour.service import update_colour
from server.complaints.models import Complaint
from server.core.clock import CLOCK, publication_moment
from server.core.codes import action_code
from server.demo.catalog_data import MATTERS
from server.demo.history import CONDUCT, FIXED_ON_SITE, RIGID_KEY_FACTOR
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import User
from server.planning.models import OfficerLeave
from server.policy.rules import ItemOutcome, Policy, score_findings
from server.rectifications.models import OPEN_STATUSES, RectificationOrder
from server.rectifications.service import FailedItem, issue_order, left_failed, verify_orders

__all__ = ["DISTRICT", "Made", "Planned", "World"]

DISTRICT = ZoneInfo("Asia/Shanghai")
# The demo's conducts (server.demo.history.CONDUCT: tidy, middling, careless), as likely for a
# shop of each colour at the start of the year.
CONDUCT_BY_COLOUR = {
    "green": (0.70, 0.30, 0.00),
    "yellow": (0.20, 0.60, 0.20),
    "red": (0.00, 0.40, 0.60),
}
NOT_APPLICABLE = 0.03
STILL_FAILING = 0.15  # an item under an order found not put right at the re-check
ORDER_DAYS = (7, 10, 15)  # deadlines the officers set (整改期限)
CASE_AFTER_OPEN_KEY = 0.3  # as the demo's history: a key item left failing opens a case …
CASE_AFTER_SEVERE = 0.5  # … and so does a visit scoring red_min or more
# Complaints that the visit finds true, by conduct
VERIFIED = (0.2, 0.4, 0.6)
# How much likelier a shop of each conduct is to be complained of
COMPLAINED = (1.0, 2.0, 4.0)
NOTES = {
    ("fail", True): "已当场整改",
    ("fail", False): "现场检查不符合要求",
    ("pass", False): "",
    ("na", False): "",
}
COMPLAINTS = ("油烟扰民", "噪音扰民", "食品不新鲜", "占道经营", "卫生状况差", "消防通道堵塞")


@dataclass(frozen=True)
class Planned:
    """A routed visit of the day's published plan."""

    merchant_id: uuid.UUID
    officers: tuple[uuid.UUID, ...]
    items: tuple[uuid.UUID, ...]
    reasons: tuple[str, ...]
    eta_minute: int
    service_minutes: int


@dataclass
class Made:
    """A visit made: what it checked, settled and led to."""

    merchant_id: uuid.UUID
    items: set[uuid.UUID]
    complaints: list[uuid.UUID]
    orders: list[RectificationOrder] = field(default_factory=list)
    result: str = "pass"
    partial: bool = False  # checked fewer departments than the merchant's scenarios carry


@dataclass(frozen=True)
class _Item:
    is_key: bool
    fixable: bool
    department_id: uuid.UUID


class World:
    def __init__(self, session: Session, policy: Policy, seed: int) -> None:
        """Leave, complaints and each shop's outcomes draw from streams of their own, so that
        two runs of the same seed (another capacity, say) get the same complaints and each shop
        the same outcomes at its n-th visit: their figures differ by what the plans did."""
        self.policy, self.seed = policy, seed
        rng = random.Random(f"onevisit-coverage:{seed}:conduct")
        self.leave = random.Random(f"onevisit-coverage:{seed}:leave")
        self.public = random.Random(f"onevisit-coverage:{seed}:complaints")
        self.shops: dict[uuid.UUID, random.Random] = {}
        fixable = {
            f"{m.code}-{n:02d}": ref.fixable
            for m in MATTERS
            for n, ref in enumerate(m.items, start=1)
        }
        self.items = {
            i.id: _Item(i.is_key, fixable.get(i.code, not i.is_key), department_id)
            for i, department_id in session.exec(
                select(CheckItem, Matter.department_id).join(
                    Matter, col(Matter.id) == CheckItem.matter_id
                )
            )
        }
        # The departments whose items each merchant's scenarios carry: what a full check covers.
        self.departments: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for merchant_id, item_id in session.exec(
            select(MerchantScenario.merchant_id, ScenarioItem.check_item_id).join(
                ScenarioItem,
                col(ScenarioItem.scenario_id) == MerchantScenario.scenario_id,
            )
        ):
            self.departments[merchant_id].add(self.items[item_id].department_id)
        self.conduct: dict[uuid.UUID, int] = {}
        for merchant_id, colour in session.exec(
            select(Merchant.id, Merchant.colour).order_by(Merchant.uscc)
        ):
            weights = CONDUCT_BY_COLOUR[colour]
            self.conduct[merchant_id] = rng.choices(range(3), weights=weights)[0]
        self.merchants = sorted(self.conduct)
        self.complaint_weights = [COMPLAINED[self.conduct[m]] for m in self.merchants]
        self.counts: Counter[str] = Counter()

    def shop(self, merchant_id: uuid.UUID) -> random.Random:
        """The shop's own stream of outcomes."""
        if merchant_id not in self.shops:
            self.shops[merchant_id] = random.Random(f"onevisit-coverage:{self.seed}:{merchant_id}")
        return self.shops[merchant_id]

    # Capacity -----------------------------------------------------------------------------

    def send_on_leave(self, session: Session, day: date, capacity: float) -> int:
        """Put a share (1 − capacity) of the inspectors on leave for the day, drawn at random."""
        if capacity >= 1:
            return 0
        ids = sorted(
            session.exec(
                select(User.id).where(User.role == "inspector", col(User.active).is_(True))
            )
        )
        away = self.leave.sample(ids, round((1 - capacity) * len(ids)))
        for user_id in away:
            session.add(
                OfficerLeave(user_id=user_id, starts_on=day, ends_on=day, reason="运力模拟")
            )
        return len(away)

    def renew_certificates(self, session: Session, day: date, start: date) -> int:
        """Certificates that ran out since the start are renewed, as the district does; those
        the demo shows already expired stay so."""
        users = session.exec(
            select(User).where(
                User.role == "inspector",
                col(User.cert_valid_until) < day,
                col(User.cert_valid_until) >= start,
            )
        ).all()
        for user in users:
            user.cert_valid_from = day
            user.cert_valid_until = day.replace(year=day.year + 5) - timedelta(days=1)
            session.add(user)
        return len(users)

    # Complaints -----------------------------------------------------------------------------

    def complaints(self, session: Session, day: date, per_day: float) -> list[Complaint]:
        """The day's complaints from the public pages (a Poisson trickle, most of them about
        careless shops), received between 08:00 and 22:00."""
        count, threshold, p = 0, pow(2.718281828459045, -per_day), 1.0
        while (p := p * self.public.random()) > threshold:
            count += 1
        made = []
        for merchant_id in self.public.choices(self.merchants, self.complaint_weights, k=count):
            at = datetime.combine(day, time(8), DISTRICT) + timedelta(
                minutes=self.public.randint(0, 14 * 60)
            )
            row = Complaint(
                tracking_no=f"TS{day:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}",
                merchant_id=merchant_id,
                text=self.public.choice(COMPLAINTS),
                created_at=at.astimezone(UTC),
            )
            session.add(row)
            made.append(row)
        session.flush()
        return made

    # Visits ---------------------------------------------------------------------------------

    def make(self, session: Session, day: date, visit: Planned, planned_at: datetime) -> Made:
        """Record the visit as made: findings, orders verified and issued, a case if it comes to
        that, the complaints it settles, and the merchant's colour recomputed."""
        m = visit.merchant_id
        started = datetime.combine(day, time(), DISTRICT) + timedelta(minutes=visit.eta_minute)
        finished = started + timedelta(minutes=visit.service_minutes)
        CLOCK.set(finished, frozen=True)
        findings = self._findings(m, visit.items, self._ordered_items(session, m))
        assessment = score_findings(
            (ItemOutcome(self.items[i].is_key, o, c) for i, o, c in findings), self.policy
        )
        left = [i for i, o, c in findings if o == "fail" and not c]
        result = self._result(m, left, assessment.score)
        inspection_id, by = uuid.uuid4(), visit.officers[0]
        failed = sum(outcome == "fail" for _, outcome, _ in findings)
        session.add(
            Inspection(
                id=inspection_id,
                merchant_id=m,
                visit_date=day,
                started_at=started.astimezone(UTC),
                finished_at=finished.astimezone(UTC),
                result=result,
                score=assessment.score,
                key_failed=assessment.key_failed,
                summary=f"综合查一次：检查{len(findings)}项，不符合{failed}项。",
                action_code=action_code("XZ", day),
                published_at=publication_moment(day, 5),
                created_by=by,
                created_at=finished.astimezone(UTC),
            )
        )
        session.flush()
        session.add_all(
            InspectionOfficer(inspection_id=inspection_id, user_id=u) for u in visit.officers
        )
        session.add_all(
            Finding(
                inspection_id=inspection_id,
                check_item_id=item_id,
                outcome=outcome,
                corrected_on_site=fixed,
                note=NOTES[outcome, fixed],
            )
            for item_id, outcome, fixed in findings
        )
        session.flush()
        fine = {i for i, o, _ in findings if o in ("pass", "na")}
        verify_orders(
            session, merchant_id=m, day=day, fine=fine, by=by, inspection_id=inspection_id
        )
        made = Made(m, set(visit.items), [], result=result)
        made.partial = {self.items[i].department_id for i in visit.items} < self.departments[m]
        made.orders = [
            issue_order(
                session,
                merchant_id=m,
                inspection_id=inspection_id,
                item=FailedItem(item_id, "检查项", self.items[item_id].is_key),
                day=day,
                deadline=day + timedelta(days=self.shop(m).choice(ORDER_DAYS)),
                issued_by=by,
            )
            for item_id in left
        ]
        if result == "case":
            session.add(
                EnforcementCase(
                    merchant_id=m,
                    inspection_id=inspection_id,
                    case_no=action_code("AJ", day),
                    opened_on=day,
                    summary="现场检查发现违法行为，依法立案调查",
                    opened_by=by,
                )
            )
        if "complaint" in visit.reasons:
            made.complaints = self._settle(session, m, day, inspection_id, by, planned_at)
        session.flush()
        update_colour(session, m, policy=self.policy, actor=Actor("simulation", by), now=finished)
        self.counts[result] += 1
        return made

    def _findings(
        self, merchant_id: uuid.UUID, items: tuple[uuid.UUID, ...], ordered: set[uuid.UUID]
    ) -> list[tuple[uuid.UUID, str, bool]]:
        """(item, outcome, put right on site) for each item the visit carries: an item under
        an open order is mostly put right by now; the others fail at the shop's conduct's
        rates, and what can be put right on the spot mostly is (server.demo.history)."""
        rng = self.shop(merchant_id)
        key_p, general_p = CONDUCT[self.conduct[merchant_id]][1:]
        findings = []
        for item_id in items:
            item = self.items[item_id]
            if item_id in ordered:
                failing = rng.random() < STILL_FAILING
                findings.append((item_id, "fail" if failing else "pass", False))
                continue
            if rng.random() < NOT_APPLICABLE:
                findings.append((item_id, "na", False))
                continue
            chance = general_p
            if item.is_key:
                chance = key_p if item.fixable else key_p * RIGID_KEY_FACTOR
            if rng.random() < chance:
                findings.append((item_id, "fail", item.fixable and rng.random() < FIXED_ON_SITE))
            else:
                findings.append((item_id, "pass", False))
        return findings

    def _result(self, merchant_id: uuid.UUID, left: list[uuid.UUID], score: int) -> str:
        """A key item left failing or a very bad score opens a case at the demo's rates; any
        item left failing asks for rectification."""
        rng = self.shop(merchant_id)
        left_key = any(self.items[i].is_key for i in left)
        if (left_key and rng.random() < CASE_AFTER_OPEN_KEY) or (
            score >= self.policy.red_min and rng.random() < CASE_AFTER_SEVERE
        ):
            return "case"
        return "rectify" if left else "pass"

    def _ordered_items(self, session: Session, merchant_id: uuid.UUID) -> set[uuid.UUID]:
        """The items the merchant's open orders name (a whole-visit order: those it left)."""
        named: set[uuid.UUID] = set()
        for item_id, inspection_id in session.exec(
            select(RectificationOrder.check_item_id, RectificationOrder.inspection_id).where(
                RectificationOrder.merchant_id == merchant_id,
                col(RectificationOrder.status).in_(OPEN_STATUSES),
            )
        ):
            if item_id is not None:
                named.add(item_id)
            elif inspection_id is not None:
                named |= left_failed(session, inspection_id)
        return named

    def _settle(
        self,
        session: Session,
        merchant_id: uuid.UUID,
        day: date,
        inspection_id: uuid.UUID,
        by: uuid.UUID,
        planned_at: datetime,
    ) -> list[uuid.UUID]:
        """The complaints the plan sent the visit for: found true on site, or unfounded."""
        rows = session.exec(
            select(Complaint)
            .where(
                Complaint.merchant_id == merchant_id,
                col(Complaint.status).in_(("received", "planned")),
                col(Complaint.created_at) < planned_at,
            )
            .order_by(Complaint.created_at)
        ).all()
        for row in rows:
            true = self.shop(merchant_id).random() < VERIFIED[self.conduct[merchant_id]]
            row.status = "verified" if true else "unfounded"
            row.verified_on = day if true else None
            row.inspection_id, row.handled_by = inspection_id, by
            session.add(row)
        return [row.id for row in rows]


def count_rows(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()
