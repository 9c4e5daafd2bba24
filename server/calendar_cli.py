"""`onevisit calendar`: the district's working days on China's official calendar
(server.core.workdays, with CALENDAR_FILE): count working days on from a date, list a year's
holidays and make-up working days. A refusal prints its reason and exits 2."""

import sys
from datetime import date, timedelta
from typing import NoReturn

import click

from server.core.calendar_file import CalendarFileError, load_calendar_file
from server.core.i18n import t
from server.core.inputs import sane_day
from server.core.workdays import (
    CALENDAR,
    MAX_WORKING_DAYS,
    CalendarNotCovered,
    WorkCalendar,
    weekday_name,
)

__all__ = ["calendar"]


def _refuse(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)


def _date(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        day = None
    if day is None or not sane_day(day):
        _refuse(t("plan.bad_date", value=value))
    return day


def _count(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or int(text) > MAX_WORKING_DAYS:
        _refuse(t("calendar.bad_count", value=value, max=MAX_WORKING_DAYS))
    return int(text)


def _calendar(path: str | None) -> WorkCalendar:
    """The district's calendar, or the library with the file at `path` (to check one first)."""
    if path is None:
        return CALENDAR
    try:
        return WorkCalendar(load_calendar_file(path))
    except CalendarFileError as exc:
        _refuse(str(exc))


FILE_OPTION = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False),
    help="A calendar file to use instead of CALENDAR_FILE (to check it before installing it).",
)


@click.group(help="Working days on China's official calendar: holidays and make-up days (调休).")
def calendar() -> None:
    pass


# "-1" is a count to refuse in words, not an unknown option.
@calendar.command(
    "add",
    help="The date N working days after DATE (YYYY-MM-DD).",
    context_settings={"ignore_unknown_options": True},
)
@click.argument("day", metavar="DATE")
@click.argument("count", metavar="N")
@click.option("--plain", is_flag=True, help="Print the date alone, YYYY-MM-DD.")
@FILE_OPTION
def add(day: str, count: str, plain: bool, path: str | None) -> None:
    start, n = _date(day), _count(count)
    try:
        result = _calendar(path).add(start, n)
    except CalendarNotCovered as exc:
        _refuse(exc.detail)
    if plain:
        click.echo(result.isoformat())
        return
    click.echo(
        t(
            "calendar.added",
            day=start.isoformat(),
            weekday=weekday_name(start),
            n=n,
            result=result.isoformat(),
            result_weekday=weekday_name(result),
        )
    )


@calendar.command("show", help="A year's holidays and make-up working days, and its working days.")
@click.argument("year", metavar="YEAR")
@FILE_OPTION
def show(year: str, path: str | None) -> None:
    if not (year.strip().isdigit() and len(year.strip()) == 4):
        _refuse(t("calendar.bad_year", value=year))
    number, chosen = int(year), _calendar(path)
    try:
        special = chosen.special_days(number)
    except CalendarNotCovered as exc:
        _refuse(exc.detail)
    click.echo(t("calendar.year_title", year=number, source=chosen.source(number)))
    for day in sorted(special):
        entry = special[day]
        kind = t("calendar.make_up_day") if entry.working else t("calendar.day_off")
        click.echo(f"{day.isoformat()}  {weekday_name(day)}  {kind}  {entry.name}")
    first = date(number, 1, 1)
    days = [first + timedelta(days=n) for n in range((date(number + 1, 1, 1) - first).days)]
    off = [s for s in special.values() if not s.working]
    click.echo(
        t(
            "calendar.year_summary",
            working=sum(chosen.is_working_day(d) for d in days),
            holidays=len(off),
            weekdays=sum(s.day.weekday() < 5 for s in off),
            make_up=sum(s.working for s in special.values()),
        )
    )
