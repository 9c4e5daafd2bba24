"""A merchant's past inspections in the demo: visited when the colour engine said it was due.

Visits run forward in time. After each one the engine (server.colour.engine) gives the merchant's
colour and next due date, and the next visit comes then, give or take a few days; a visit that
orders a rectification brings a re-check after the deadline. Orders and cases are kept as records.
"""

import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from server.demo.scenario_data import ScenarioRef
from server.org.models import User
from server.policy.rules import Assessment, ItemOutcome, Policy, score_findings

__all__ = ["HISTORY_DAYS", "LOCAL", "Batch", "DemoItem", "DemoScenario", "History", "Visit"]

HISTORY_DAYS = 730  # two years of past visits
MAX_VISITS = 10
# Shares of tidy, middling and careless merchants, with their chances to fail a key item (one
# that can be fixed on site) and a general item, at their latest visits. Tuned so colours come
# out about three quarters green, a fifth yellow and a twentieth red under the default policy.
CONDUCT = ((0.55, 0.02, 0.05), (0.33, 0.10, 0.14), (0.12, 0.40, 0.40))
RIGID_KEY_FACTOR = 0.2  # relative chance to fail a key item that cannot be fixed on site
FIXED_ON_SITE = 0.85  # share of fixable failures put right while the officers are there
# Merchants improve as orders work: early visits fail more often (chances divided by this once
# per visit still to come, up to three times).
IMPROVEMENT = 0.8
LOCAL = timezone(timedelta(hours=8))
_RESULT_WORDS = {"pass": "未发现问题", "rectify": "责令限期整改", "case": "需进一步调查处理"}
_NAMESPACE = uuid.UUID("0c2b9a57-4d8e-4f0e-9a53-3f5b2c7d1e64")


@dataclass(frozen=True)
class DemoItem:
    """A check item as the generator needs it."""

    id: uuid.UUID
    is_key: bool
    fixable: bool
    no_penalty: bool = False


@dataclass(frozen=True)
class DemoScenario:
    """A loaded scenario with its check items."""

    ref: ScenarioRef
    id: uuid.UUID
    items: tuple[DemoItem, ...]


@dataclass
class Batch:
    """Rows for one bulk insert, in foreign-key order."""

    merchants: list[dict[str, Any]] = field(default_factory=list)
    merchant_scenarios: list[dict[str, Any]] = field(default_factory=list)
    inspections: list[dict[str, Any]] = field(default_factory=list)
    inspection_officers: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    colour_events: list[dict[str, Any]] = field(default_factory=list)
    colour_states: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Visit:
    """One past visit: what was found, what it scored, what followed."""

    id: uuid.UUID
    day: date
    outcomes: tuple[ItemOutcome, ...]
    lenient: int  # failed items on the no-penalty list, put right on site
    assessment: Assessment
    result: str
    deadline: date | None  # of the rectification order it issued

    @property
    def order_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"order:{self.id}")

    @property
    def case_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"case:{self.id}")

    @property
    def key_open(self) -> int:
        return sum(
            1 for o in self.outcomes if o.is_key and o.outcome == "fail" and not o.corrected_on_site
        )

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.outcome == "fail")


Schedule = Callable[[list[Visit]], date | None]


class History:
    """Draws visits and their officers from the merchants' shared random stream."""

    def __init__(
        self, rng: random.Random, *, today: date, policy: Policy, inspectors: dict[str, list[User]]
    ) -> None:
        self.rng, self.today, self.policy, self.inspectors = rng, today, policy, inspectors
        self.action_seq: Counter[date] = Counter()
        self.published_by = datetime.combine(today, time(8), LOCAL)

    def visits(self, scenario: DemoScenario, schedule: Schedule) -> list[Visit]:
        """The merchant's visits of the last two years, oldest first, each when it fell due."""
        key_p, general_p = self._conduct()
        boost = IMPROVEMENT**-3
        first = self.today - timedelta(days=self.rng.randint(HISTORY_DAYS - 365, HISTORY_DAYS - 1))
        day = _working_day(first)
        visits: list[Visit] = []
        while day < self.today and len(visits) < MAX_VISITS:
            chances = (min(key_p * boost, 0.5), min(general_p * boost, 0.5))
            visits.append(self._judge(day, scenario.items, *chances))
            boost = max(1.0, boost * IMPROVEMENT)
            due = schedule(visits)
            if due is None:
                break
            # Teams come around the due date, a little early or somewhat late.
            day = _working_day(due + timedelta(days=self.rng.randint(-10, 20)))
            if day <= visits[-1].day:
                day = _next_working_day(visits[-1].day)
        return visits

    def _conduct(self) -> tuple[float, float]:
        """The merchant's chances to fail a key and a general item."""
        roll = self.rng.random()
        for share, key_p, general_p in CONDUCT:
            if roll < share:
                return key_p, general_p
            roll -= share
        return CONDUCT[-1][1:]

    def _judge(
        self, day: date, items: tuple[DemoItem, ...], key_p: float, general_p: float
    ) -> Visit:
        """A visit's findings and what they lead to."""
        rng = self.rng
        outcomes, lenient = [], 0
        for item in items:
            if rng.random() < 0.03:
                outcomes.append(ItemOutcome(item.is_key, "na"))
            elif rng.random() >= _chance(item, key_p, general_p):
                outcomes.append(ItemOutcome(item.is_key, "pass"))
            else:
                fixed = item.fixable and rng.random() < FIXED_ON_SITE
                outcomes.append(ItemOutcome(item.is_key, "fail", fixed))
                lenient += int(fixed and item.no_penalty)
        assessment = score_findings(outcomes, self.policy)
        result = self._result(assessment, outcomes)
        deadline = day + timedelta(days=rng.choice((7, 15, 30))) if result == "rectify" else None
        visit_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        return Visit(visit_id, day, tuple(outcomes), lenient, assessment, result, deadline)

    def _result(self, assessment: Assessment, outcomes: list[ItemOutcome]) -> str:
        """Some uncorrected key failures and very bad visits open a case; else rectify or pass."""
        uncorrected_key = assessment.key_failed and not assessment.key_corrected
        severe = assessment.score >= self.policy.red_min
        if (uncorrected_key and self.rng.random() < 0.3) or (severe and self.rng.random() < 0.5):
            return "case"
        if any(o.outcome == "fail" and not o.corrected_on_site for o in outcomes):
            return "rectify"
        return "pass"

    def record(
        self,
        merchant_id: uuid.UUID,
        street: str,
        scenario: DemoScenario,
        visits: list[Visit],
        batch: Batch,
    ) -> None:
        """Add the visits' rows: two certified officers each, never the same pair twice running;
        the orders they issued (verified at the next visit) and the cases they opened."""
        previous: set[uuid.UUID] = set()
        for n, visit in enumerate(visits):
            pair = self._officers(street, visit.day, previous)
            previous = {u.id for u in pair}
            batch.inspections.append(self._inspection(merchant_id, visit, pair))
            batch.inspection_officers.extend(
                {"inspection_id": visit.id, "user_id": u.id} for u in pair
            )
            for item, found in zip(scenario.items, visit.outcomes, strict=True):
                note = ""
                if found.outcome == "fail":
                    note = "已当场整改" if found.corrected_on_site else "现场检查不符合要求"
                batch.findings.append(
                    {
                        "inspection_id": visit.id,
                        "check_item_id": item.id,
                        "outcome": found.outcome,
                        "corrected_on_site": found.corrected_on_site,
                        "note": note,
                    }
                )
            later = visits[n + 1] if n + 1 < len(visits) else None
            if visit.deadline is not None:
                batch.orders.append(self._order(merchant_id, visit, later, pair))
            if visit.result == "case":
                batch.cases.append(self._case(merchant_id, visit, pair))

    def _order(
        self, merchant_id: uuid.UUID, visit: Visit, recheck: Visit | None, pair: list[User]
    ) -> dict[str, Any]:
        deadline = visit.deadline or visit.day
        status = "verified" if recheck else "overdue" if deadline < self.today else "open"
        unfixed = sum(1 for o in visit.outcomes if o.outcome == "fail" and not o.corrected_on_site)
        return {
            "id": visit.order_id,
            "merchant_id": merchant_id,
            "inspection_id": visit.id,
            "issued_on": visit.day,
            "deadline": deadline,
            "requirement": f"对现场检查发现的{unfixed}项问题限期整改到位",
            "key_item": visit.key_open > 0,
            "status": status,
            "action_code": "ZG" + self._action_code(visit.day)[2:],
            "issued_by": pair[0].id,
            "verified_on": recheck.day if recheck else None,
            "verified_by": None,
            "verify_inspection_id": recheck.id if recheck else None,
            "owner_reported_at": None,
            "created_at": datetime.combine(visit.day, time(17), LOCAL).astimezone(UTC),
        }

    def _case(self, merchant_id: uuid.UUID, visit: Visit, pair: list[User]) -> dict[str, Any]:
        closed = visit.day + timedelta(days=60)
        done = closed < self.today
        return {
            "id": visit.case_id,
            "merchant_id": merchant_id,
            "inspection_id": visit.id,
            "case_no": "AJ" + self._action_code(visit.day)[2:],
            "opened_on": visit.day,
            "status": "closed" if done else "open",
            "summary": "现场检查发现违法行为，依法立案调查",
            "closed_on": closed if done else None,
            "opened_by": pair[0].id,
            "created_at": datetime.combine(visit.day, time(17), LOCAL).astimezone(UTC),
        }

    def _officers(self, street: str, day: date, previous: set[uuid.UUID]) -> list[User]:
        eligible = [u for u in self.inspectors[street] if u.certified_on(day)]
        if len(eligible) < 2:
            raise RuntimeError(f"street {street} has fewer than two certified officers on {day}")
        pair = self.rng.sample(eligible, 2)
        if {u.id for u in pair} == previous and len(eligible) > 2:
            pair = [pair[0], self.rng.choice([u for u in eligible if u.id not in previous])]
        return pair

    def _action_code(self, day: date) -> str:
        self.action_seq[day] += 1
        return f"XZ{day:%Y%m%d}{self.action_seq[day]:05d}"

    def _inspection(self, merchant_id: uuid.UUID, visit: Visit, pair: list[User]) -> dict[str, Any]:
        rng, day = self.rng, visit.day
        started = datetime.combine(day, time(9), LOCAL) + timedelta(minutes=30 * rng.randint(0, 14))
        finished = started + timedelta(minutes=rng.randint(20, 75))
        published = finished + timedelta(days=rng.randint(1, 10))
        if published > self.published_by:  # results of the last days are out the same day
            published = finished + timedelta(hours=2)
        return {
            "id": visit.id,
            "merchant_id": merchant_id,
            "visit_date": day,
            "started_at": started.astimezone(UTC),
            "finished_at": finished.astimezone(UTC),
            "result": visit.result,
            "score": visit.assessment.score,
            "key_failed": visit.assessment.key_failed,
            "summary": _summary(visit),
            "action_code": self._action_code(day),
            "published_at": published.astimezone(UTC),
            "created_by": pair[0].id,
            "created_at": finished.astimezone(UTC),
        }


def _chance(item: DemoItem, key_p: float, general_p: float) -> float:
    if not item.is_key:
        return general_p
    # Blocked exits and expired goods are common; trading without a licence is rare.
    return key_p if item.fixable else key_p * RIGID_KEY_FACTOR


def _summary(visit: Visit) -> str:
    """The record's one-line summary, as an inspector would write it."""
    checked = sum(1 for o in visit.outcomes if o.outcome != "na")
    failed = [o for o in visit.outcomes if o.outcome == "fail"]
    fixed = sum(1 for o in failed if o.corrected_on_site)
    text = f"综合查一次：检查{checked}项"
    if failed:
        text += f"，不符合{len(failed)}项" + (f"（当场整改{fixed}项）" if fixed else "")
    if visit.result == "pass" and failed:
        return f"{text}，已当场整改完毕。"
    return f"{text}，{_RESULT_WORDS[visit.result]}。"


def _working_day(day: date) -> date:
    """Visits happen on working days: a weekend visit moves back to the Friday."""
    return day - timedelta(days=day.weekday() - 4) if day.weekday() >= 5 else day


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
