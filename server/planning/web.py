"""Web plumbing shared by the planning API and console: the guard, the day a request names, and
the answers to a day that is no day and to a lost race."""

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.utils.scope.state import ScopeState

from server.core.db import AsyncSession
from server.core.errors import DomainError, exception_handlers
from server.core.i18n import t
from server.core.inputs import sane_day, shown
from server.core.principal import requires_role
from server.planning.queries import street_plan
from server.planning.service import PlanLost, PlanRefused

__all__ = [
    "DAY_ERRORS",
    "SUPERVISORS",
    "QueryDay",
    "in_calendar",
    "lost_plan",
    "refuse_bad_day",
]

SUPERVISORS = requires_role("supervisor")
# A day asked for in the query, as `?date=YYYY-MM-DD`.
QueryDay = Annotated[
    date, QueryParameter(name="date", description="The district's day, YYYY-MM-DD")
]
# Where a request names its day: (source, parameter) → the name the day is sent under.
DAY_INPUTS = {("path", "day"): "day", ("query", "day"): "date", ("body", "date"): "date"}


def in_calendar(day: date | None) -> date:
    """The day, if it is one the calendar can count on from (9999-12-31 has no next day);
    PlanRefused (422) naming it otherwise, as for a day that is no date at all."""
    if day is None or not sane_day(day):
        raise PlanRefused("plan.bad_date", value=day.isoformat() if day else "")
    return day


def _sent(request: Request, source: object, name: str) -> str:
    """The text a field was sent as: from the path, the query or the form the handler read."""
    if source == "path":
        return str(request.path_params.get(name, ""))
    if source == "query":
        return request.query_params.get(name, "")
    form = ScopeState.from_scope(request.scope).form
    return str(form.get(name, "")) if isinstance(form, dict) else ""


def refuse_bad_day(request: Request, exc: ValidationException) -> Response:
    """A day that is no date (2026-13-45) is refused as one out of the calendar is: 422, naming
    it. Any other malformed input is answered as everywhere else (400, naming the field)."""
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        source, key = item.get("source"), item.get("key")
        if (source, key) in DAY_INPUTS:
            raw = _sent(request, source, DAY_INPUTS[(source, key)])
            refusal = PlanRefused("plan.bad_date", value=shown(raw))
            return exception_handlers[DomainError](request, refusal)
    return exception_handlers[ValidationException](request, exc)


DAY_ERRORS: dict[Any, Any] = {ValidationException: refuse_bad_day}


async def lost_plan(session: AsyncSession, day: date, street: str | None) -> PlanLost:
    """409 with the winner's plan, read after our transaction was rolled back."""
    await session.rollback()
    winner = await session.run_sync(street_plan, day, street)
    versions = {s.street: s.version for s in winner.streets}
    seen = versions.get(street or "", max(versions.values(), default=0))
    return PlanLost(t("plan.conflict", version=seen), plan=winner)
