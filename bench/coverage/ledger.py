"""What the simulated year owed and when it was paid: every colour interval, complaint and
re-check with its deadline, the day a visit met it, and the backlog of each working day.

A colour obligation is a merchant's due date as the colour code stored it (`next_due`, read each
working day after the nightly recompute), with the colour it had then; the next inspection of
the merchant meets it, in time if made on or before that date. A due date that an open
rectification order set (its deadline plus `recheck_days.min`) is a re-check's, not the
colour's: re-checks are counted per order, met by the first later visit that checks the
order's item, in time by the deadline plus `recheck_days.max`. A complaint is met by the visit
that settles it, in time within `complaint_visit_days` of the day it came in.

Only what fell due within the span is counted; what was already overdue when it began is
counted apart (the demo's history leaves some shops overdue).
"""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from server.core.workdays import CALENDAR

__all__ = ["CLASSES", "Ledger", "Tally"]

CLASSES = ("red", "yellow", "green", "complaint", "recheck")


@dataclass
class Tally:
    """One class's obligations that fell due within the span, and how they were met."""

    due: int = 0
    in_time: int = 0
    late: int = 0  # met after the deadline
    owed: int = 0  # not met by the last day
    late_days: list[int] = field(default_factory=list)
    late_off_day: int = 0  # late ones whose deadline fell on a Saturday or Sunday
    next_working_day: int = 0  # late ones met on the first working day from the deadline on
    owed_days: list[int] = field(default_factory=list)  # how overdue the owed ones are at the end
    inherited: int = 0  # overdue when the span began
    inherited_met: int = 0
    inherited_days: list[int] = field(default_factory=list)  # days from the start to meeting them

    @property
    def share(self) -> float | None:
        return self.in_time / self.due if self.due else None

    @property
    def share_by_working_day(self) -> float | None:
        """In time, or on the first working day after a deadline that fell on a weekend."""
        return (self.in_time + self.next_working_day) / self.due if self.due else None


@dataclass
class _Interval:
    colour: str
    due: date
    kind: str  # interval, or recheck when an open order's deadline set the date


@dataclass
class _Order:
    merchant_id: uuid.UUID
    items: frozenset[uuid.UUID]  # an order of one item, or every item a whole-visit order covers
    whole: bool
    issued_on: date
    deadline: date  # of the re-check: the order's deadline plus recheck_days.max
    met_on: date | None = None


@dataclass
class _Complaint:
    merchant_id: uuid.UUID
    deadline: date
    met_on: date | None = None


class Ledger:
    def __init__(self, start: date, *, complaint_days: int, recheck_max_days: int) -> None:
        self.start = start
        self.complaint_days = complaint_days
        self.recheck_max_days = recheck_max_days
        self.current: dict[uuid.UUID, _Interval] = {}
        self.met: list[tuple[_Interval, date]] = []
        self.moved = 0  # due dates that moved without a visit (should stay 0)
        self.orders: dict[uuid.UUID, _Order] = {}
        self.open_orders: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        self.complaints: dict[uuid.UUID, _Complaint] = {}
        self.backlog: list[tuple[date, Counter[str]]] = []

    # What the district owes -------------------------------------------------------------

    def observe(
        self,
        day: date,
        dues: list[tuple[uuid.UUID, str, date | None]],
        recheck_dates: dict[uuid.UUID, date],
    ) -> None:
        """The colour code's due dates as stored on the morning of `day`; `recheck_dates` is
        when each merchant's earliest open order is to be re-checked."""
        for merchant_id, colour, due in dues:
            if due is None:
                continue
            kind = "recheck" if recheck_dates.get(merchant_id) == due else "interval"
            now = self.current.get(merchant_id)
            if now is not None and (now.due, now.colour) != (due, colour):
                self.moved += 1
                now = None
            if now is None:
                self.current[merchant_id] = _Interval(colour, due, kind)
        self.backlog.append((day, self._overdue(day)))

    def order(
        self,
        order_id: uuid.UUID,
        merchant_id: uuid.UUID,
        items: frozenset[uuid.UUID],
        *,
        whole: bool,
        issued_on: date,
        deadline: date,
    ) -> None:
        self.orders[order_id] = _Order(
            merchant_id,
            items,
            whole,
            issued_on,
            deadline + timedelta(days=self.recheck_max_days),
        )
        self.open_orders[merchant_id].add(order_id)

    def complaint(self, complaint_id: uuid.UUID, merchant_id: uuid.UUID, received: date) -> None:
        # Counted as the product counts it (server/complaints/service.py `visit_deadline`).
        deadline = CALENDAR.deadline(received, self.complaint_days)
        self.complaints[complaint_id] = _Complaint(merchant_id, deadline)

    # What a visit pays --------------------------------------------------------------------

    def visit(
        self,
        day: date,
        merchant_id: uuid.UUID,
        items: set[uuid.UUID],
        complaints: list[uuid.UUID],
    ) -> None:
        """An inspection of `merchant_id` on `day` that checked `items` and settled
        `complaints`."""
        interval = self.current.pop(merchant_id, None)
        if interval is not None:
            self.met.append((interval, day))
        for order_id in list(self.open_orders.get(merchant_id, ())):
            order = self.orders[order_id]
            if order.issued_on >= day:
                continue
            checked = order.items <= items if order.whole else bool(order.items & items)
            if checked:
                order.met_on = day
                self.open_orders[merchant_id].discard(order_id)
        for complaint_id in complaints:
            found = self.complaints.get(complaint_id)
            if found is not None and found.met_on is None:
                found.met_on = day

    # Reading it -----------------------------------------------------------------------------

    def _overdue(self, day: date) -> Counter[str]:
        """What is past its deadline and not met on the morning of `day`, per class."""
        counts: Counter[str] = Counter()
        for interval in self.current.values():
            if interval.due < day:
                counts[interval.colour if interval.kind == "interval" else "recheck_date"] += 1
        counts["recheck"] = sum(
            1 for o in self.orders.values() if o.met_on is None and o.deadline < day
        )
        counts["complaint"] = sum(
            1 for c in self.complaints.values() if c.met_on is None and c.deadline < day
        )
        return counts

    def tallies(self, last: date) -> dict[str, Tally]:
        """Per class, what fell due from the start to `last` and how it was met."""
        out = {name: Tally() for name in CLASSES}
        intervals = [(i, day) for i, day in self.met] + [(i, None) for i in self.current.values()]
        for interval, met_on in intervals:
            if interval.kind != "interval":
                continue
            _count(out[interval.colour], interval.due, met_on, self.start, last)
        for order in self.orders.values():
            _count(out["recheck"], order.deadline, order.met_on, self.start, last)
        for complaint in self.complaints.values():
            _count(out["complaint"], complaint.deadline, complaint.met_on, self.start, last)
        return out

    def recheck_dates_met(self) -> int:
        """Due dates an open order had set that a visit met (counted per order instead)."""
        return sum(1 for i, _ in self.met if i.kind == "recheck")

    def not_yet_due(self, last: date) -> Counter[str]:
        """Complaints and re-checks still within their deadline at the end."""
        counts: Counter[str] = Counter()
        counts["complaint"] = sum(
            1 for c in self.complaints.values() if c.met_on is None and c.deadline > last
        )
        counts["recheck"] = sum(
            1 for o in self.orders.values() if o.met_on is None and o.deadline > last
        )
        return counts


def _count(tally: Tally, deadline: date, met_on: date | None, start: date, last: date) -> None:
    if deadline < start:
        tally.inherited += 1
        if met_on is not None and met_on <= last:
            tally.inherited_met += 1
            tally.inherited_days.append((met_on - start).days)
        return
    if deadline > last:
        return  # fell due after the span (even if met early)
    tally.due += 1
    if met_on is None or met_on > last:
        tally.owed += 1
        tally.owed_days.append((last - deadline).days)
    elif met_on <= deadline:
        tally.in_time += 1
    else:
        tally.late += 1
        tally.late_days.append((met_on - deadline).days)
        tally.late_off_day += not CALENDAR.is_working_day(deadline)
        tally.next_working_day += met_on <= _working_from(deadline)


def _working_from(day: date) -> date:
    """The day itself if it is a working day on the official calendar, else the next one."""
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return day
