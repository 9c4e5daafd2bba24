"""The colour policy (三色码): how a visit scores, which colour follows, how often to visit."""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal, NamedTuple

__all__ = [
    "COLOURS",
    "DEFAULT_POLICY",
    "Assessment",
    "Colour",
    "ItemOutcome",
    "Policy",
    "add_months",
    "colour_for",
    "next_due",
    "score_findings",
]

Colour = Literal["green", "yellow", "red"]
COLOURS: tuple[Colour, ...] = ("green", "yellow", "red")


def _frozen(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class Policy:
    """Every number of the colour policy; the defaults are DOMAIN.md's "Default policy"."""

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

    def __post_init__(self) -> None:
        if not 0 < self.yellow_min < self.red_min:
            raise ValueError("policy needs 0 < yellow_min < red_min")
        if self.key_item_points <= 0 or self.general_item_points <= 0:
            raise ValueError("policy item points must be positive")
        for name in ("interval_months", "sampling_share"):
            missing = set(COLOURS) - set(getattr(self, name))
            if missing:
                raise ValueError(f"policy {name} lacks {', '.join(sorted(missing))}")


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


def colour_for(
    score: int,
    key_failed: bool,
    case_opened: bool,
    *,
    key_corrected: bool = False,
    policy: Policy = DEFAULT_POLICY,
) -> Colour:
    """The colour a visit's result earns.

    Red: at least `red_min` points, a failed key item left uncorrected, or an opened case.
    Yellow: at least `yellow_min` points, or a failed key item put right on site (it still
    bars green). Green otherwise.
    """
    if case_opened or score >= policy.red_min or (key_failed and not key_corrected):
        return "red"
    if score >= policy.yellow_min or key_failed:
        return "yellow"
    return "green"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_due(last_visit: date, colour: str, policy: Policy = DEFAULT_POLICY) -> date:
    """When a merchant of `colour` last visited on `last_visit` is due again."""
    return add_months(last_visit, policy.interval_months[colour])
