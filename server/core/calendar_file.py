"""Read the district's CALENDAR_FILE (YAML or TOML): the official calendar of years the installed
`chinese-calendar` does not have yet, or has wrong, as the State Council publishes them (usually
in November for the next year), so that a district adds a year without a software release.

Per year, the days off of each holiday and the make-up working days (调休上班), by the holiday
they belong to; a day is a date, a span `2027-02-06..2027-02-14`, or a list of these:

    2027:
      holidays:
        元旦: 2027-01-01..2027-01-03
        春节: 2027-02-06..2027-02-14
      workdays:
        春节: [2027-02-03, 2027-02-20]

A year the file names is read from the file alone (server.core.workdays). A bad file is refused
whole, naming the file and the key: no day is guessed."""

import tomllib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from server.core.i18n import t
from server.core.workdays import Special, YearFile

__all__ = ["CalendarFileError", "load_calendar_file", "year_file"]

KINDS = {"holidays": False, "workdays": True}  # the key → whether its days are working days
MAX_SPAN_DAYS = 31  # the longest holiday span one entry may name
EARLIEST, LATEST = 2000, 2999


class _Loader(yaml.SafeLoader):
    """YAML with its dates left as text, so that an impossible one is refused by its key."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rule) for tag, rule in resolvers if not tag.endswith(":timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CalendarFileError(ValueError):
    """The calendar file cannot be used; the message names the file and the key."""

    def __init__(self, path: str, key: str | None, message: str) -> None:
        where = f"{path}：`{key}`" if key else path
        super().__init__(f"CALENDAR_FILE {where} {message}")
        self.path, self.key = path, key


def _one_day(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _days(value: Any) -> list[date] | None:
    """The days an entry names (a date, a span `A..B`, or a list of them); None if it is none."""
    if isinstance(value, list):
        found = [_days(item) for item in value]
        return None if not value or None in found else [d for days in found if days for d in days]
    if isinstance(value, str) and ".." in value:
        first, _, last = (_one_day(part) for part in value.partition(".."))
        if first is None or last is None or not 0 <= (last - first).days < MAX_SPAN_DAYS:
            return None
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]
    day = _one_day(value)
    return [day] if day else None


def _year(raw: Any) -> int | None:
    text = str(raw).strip()
    return int(text) if text.isdigit() and EARLIEST <= int(text) <= LATEST else None


def _entries(path: str, year: int, kind: str, value: Any) -> list[Special]:
    """The special days of one year's `holidays` or `workdays`."""
    key = f"{year}.{kind}"
    if isinstance(value, list):  # make-up days without their holiday's name
        value = {t("calendar.make_up"): value}
    if not isinstance(value, Mapping) or not value:
        raise CalendarFileError(path, key, t("calendar.file.not_table"))
    found = []
    for name, spec in value.items():
        days = _days(spec)
        if not str(name).strip() or days is None:
            raise CalendarFileError(path, f"{key}.{name}", t("calendar.file.bad_days"))
        for day in days:
            if abs(day.year - year) > 1:
                raise CalendarFileError(
                    path, f"{key}.{name}", t("calendar.file.wrong_year", day=day, year=year)
                )
            found.append(Special(day, KINDS[kind], str(name).strip()))
    return found


def year_file(path: str, data: Any) -> YearFile:
    """A parsed calendar document as the calendar takes it; CalendarFileError naming the key."""
    if not isinstance(data, Mapping) or not data:
        raise CalendarFileError(path, None, t("calendar.file.no_years"))
    years: set[int] = set()
    days: dict[date, Special] = {}
    for raw_year, content in data.items():
        year = _year(raw_year)
        if year is None:
            raise CalendarFileError(path, str(raw_year), t("calendar.file.bad_year"))
        if not isinstance(content, Mapping) or "holidays" not in content:
            raise CalendarFileError(path, str(year), t("calendar.file.no_holidays"))
        for kind, value in content.items():
            if kind not in KINDS:
                raise CalendarFileError(path, f"{year}.{kind}", t("calendar.file.unknown_key"))
            for special in _entries(path, year, kind, value):
                known = days.setdefault(special.day, special)
                if known.working != special.working:
                    raise CalendarFileError(
                        path, f"{year}.{kind}", t("calendar.file.both", day=special.day)
                    )
        years.add(year)
    return YearFile(path, frozenset(years), days)


def load_calendar_file(path: str | Path | None) -> YearFile | None:
    """The calendar file at `path` (None: no file, the library alone)."""
    if not path:
        return None
    name = str(path)
    file = Path(path)
    if not file.is_file():
        raise CalendarFileError(name, None, t("calendar.file.missing"))
    try:
        text = file.read_text(encoding="utf-8")
        if file.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif file.suffix.lower() in (".yaml", ".yml"):
            data = yaml.load(text, Loader=_Loader)  # a SafeLoader
        else:
            raise CalendarFileError(name, None, t("calendar.file.format"))
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CalendarFileError(name, None, t("calendar.file.unreadable", error=exc)) from None
    return year_file(name, data)
