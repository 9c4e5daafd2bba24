"""A merchant's past inspections in the demo: visited at the policy's intervals, scored by it."""

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from server.codes.policy import (
    Assessment,
    Colour,
    ItemOutcome,
    Policy,
    add_months,
    colour_for,
    score_findings,
)
from server.demo.scenario_data import ScenarioRef
from server.org.models import User

__all__ = ["HISTORY_DAYS", "Batch", "DemoItem", "DemoScenario", "History", "Visit"]

HISTORY_DAYS = 730  # two years of past visits
MAX_VISITS = 4
# Shares of tidy, middling and careless merchants, with their chances to fail a key item (one
# that can be fixed on site) and a general item. Tuned so colours come out about 79% green,
# 13% yellow and 8% red under the default policy.
CONDUCT = ((0.50, 0.03, 0.06), (0.40, 0.15, 0.20), (0.10, 0.30, 0.35))
RIGID_KEY_FACTOR = 0.2  # relative chance to fail a key item that cannot be fixed on site
FIXED_ON_SITE = 0.85  # share of fixable failures put right while the officers are there
# Each earlier visit failed more often (chances divided by this per step back): orders work.
IMPROVEMENT = 0.8
LOCAL = timezone(timedelta(hours=8))
_RESULT_WORDS = {"pass": "未发现问题", "rectify": "责令限期整改", "case": "立案查处"}


@dataclass(frozen=True)
class DemoItem:
    """A check item as the generator needs it."""

    id: uuid.UUID
    is_key: bool
    fixable: bool


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


@dataclass(frozen=True)
class Visit:
    """One past visit: what was found and what it earned."""

    day: date
    outcomes: tuple[ItemOutcome, ...]
    assessment: Assessment
    result: str
    colour: Colour


class History:
    """Draws visits and their officers from the merchants' shared random stream."""

    def __init__(
        self, rng: random.Random, *, today: date, policy: Policy, inspectors: dict[str, list[User]]
    ) -> None:
        self.rng, self.today, self.policy, self.inspectors = rng, today, policy, inspectors
        self.action_seq: Counter[date] = Counter()
        self.published_by = datetime.combine(today, time(8), LOCAL)

    def visits(self, scenario: DemoScenario) -> list[Visit]:
        """Up to four visits of the last two years, oldest first, spaced as the policy says."""
        key_p, general_p = self._conduct()
        latest = self._judge(scenario.items, key_p, general_p)
        # The latest visit lies within its own colour's interval, so it is not yet overdue.
        window = (self.today - add_months(self.today, -self._months(latest.colour))).days
        day = _working_day(self.today - timedelta(days=self.rng.randint(1, window)))
        visits = [replace(latest, day=day)]
        horizon = self.today - timedelta(days=HISTORY_DAYS)
        while len(visits) < MAX_VISITS:
            # Before its rectification orders worked, a merchant failed more often.
            key_p, general_p = min(key_p / IMPROVEMENT, 0.5), min(general_p / IMPROVEMENT, 0.5)
            earlier = self._judge(scenario.items, key_p, general_p)
            # The later visit came at the earlier one's due date, give or take a few days.
            slack = timedelta(days=self.rng.randint(-10, 20))
            day = _working_day(add_months(visits[0].day - slack, -self._months(earlier.colour)))
            if day < horizon:
                break
            visits.insert(0, replace(earlier, day=day))
        return visits

    def _months(self, colour: str) -> int:
        return self.policy.interval_months[colour]

    def _conduct(self) -> tuple[float, float]:
        """The merchant's chances to fail a key and a general item."""
        roll = self.rng.random()
        for share, key_p, general_p in CONDUCT:
            if roll < share:
                return key_p, general_p
            roll -= share
        return CONDUCT[-1][1:]

    def _judge(self, items: tuple[DemoItem, ...], key_p: float, general_p: float) -> Visit:
        """A visit's findings and what they earn (its day is set by the caller)."""
        rng = self.rng
        outcomes = []
        for item in items:
            if rng.random() < 0.03:
                outcomes.append(ItemOutcome(item.is_key, "na"))
            elif rng.random() >= _chance(item, key_p, general_p):
                outcomes.append(ItemOutcome(item.is_key, "pass"))
            else:
                fixed = item.fixable and rng.random() < FIXED_ON_SITE
                outcomes.append(ItemOutcome(item.is_key, "fail", fixed))
        assessment = score_findings(outcomes, self.policy)
        result = self._result(assessment, outcomes)
        colour = colour_for(
            assessment.score,
            assessment.key_failed,
            result == "case",
            key_corrected=assessment.key_corrected,
            policy=self.policy,
        )
        return Visit(self.today, tuple(outcomes), assessment, result, colour)

    def _result(self, assessment: Assessment, outcomes: list[ItemOutcome]) -> str:
        """Some uncorrected key failures and very bad visits open a case; else rectify or pass."""
        uncorrected_key = assessment.key_failed and not assessment.key_corrected
        severe = assessment.score >= self.policy.red_min
        if (uncorrected_key and self.rng.random() < 0.3) or (severe and self.rng.random() < 0.5):
            return "case"
        if assessment.key_failed or any(
            o.outcome == "fail" and not o.corrected_on_site for o in outcomes
        ):
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
        """Add the visits' rows: two certified officers each, never the same pair twice running."""
        previous: set[uuid.UUID] = set()
        for visit in visits:
            pair = self._officers(street, visit.day, previous)
            previous = {u.id for u in pair}
            inspection_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
            batch.inspections.append(self._inspection(inspection_id, merchant_id, visit, pair))
            batch.inspection_officers.extend(
                {"inspection_id": inspection_id, "user_id": u.id} for u in pair
            )
            for item, found in zip(scenario.items, visit.outcomes, strict=True):
                note = ""
                if found.outcome == "fail":
                    note = "已当场整改" if found.corrected_on_site else "现场检查不符合要求"
                batch.findings.append(
                    {
                        "inspection_id": inspection_id,
                        "check_item_id": item.id,
                        "outcome": found.outcome,
                        "corrected_on_site": found.corrected_on_site,
                        "note": note,
                    }
                )

    def _officers(self, street: str, day: date, previous: set[uuid.UUID]) -> list[User]:
        eligible = [u for u in self.inspectors[street] if u.certified_on(day)]
        if len(eligible) < 2:
            raise RuntimeError(f"street {street} has fewer than two certified officers on {day}")
        pair = self.rng.sample(eligible, 2)
        if {u.id for u in pair} == previous and len(eligible) > 2:
            pair = [pair[0], self.rng.choice([u for u in eligible if u.id not in previous])]
        return pair

    def _inspection(
        self, inspection_id: uuid.UUID, merchant_id: uuid.UUID, visit: Visit, pair: list[User]
    ) -> dict[str, Any]:
        rng, day = self.rng, visit.day
        started = datetime.combine(day, time(9), LOCAL) + timedelta(minutes=30 * rng.randint(0, 14))
        finished = started + timedelta(minutes=rng.randint(20, 75))
        published = finished + timedelta(days=rng.randint(1, 10))
        if published > self.published_by:  # results of the last days are out the same day
            published = finished + timedelta(hours=2)
        self.action_seq[day] += 1
        return {
            "id": inspection_id,
            "merchant_id": merchant_id,
            "visit_date": day,
            "started_at": started.astimezone(UTC),
            "finished_at": finished.astimezone(UTC),
            "result": visit.result,
            "score": visit.assessment.score,
            "key_failed": visit.assessment.key_failed,
            "summary": _summary(visit),
            "action_code": f"XZ{day:%Y%m%d}{self.action_seq[day]:05d}",
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
