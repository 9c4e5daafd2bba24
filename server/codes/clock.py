"""The district's calendar: visit dates, deadlines and due dates are days in local time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "as_utc",
    "district_timezone",
    "local_format",
    "local_today",
    "publication_moment",
    "set_district_timezone",
    "utcnow",
]

_zone = {"tz": ZoneInfo("Asia/Shanghai")}


def set_district_timezone(name: str) -> None:
    """Use LOCAL_TIMEZONE (settings) for the district's days; called once at start-up."""
    _zone["tz"] = ZoneInfo(name)


def district_timezone() -> ZoneInfo:
    return _zone["tz"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today(now: datetime | None = None) -> date:
    """Today's date in the district."""
    return (now or utcnow()).astimezone(_zone["tz"]).date()


PUBLISH_HOUR = 9  # results go public at the start of the working day


def publication_moment(visit_day: date, working_days: int) -> datetime:
    """When a result of `visit_day` goes public: that many working days (Monday to Friday) later,
    at the start of the day in the district, as UTC."""
    day, left = visit_day, working_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return datetime.combine(day, time(PUBLISH_HOUR), _zone["tz"]).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored moment, aware: SQLite hands back naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_format(value: datetime | date | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the district's clock shows it (stored times are UTC; a naive one is UTC);
    a date as it is. The templates' `local` filter."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(_zone["tz"]).strftime(pattern)
    return value.strftime(pattern)
