"""Web plumbing shared by the planning API and console: the guard, the day a request names, how a
day that is no day is answered (DAY_OPT, read by the one handler in server.core.errors), and the
answer to a lost race."""

from datetime import date
from typing import Annotated, Any

from litestar.params import QueryParameter

from server.core.db import AsyncSession
from server.core.errors import BAD_DAY, BadDay
from server.core.inputs import sane_day
from server.core.principal import requires_role
from server.planning.queries import street_plan
from server.planning.service import PlanConflict, PlanRefused

__all__ = [
    "DAY_OPT",
    "SUPERVISORS",
    "QueryDay",
    "in_calendar",
    "lost_plan",
]

SUPERVISORS = requires_role("supervisor")
# A day asked for in the query, as `?date=YYYY-MM-DD`.
QueryDay = Annotated[
    date, QueryParameter(name="date", description="The district's day, YYYY-MM-DD")
]
# Where a request names its day: (source, parameter) → the name the day is sent under.
DAY_INPUTS = {("path", "day"): "day", ("query", "day"): "date", ("body", "date"): "date"}
# A day that is no date (2026-13-45) is refused as one out of the calendar is: 422, naming it.
# Any other malformed input is answered as everywhere else (400, naming the field).
DAY_OPT: dict[str, Any] = {BAD_DAY: BadDay(DAY_INPUTS, "plan.bad_date")}


def in_calendar(day: date | None) -> date:
    """The day, if it is one the calendar can count on from (9999-12-31 has no next day);
    PlanRefused (422) naming it otherwise, as for a day that is no date at all."""
    if day is None or not sane_day(day):
        raise PlanRefused("plan.bad_date", value=day.isoformat() if day else "")
    return day


async def lost_plan(session: AsyncSession, day: date, street: str | None) -> PlanConflict:
    """The lost race (409) with the winner's plan, read after our transaction was rolled back."""
    await session.rollback()
    winner = await session.run_sync(street_plan, day, street)
    versions = {s.street: s.version for s in winner.streets}
    seen = versions.get(street or "", max(versions.values(), default=0))
    return PlanConflict(None, day, version=seen, plan=winner)
