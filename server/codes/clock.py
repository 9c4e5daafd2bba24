"""The district's calendar: visit dates, deadlines and due dates are days in local time."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["district_timezone", "local_today", "set_district_timezone", "utcnow"]

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
