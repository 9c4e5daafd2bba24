"""The one clock: every "now" and "today" of the product comes from here.

An instant is an aware UTC `datetime`; the district's days (visit dates, deadlines, due dates,
"today" on a plan or a day packet) are dates in its time zone, `LOCAL_TIMEZONE`. Code asks
`utcnow()` for the instant and `local_today()` for the district's date; nothing in `server/`
reads the machine's calendar any other way (tests/test_clock_discipline.py holds that).

The clock normally follows the machine. It can be set to a chosen instant, from which it runs on
(or stands still when frozen): the test suite sets it for every test, and a training or test
server started with `ONEVISIT_CLOCK` (refused in production) starts its day there. Monotonic
timers for timeouts and rate windows are not business time and stay on `time.monotonic()`.
"""

import time as _time
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.core.workdays import CALENDAR

__all__ = [
    "CLOCK",
    "Clock",
    "as_utc",
    "district_timezone",
    "local_format",
    "local_today",
    "publication_moment",
    "start_of_day",
    "utcnow",
]

DEFAULT_TIMEZONE = "Asia/Shanghai"


class Clock:
    """A UTC instant and the district's time zone."""

    def __init__(self, zone: str = DEFAULT_TIMEZONE) -> None:
        self._zone = ZoneInfo(zone)
        self._anchor: tuple[datetime, float] | None = None  # (instant, monotonic when set)
        self._frozen = False

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def set_zone(self, name: str) -> None:
        self._zone = ZoneInfo(name)

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        if self._anchor is None:
            return datetime.now(UTC)
        instant, at = self._anchor
        if self._frozen:
            return instant
        return instant + timedelta(seconds=_time.monotonic() - at)

    def today(self, now: datetime | None = None) -> date:
        """The district's date at `now` (default: this instant)."""
        return as_utc(now or self.now()).astimezone(self._zone).date()

    def local(self, day: date, at: time) -> datetime:
        """A wall-clock moment of the district, as UTC."""
        return datetime.combine(day, at, self._zone).astimezone(UTC)

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        """Run from `instant` on (aware; a naive one is refused), or stand still there."""
        if instant.tzinfo is None:
            raise ValueError("the clock takes an aware instant")
        self._anchor = (instant.astimezone(UTC), _time.monotonic())
        self._frozen = frozen

    def advance(self, delta: timedelta) -> None:
        """Move a set clock on by `delta`."""
        if self._anchor is None:
            raise RuntimeError("only a set clock can be moved")
        self.set(self.now() + delta, frozen=self._frozen)

    def configure(self, zone: str, start: datetime | None = None) -> None:
        """Take the district's zone from settings, and their starting instant if one is set."""
        self.set_zone(zone)
        if start is not None:
            self.set(start)

    def release(self) -> None:
        """Follow the machine again."""
        self._anchor, self._frozen = None, False

    @property
    def is_set(self) -> bool:
        return self._anchor is not None


CLOCK = Clock()


def utcnow() -> datetime:
    """The current instant (aware, UTC)."""
    return CLOCK.now()


def local_today(now: datetime | None = None) -> date:
    """The district's date now, or at `now`."""
    return CLOCK.today(now)


def district_timezone() -> ZoneInfo:
    return CLOCK.zone


def start_of_day(day: date) -> datetime:
    """The district's midnight that begins `day`, as UTC (how moments are stored)."""
    return CLOCK.local(day, time())


PUBLISH_HOUR = 9  # results go public at the start of the working day


def publication_moment(visit_day: date, working_days: int) -> datetime:
    """When a result of `visit_day` goes public: that many working days later on China's official
    calendar (server.core.workdays: holidays off, make-up days worked), at the start of the day in
    the district, as UTC. CalendarNotCovered for a year whose calendar is not loaded."""
    return CLOCK.local(CALENDAR.add(visit_day, working_days), time(PUBLISH_HOUR))


def as_utc(moment: datetime) -> datetime:
    """A stored moment, aware: SQLite hands back naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_format(value: datetime | date | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the district's clock shows it (stored times are UTC; a naive one is UTC);
    a date as it is. The templates' `local` filter."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(CLOCK.zone).strftime(pattern)
    return value.strftime(pattern)
