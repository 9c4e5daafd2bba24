"""The colour policy (三色码): how a visit scores, which colour follows, how often to visit.

Every number of the policy lives in `Policy`; its defaults are docs/domain.md's "Default policy"
and a `POLICY_FILE` (server.policy.file) may change any of them.
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal, NamedTuple

from server.policy.frequency import (
    DEFAULT_CAPPED,
    DEFAULT_PRIORITY_ORDER,
    frequency_conflict,
    order_conflict,
)

__all__ = [
    "COLOURS",
    "DEFAULT_POLICY",
    "FILE_KEYS",
    "LEGAL_MIN_OFFICERS",
    "RANK",
    "Assessment",
    "Colour",
    "ItemOutcome",
    "Policy",
    "PolicyError",
    "add_months",
    "next_due",
    "recheck_window",
    "score_findings",
]

# The longest look-back for a first violation (首违) a district may set.
MAX_LOOKBACK_YEARS = 10
# 行政处罚法 第42条: an inspection is made by no fewer than two enforcement officers.
LEGAL_MIN_OFFICERS = 2

Colour = Literal["green", "yellow", "red"]
COLOURS: tuple[Colour, ...] = ("green", "yellow", "red")
# Colours ordered by severity: worsening means a higher rank.
RANK: Mapping[str, int] = MappingProxyType({c: n for n, c in enumerate(COLOURS)})

# Where each Policy field sits in a policy file (dotted path), so errors name the file's key.
FILE_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "key_item_points": "scoring.key_item_points",
        "general_item_points": "scoring.general_item_points",
        "yellow_min": "thresholds.yellow_min",
        "red_min": "thresholds.red_min",
        "interval_months": "interval_months",
        "sampling_share": "sampling_share",
        "recheck_min_days": "recheck_days.min",
        "recheck_max_days": "recheck_days.max",
        "red_to_yellow_max_score": "improvement.red_to_yellow_max_score",
        "green_after_months": "improvement.green_after_months",
        "rerating_within_months": "rerating_within_months",
        "no_penalty_lookback_years": "no_penalty_lookback_years",
        "override_max_days": "override_max_days",
        "verified_complaint_colour": "verified_complaint_colour",
        "sampling_days_per_year": "sampling_days_per_year",
        "agency_visits_per_year": "frequency.agency_visits_per_year",
        "higher_level_quiet_months": "frequency.higher_level_quiet_months",
        "complaint_visit_days": "complaint_visit_days",
        "officers_per_visit": "officers_per_visit",
        "capped": "frequency.capped",
        "priority_order": "priority_order",
    }
)


class PolicyError(ValueError):
    """An impossible policy value; `key` is the policy file's dotted key that holds it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


def _frozen(values: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Policy:
    """Every number of the colour policy; the defaults are docs/domain.md's "Default policy"."""

    key_item_points: int = 7
    general_item_points: int = 2
    yellow_min: int = 14
    red_min: int = 28
    # months between proactive full checks, per colour
    interval_months: Mapping[str, int] = field(
        default_factory=lambda: _frozen({"green": 24, "yellow": 6, "red": 3})
    )
    # share of each colour drawn a year in 双随机 sampling
    sampling_share: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"green": 0.03, "yellow": 0.20, "red": 1.0})
    )
    # a re-check falls this many days after a rectification deadline
    recheck_min_days: int = 7
    recheck_max_days: int = 21
    # red → yellow: a re-check scoring at most this, with the rectification verified
    red_to_yellow_max_score: int = 13
    # yellow → green: a clean visit this many months after the last adverse event
    green_after_months: int = 12
    # a merchant's re-rating request is visited within this many months
    rerating_within_months: int = 3
    # 首违不罚: a first minor violation corrected on site never raises the colour above yellow
    no_penalty_lookback_years: int = 3
    # a supervisor's manual override lasts at most this long
    override_max_days: int = 90
    # the colour a complaint verified on site earns at least
    verified_complaint_colour: str = "yellow"
    # 双随机: the working days a year's sampling share is spread over (one draw a day)
    sampling_days_per_year: int = 250
    # one agency inspects one merchant at most this often a calendar year (exempt reasons aside)
    agency_visits_per_year: int = 2
    # no repeat of the same items within this many months of a higher-level inspection
    higher_level_quiet_months: int = 3
    # a complaint is visited within this many days of being received
    complaint_visit_days: int = 3
    # certified officers on every visit, and so in every team the planner pairs; the law's
    # floor is two (行政处罚法 第42条: 执法人员不得少于两人)
    officers_per_visit: int = 2
    # the visits the caps above restrict (server.policy.frequency): random checks by default
    capped: tuple[str, ...] = DEFAULT_CAPPED
    # the order due visits are served in when the teams cannot do them all
    priority_order: tuple[str, ...] = DEFAULT_PRIORITY_ORDER

    def __post_init__(self) -> None:
        object.__setattr__(self, "interval_months", _frozen(self.interval_months))
        object.__setattr__(self, "sampling_share", _frozen(self.sampling_share))
        for name in ("capped", "priority_order"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                self._fail(name, f"must be a list (got {value!r})")
            object.__setattr__(self, name, tuple(value))
        self._check_numbers()
        self._check_per_colour()
        self._check_rules()
        for conflict in (
            order_conflict(self.priority_order),
            frequency_conflict(
                self.capped,
                dict(self.interval_months),
                self.agency_visits_per_year,
                self.higher_level_quiet_months,
            ),
        ):
            if conflict is not None:
                raise PolicyError(*conflict)

    def _fail(self, name: str, message: str) -> None:
        raise PolicyError(FILE_KEYS.get(name, name), message)

    def _check_numbers(self) -> None:
        whole = {f.name for f in fields(self) if f.type is int}
        for name in sorted(whole):
            value = getattr(self, name)
            if not _whole(value):
                self._fail(name, f"must be a whole number (got {value!r})")
            if value < 0:
                self._fail(name, f"must not be negative (got {value})")
        for name in ("key_item_points", "general_item_points", "yellow_min"):
            if getattr(self, name) == 0:
                self._fail(name, "must be greater than 0")
        for name in ("rerating_within_months", "override_max_days", "sampling_days_per_year"):
            if getattr(self, name) == 0:
                self._fail(name, "must be greater than 0")

    def _check_per_colour(self) -> None:
        for name in ("interval_months", "sampling_share"):
            values = getattr(self, name)
            key = FILE_KEYS[name]
            missing = [c for c in COLOURS if c not in values]
            if missing:
                raise PolicyError(f"{key}.{missing[0]}", f"{name} lacks {', '.join(missing)}")
            extra = sorted(set(values) - set(COLOURS))
            if extra:
                raise PolicyError(f"{key}.{extra[0]}", "is not a colour (green, yellow, red)")
        for colour in COLOURS:
            months = self.interval_months[colour]
            if not _whole(months) or months <= 0:
                raise PolicyError(
                    f"interval_months.{colour}",
                    f"must be a positive whole number of months (got {months!r})",
                )
            share = self.sampling_share[colour]
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
                raise PolicyError(
                    f"sampling_share.{colour}", f"must be a share between 0 and 1 (got {share!r})"
                )
        for lower, higher in (("yellow", "green"), ("red", "yellow")):
            if self.interval_months[lower] > self.interval_months[higher]:
                raise PolicyError(
                    f"interval_months.{lower}",
                    f"a {lower} merchant cannot be visited less often than a {higher} one "
                    f"({self.interval_months[lower]} > {self.interval_months[higher]} months)",
                )
            if self.sampling_share[lower] < self.sampling_share[higher]:
                raise PolicyError(
                    f"sampling_share.{lower}",
                    f"a {lower} merchant cannot be drawn less often than a {higher} one",
                )

    def _check_rules(self) -> None:
        if self.red_min <= self.yellow_min:
            self._fail(
                "red_min",
                f"thresholds overlap: red_min ({self.red_min}) must be above "
                f"yellow_min ({self.yellow_min})",
            )
        if self.recheck_max_days < self.recheck_min_days:
            self._fail("recheck_max_days", "must not be before recheck_days.min")
        if self.red_to_yellow_max_score >= self.red_min:
            self._fail("red_to_yellow_max_score", f"must be below red_min ({self.red_min})")
        if self.officers_per_visit < LEGAL_MIN_OFFICERS:
            self._fail("officers_per_visit", f"the law asks at least {LEGAL_MIN_OFFICERS}")
        if not 1 <= self.no_penalty_lookback_years <= MAX_LOOKBACK_YEARS:
            self._fail(
                "no_penalty_lookback_years",
                f"must be between 1 and {MAX_LOOKBACK_YEARS} years "
                f"(got {self.no_penalty_lookback_years})",
            )
        if self.verified_complaint_colour not in ("yellow", "red"):
            self._fail("verified_complaint_colour", "must be yellow or red")

    def interval(self, colour: str) -> int:
        """Months between proactive checks of a merchant of `colour`."""
        return int(self.interval_months[colour])


DEFAULT_POLICY = Policy()


class ItemOutcome(NamedTuple):
    """One check item's outcome in a visit, as far as scoring cares."""

    is_key: bool
    outcome: str  # pass, fail or na
    corrected_on_site: bool = False


@dataclass(frozen=True)
class Assessment:
    """A visit's score and what its failed key items say."""

    score: int
    key_failed: bool
    key_corrected: bool  # every failed key item was put right on site


def score_findings(findings: Iterable[ItemOutcome], policy: Policy = DEFAULT_POLICY) -> Assessment:
    """Score a visit: points per failed key and general item."""
    score, key_failed, key_open = 0, False, False
    for item in findings:
        if item.outcome != "fail":
            continue
        if item.is_key:
            score += policy.key_item_points
            key_failed = True
            key_open = key_open or not item.corrected_on_site
        else:
            score += policy.general_item_points
    return Assessment(score=score, key_failed=key_failed, key_corrected=key_failed and not key_open)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_due(last_visit: date, colour: str, policy: Policy = DEFAULT_POLICY) -> date:
    """When a merchant of `colour` last visited on `last_visit` is due again (routine interval)."""
    return add_months(last_visit, policy.interval(colour))


def recheck_window(deadline: date, policy: Policy = DEFAULT_POLICY) -> tuple[date, date]:
    """When the re-check (复查) of an order with `deadline` is due: from `recheck_days.min` after
    the deadline, and by `recheck_days.max` after it."""
    return (
        deadline + timedelta(days=policy.recheck_min_days),
        deadline + timedelta(days=policy.recheck_max_days),
    )
