"""Coverage figures: what a district is judged on, day by day (docs/domain.md, "Coverage").

For each day: the visits of the newest version of each street's plan, counted per class of
reason (due red, yellow, green, complaints, re-checks, re-ratings, random draws) with how many of
them are on a route; the active merchants overdue by then, by colour and by how many days; and
the rectification orders still open past their deadline.

A visit counts in every class its reasons name: a red shop that is also visited for a complaint
keeps the red promise, so it counts for both. Each visit counts once in the day's total.

Four aggregate queries whatever the span (server.planning.coverage_queries); the days are
counted from their rows here.
"""

import uuid
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from sqlmodel import Session

from server.planning.coverage_queries import (
    MerchantRow,
    OrderRow,
    PlanRow,
    VisitRow,
    merchant_rows,
    order_rows,
    plan_rows,
    visit_rows,
)
from server.planning.service import PlanRefused

__all__ = [
    "BANDS",
    "CLASSES",
    "COLOURS",
    "MAX_SPAN_DAYS",
    "Band",
    "Coverage",
    "DayCoverage",
    "Tally",
    "Visits",
    "check_span",
    "coverage",
    "day_coverage",
]

# The classes in the order a supervisor reads them: the colour promises, then the rest.
CLASSES = ("due:red", "due:yellow", "due:green", "complaint", "reinspection", "rerating", "random")
COLOURS = ("red", "yellow", "green")
MAX_SPAN_DAYS = 366


@dataclass(frozen=True)
class Band:
    """Days overdue from `first` to `last` (None: no end)."""

    name: str
    first: int
    last: int | None


BANDS = (Band("1-7", 1, 7), Band("8-30", 8, 30), Band("31-90", 31, 90), Band(">90", 91, None))


@dataclass
class Tally:
    """Visits due in a class, and how many of them are on a route."""

    due: int = 0
    routed: int = 0

    @property
    def unassigned(self) -> int:
        return self.due - self.routed

    @property
    def share(self) -> float | None:
        """The routed share of the due visits; None when none were due."""
        return self.routed / self.due if self.due else None

    def add(self, other: "Tally") -> None:
        self.due += other.due
        self.routed += other.routed


@dataclass
class Visits:
    """A day's (or a span's) visits: all of them, per class, and the unassigned by reason."""

    plans: int = 0  # street-days with a plan
    published: int = 0
    total: Tally = field(default_factory=Tally)
    classes: dict[str, Tally] = field(default_factory=lambda: {c: Tally() for c in CLASSES})
    unassigned: dict[str, int] = field(default_factory=dict)  # unassigned_code → visits

    def add(self, other: "Visits") -> None:
        self.plans += other.plans
        self.published += other.published
        self.total.add(other.total)
        for name, tally in other.classes.items():
            self.classes[name].add(tally)
        for code, count in other.unassigned.items():
            self.unassigned[code] = self.unassigned.get(code, 0) + count


@dataclass
class DayCoverage:
    day: date
    visits: Visits = field(default_factory=Visits)
    # colour → band name → active merchants whose next due date is that many days past
    overdue: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: dict.fromkeys((b.name for b in BANDS), 0) for c in COLOURS}
    )
    orders_past_deadline: int = 0

    @property
    def overdue_total(self) -> int:
        return sum(sum(bands.values()) for bands in self.overdue.values())


@dataclass
class Coverage:
    """The span's days, each with its figures, and the visits summed over the span. Overdue
    merchants and orders are a count on each day, not summed."""

    start: date
    end: date
    days: list[DayCoverage]
    totals: Visits


def check_span(start: date, end: date) -> None:
    """PlanRefused for a span that ends before it starts or is longer than MAX_SPAN_DAYS."""
    if end < start:
        raise PlanRefused("coverage.reversed", start=start.isoformat(), end=end.isoformat())
    days = (end - start).days + 1
    if days > MAX_SPAN_DAYS:
        raise PlanRefused("coverage.too_long", days=days, max=MAX_SPAN_DAYS)


def coverage(
    session: Session, start: date, end: date, street_ids: list[uuid.UUID] | None = None
) -> Coverage:
    """The figures of every day from `start` to `end` (both included; the caller keeps the span
    within MAX_SPAN_DAYS), of the given streets or of every street."""
    span = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    days = {day: DayCoverage(day) for day in span}
    _count_plans(days, plan_rows(session, start, end, street_ids))
    _count_visits(days, visit_rows(session, start, end, street_ids))
    _count_overdue(days, merchant_rows(session, end, street_ids))
    _count_orders(days, order_rows(session, start, end, street_ids))
    totals = Visits()
    for figures in days.values():
        totals.add(figures.visits)
    return Coverage(start, end, list(days.values()), totals)


def day_coverage(
    session: Session, day: date, street_ids: list[uuid.UUID] | None = None
) -> DayCoverage:
    """One day's figures (the console's)."""
    return coverage(session, day, day, street_ids).days[0]


def _count_plans(days: dict[date, DayCoverage], rows: list[PlanRow]) -> None:
    for row in rows:
        days[row.day].visits.plans += row.plans
        if row.status == "published":
            days[row.day].visits.published += row.plans


def _count_visits(days: dict[date, DayCoverage], rows: list[VisitRow]) -> None:
    for row in rows:
        visits = days[row.day].visits
        tally = Tally(row.visits, row.visits if row.routed else 0)
        visits.total.add(tally)
        for reason in set(row.reasons) & set(CLASSES):
            visits.classes[reason].add(tally)
        if not row.routed:
            key = row.unassigned_code or "unknown"
            visits.unassigned[key] = visits.unassigned.get(key, 0) + row.visits


class _DueDates:
    """The due dates of one colour's overdue merchants, counted, so that any range of dates is
    counted by two bisections."""

    def __init__(self, counted: list[tuple[date, int]]) -> None:
        counted.sort()
        self.dates = [d for d, _ in counted]
        self.before = list(accumulate((n for _, n in counted), initial=0))

    def between(self, first: date | None, last: date) -> int:
        low = 0 if first is None else bisect_left(self.dates, first)
        return max(0, self.before[bisect_right(self.dates, last)] - self.before[low])


def _count_overdue(days: dict[date, DayCoverage], rows: list[MerchantRow]) -> None:
    """On each day, the merchants due before it, banded by age."""
    counted: dict[str, list[tuple[date, int]]] = {c: [] for c in COLOURS}
    for row in rows:
        counted.setdefault(row.colour, []).append((row.next_due, row.merchants))
    dates = {colour: _DueDates(found) for colour, found in counted.items()}
    for day, figures in days.items():
        for colour, found in dates.items():
            bands = figures.overdue.setdefault(colour, {})
            for band in BANDS:
                first = None if band.last is None else day - timedelta(days=band.last)
                bands[band.name] = found.between(first, day - timedelta(days=band.first))


def _count_orders(days: dict[date, DayCoverage], rows: list[OrderRow]) -> None:
    """An order is open past its deadline on each day after the deadline until the day it was
    verified (still open: to the end of the span)."""
    ordered = sorted(days)
    start, end = ordered[0], ordered[-1]
    change = [0] * (len(ordered) + 1)
    for row in rows:
        first = max(row.deadline + timedelta(days=1), start)
        last = end if row.verified_on is None else min(row.verified_on - timedelta(days=1), end)
        if first <= last:
            change[(first - start).days] += row.orders
            change[(last - start).days + 1] -= row.orders
    for day, running in zip(ordered, accumulate(change), strict=False):
        days[day].orders_past_deadline = running
