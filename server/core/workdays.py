"""The district's working days: China's official calendar, with its public holidays and the
make-up working days (调休) the State Council sets each year, not Monday to Friday.

A year's calendar comes from the installed `chinese-calendar` library, or from the district's
CALENDAR_FILE (server.core.calendar_file) for a year the library does not have yet or has wrong:
a year the file names is read from the file alone. A day of a year that neither knows is refused
(CalendarNotCovered), never guessed: a week of five working days is not China's calendar.

`CALENDAR` is the process's one calendar, as `CLOCK` is its one clock: the app and the command
line load CALENDAR_FILE into it at start-up."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from server.core.errors import DomainError
from server.core.i18n import t

__all__ = [
    "CALENDAR",
    "MAX_WORKING_DAYS",
    "CalendarNotCovered",
    "Special",
    "WorkCalendar",
    "YearFile",
    "weekday_name",
]

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# The library's holidays as the State Council's notices name them.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}
# The most working days one count may span (some four years): more is a mistake, not a deadline.
MAX_WORKING_DAYS = 1000
LIBRARY = f"chinese-calendar {chinese_calendar.__version__}"
# The first and the last year the library knows.
LIBRARY_YEARS = (
    min(day.year for day in chinese_calendar.holidays),
    max(day.year for day in chinese_calendar.holidays),
)


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


@dataclass(frozen=True)
class Special:
    """A day the official calendar sets apart from the week's rhythm: a day off on a weekday or a
    weekend day within a holiday (`working` false), or a make-up working day (true); `name` is
    the holiday it belongs to."""

    day: date
    working: bool
    name: str


@dataclass(frozen=True)
class YearFile:
    """What a CALENDAR_FILE says: the years it covers and their special days (a day listed under
    one year may fall in the next or the last, as a make-up day of New Year can)."""

    path: str
    years: frozenset[int]
    days: dict[date, Special] = field(default_factory=dict)


class CalendarNotCovered(DomainError):
    """A day of a year whose official calendar is not loaded (422): the reason says which years
    are and how to add one."""

    def __init__(self, year: int, calendar: "WorkCalendar") -> None:
        first, last = calendar.library_years
        extra = calendar.file_years
        self.key = "calendar.not_covered"
        self.values: dict[str, object] = {
            "year": year,
            "library": LIBRARY,
            "first": first,
            "last": last,
            "file": t("calendar.file_years", years="、".join(map(str, extra))) if extra else "",
        }
        super().__init__(t(self.key, **self.values))
        self.year = year


def _library_days(year: int) -> dict[date, Special]:
    """The library's special days of `year` (it lists holidays over weekends too)."""
    days = {
        day: Special(day, False, NAMES.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    }
    for day, name in chinese_calendar.workdays.items():
        if day.year == year:
            days[day] = Special(day, True, NAMES.get(name, name))
    return days


class WorkCalendar:
    """Working days by China's official calendar, from the library and the district's file."""

    def __init__(self, file: YearFile | None = None) -> None:
        self._file = file
        self._years: dict[int, dict[date, Special]] = {}

    def configure(self, file: YearFile | None) -> None:
        """Take the district's file (None: the library alone)."""
        self._file, self._years = file, {}

    @property
    def file(self) -> YearFile | None:
        return self._file

    @property
    def library_years(self) -> tuple[int, int]:
        return LIBRARY_YEARS

    @property
    def file_years(self) -> list[int]:
        return sorted(self._file.years) if self._file else []

    def covers(self, year: int) -> bool:
        first, last = self.library_years
        return first <= year <= last or year in self.file_years

    def source(self, year: int) -> str:
        """Where `year`'s calendar comes from: the file's path or the library."""
        if self._file and year in self._file.years:
            return self._file.path
        return LIBRARY

    def special_days(self, year: int) -> dict[date, Special]:
        """The year's holidays and make-up working days; CalendarNotCovered for a year neither
        the library nor the file has."""
        if year not in self._years:
            if not self.covers(year):
                raise CalendarNotCovered(year, self)
            file = self._file
            days = {} if file and year in file.years else _library_days(year)
            if file:
                days |= {day: s for day, s in file.days.items() if day.year == year}
            self._years[year] = days
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        special = self.special_days(day.year).get(day)
        return special.working if special else day.weekday() < 5

    def day_off(self, day: date) -> str | None:
        """Why `day` is no working day (the holiday's name, 周六, 周日); None for a working day."""
        special = self.special_days(day.year).get(day)
        if special is not None:
            return None if special.working else special.name
        return weekday_name(day) if day.weekday() >= 5 else None

    def why_not_working(self, day: date) -> str | None:
        """`day_off` as a reason: 休息日 for a weekend, 国庆节假期 for a holiday's day."""
        off = self.day_off(day)
        if off is None:
            return None
        if off == weekday_name(day):
            return t("calendar.rest_day")
        return t("calendar.holiday", name=off)

    def add(self, day: date, working_days: int) -> date:
        """The date `working_days` working days after `day` (0: `day` itself)."""
        if not 0 <= working_days <= MAX_WORKING_DAYS:
            raise ValueError(f"working_days must be 0–{MAX_WORKING_DAYS}")
        left = working_days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def deadline(self, day: date, working_days: int) -> date:
        """`working_days` working days after `day`, for a deadline: where the calendar does not
        reach yet (a year not loaded), the same number of calendar days, which is never later,
        so a deadline is kept rather than guessed."""
        try:
            return self.add(day, working_days)
        except CalendarNotCovered:
            return day + timedelta(days=working_days)

    def days_off_after(self, day: date) -> date:
        """The last of the days off that follow `day` (`day` itself when the next day is worked,
        or when the calendar does not reach it): a working day's plan answers for them too."""
        last = day
        try:
            while not self.is_working_day(last + timedelta(days=1)):
                last += timedelta(days=1)
        except CalendarNotCovered:
            return day
        return last


CALENDAR = WorkCalendar()
