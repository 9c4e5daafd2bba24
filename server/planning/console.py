"""The supervisor console's planning pages: the day per street and its changes through htmx (with
merchants and the complaints inbox, server.planning.console_pages).

Each change parses its form, authorises the street, calls the one service function of its action
(server.planning.service.build_day, the changes of server.planning.edits), as the API does, and
renders the street's day again: with the reason above it when refused (422) or when another
change got there first (409)."""

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromQuery, QueryParameter
from litestar.response import Template

from server.audit.service import actor_of
from server.auth.access import console_principal
from server.auth.pages import console_page
from server.core.clock import local_today
from server.core.db import AsyncSession, DbSession
from server.core.errors import BAD_DAY, BadDay
from server.core.i18n import t
from server.core.inputs import sane_day, shown
from server.core.principal import Principal
from server.core.workdays import CALENDAR, CalendarNotCovered
from server.packets.warm import warm_day
from server.planning import edits
from server.planning.console_pages import MerchantPages
from server.planning.coverage import BANDS, CLASSES, COLOURS, day_coverage
from server.planning.coverage_text import share_text, unassigned_label
from server.planning.queries import console_day, scoped_street
from server.planning.read import map_data
from server.planning.schemas import PlanForm
from server.planning.service import PlanConflict, PlanRefused, build_day
from server.planning.web import DAY_OPT, SUPERVISORS, QueryDay, in_calendar

__all__ = ["PlanningConsoleController"]

Form = Annotated[PlanForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
Act = Callable[[edits.Edit], Awaitable[Any]]
PAGE_DAY = {("query", "day"): "date"}


def _team(form: PlanForm, *, optional: bool = False) -> int | None:
    """The team number the form names (none: out of the routes, where allowed)."""
    if optional and not form.team:
        return None
    try:
        return int(form.team)
    except ValueError:
        raise PlanRefused("plan.bad_field", field="team", value=shown(form.team)) from None


def _uuid(raw: str, field: str) -> uuid.UUID:
    """A visit's id as a form field names it."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise PlanRefused("plan.bad_field", field=field, value=shown(raw)) from None


def _next_working_day(today: dt.date) -> dt.date:
    """The day the page opens on: the next working day (after a Friday, the Monday), or the next
    day where the calendar of its year is not loaded."""
    try:
        return CALENDAR.add(today, 1)
    except CalendarNotCovered:
        return today + dt.timedelta(days=1)


async def _day_context(
    session: AsyncSession, state: State, day: dt.date, street_code: str, user: Principal
) -> dict[str, Any]:
    """What the day's partial shows: the street's plan, its map, the street picker, and the
    street's coverage figures of the day (server.planning.coverage)."""
    found = await session.run_sync(console_day, user, day, street_code)
    figures = await session.run_sync(day_coverage, day, [found.street.id])
    settings = state.settings.planning
    return {
        "streets": found.streets,
        "street": found.street,
        "plan": found.plan,
        "coverage": figures,
        "coverage_classes": CLASSES,
        "coverage_bands": BANDS,
        "colours": COLOURS,
        "share_text": share_text,
        "unassigned_label": unassigned_label,
        "map": map_data(found.plan, found.street),
        "day": day,
        "meta": found.plan.streets[0] if found.plan.streets else None,
        "tile_url": settings.map_tile_url,
        "attribution": settings.map_attribution,
        "message": None,
    }


class PlanningConsoleController(MerchantPages):
    path = "/console"
    include_in_schema = False
    # A refusal no page shows (a day that is no day) is answered as the API does: 422, why.
    opt = DAY_OPT

    # Asked for a day that is no date, the page shows the next working day, as without one.
    @get("/plan", guards=[console_page()], opt={BAD_DAY: BadDay(PAGE_DAY, "", reopen=True)})
    async def plan_page(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: Annotated[dt.date | None, QueryParameter(name="date")] = None,
        street: FromQuery[str] = "",
    ) -> Template:
        user: Principal = request.user
        if day is None or not sane_day(day):
            day = _next_working_day(local_today())
        context = await _day_context(db_session, state, day, street, user)
        return Template(
            "planning/plan.html", context=context | {"user": user, "csrf_token": user.csrf_token}
        )

    @get("/plan/view")
    async def plan_view(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        day: QueryDay,
        street: FromQuery[str],
    ) -> Template:
        user = console_principal(request.scope.get("user"))
        if user is None:
            raise NotFoundException()
        context = await _day_context(db_session, state, in_calendar(day), street, user)
        return Template("planning/_plan.html", context=context)

    async def _act(
        self, request: Request, db_session: DbSession, state: State, form: PlanForm, act: Act
    ) -> Template:
        """Run a change; a refusal or a lost race shows its reason above the current plan."""
        day, user = in_calendar(form.date), request.user
        status, message = 200, None
        try:
            # Another street's day is refused (404) before anything is written.
            form.street = await db_session.run_sync(scoped_street, user, form.street) or ""
            await act(edits.Edit(day, form.street, form.version, actor_of(request)))
        except PlanRefused as exc:
            await db_session.rollback()
            status, message = 422, exc.detail
        except PlanConflict:
            await db_session.rollback()
            status = 409
        context = await _day_context(db_session, state, day, form.street, user)
        if status == 409:
            meta = context["meta"]
            message = t("plan.conflict", version=meta.version if meta else 0)
        return Template(
            "planning/_plan.html",
            status_code=status,
            context=context | {"message": message},
            background=BackgroundTask(warm_day, state, day) if status == 200 else None,
        )

    @post("/plan/build", guards=[SUPERVISORS])
    async def build(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        async def act(edit: edits.Edit) -> None:
            # The version on screen is the base: if someone planned since, this one loses.
            await build_day(
                db_session,
                state.db_sessionmaker,
                edit.day,
                street=edit.street or None,
                base_version=edit.version,
                settings=state.settings,
                actor=edit.actor,
                non_working_day=data.non_working_day == "1",
            )

        return await self._act(request, db_session, state, data, act)

    @post("/plan/publish", guards=[SUPERVISORS])
    async def publish(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        async def act(edit: edits.Edit) -> None:
            await db_session.run_sync(edits.publish, edit)

        return await self._act(request, db_session, state, data, act)

    @post("/plan/reorder", guards=[SUPERVISORS])
    async def reorder(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        settings = state.settings.planning

        async def act(edit: edits.Edit) -> None:
            team = _team(data)
            order = [_uuid(key, "order") for key in data.order.split(",") if key]
            await db_session.run_sync(edits.reorder, edit, team, order, settings)

        return await self._act(request, db_session, state, data, act)

    @post("/plan/move", guards=[SUPERVISORS])
    async def move(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        settings = state.settings.planning

        async def act(edit: edits.Edit) -> None:
            team, visit = _team(data, optional=True), _uuid(data.visit, "visit")
            await db_session.run_sync(edits.move_visit, edit, visit, team, settings)

        return await self._act(request, db_session, state, data, act)

    @post("/plan/lock", guards=[SUPERVISORS])
    async def lock(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        async def act(edit: edits.Edit) -> None:
            team, locked = _team(data), data.locked == "1"
            await db_session.run_sync(edits.set_lock, edit, team, locked)

        return await self._act(request, db_session, state, data, act)
