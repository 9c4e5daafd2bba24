"""The supervisor console's planning pages: the day per street, merchants, the complaints inbox."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template

from server.audit.service import Actor
from server.auth.access import console_principal, street_scope
from server.auth.pages import SIGN_IN_FIRST, console_page
from server.core.db import AsyncSession, DbSession
from server.core.i18n import t
from server.core.inputs import MAX_PAGE, shown
from server.core.plan_settings import hhmm
from server.core.principal import Principal, requires_role
from server.packets.warm import warm_day
from server.planning import edits, service
from server.planning.console_data import (
    colour_chart,
    complaint_inbox,
    merchant_detail,
    merchant_page,
)
from server.planning.read import map_data, plan_document
from server.planning.service import PlanConflict, PlanRefused
from server.planning.web import parse_day, run_build, scoped_street, today_for
from server.policy.rules import COLOURS

__all__ = ["PlanningConsoleController"]

Form = Annotated["PlanForm", Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass
class PlanForm:
    date: str = ""
    street: str = ""
    version: int = 0
    team: str = ""
    visit: str = ""
    order: str = ""  # visit ids, comma-separated
    locked: str = ""


def _user(request: Request) -> Principal | None:
    return console_principal(request.scope.get("user"))


def _missing() -> NotFoundException:
    return NotFoundException(detail=t("error.not_found"))


async def _plan_context(
    session: AsyncSession, state: State, day: date, street_code: str, user: Principal
) -> dict[str, Any]:
    def read(s: Any) -> dict[str, Any]:
        streets = service.resolve_streets(s, None)
        own = street_scope(user)
        if own is not None:
            if any(x.id != own and street_code in (x.code, x.name) for x in streets):
                raise _missing()
            streets = [x for x in streets if x.id == own]
            if not streets:
                raise _missing()
        wanted = street_code or ("" if own else "hubin")
        street = next((x for x in streets if x.code == wanted), streets[0])
        document = plan_document(s, day, street_ids=[street.id])
        return {
            "streets": streets,
            "street": street,
            "plan": document,
            "map": map_data(document, street),
        }

    context = await session.run_sync(read)
    meta = context["plan"]["streets"][0] if context["plan"]["streets"] else None
    settings = state.settings.planning
    return context | {
        "day": day,
        "meta": meta,
        "tile_url": settings.map_tile_url,
        "attribution": settings.map_attribution,
        "message": None,
    }


class PlanningConsoleController(Controller):
    path = "/console"
    include_in_schema = False
    # A refusal no page shows (a day that is no day) is answered as the API does: 422, why.
    exception_handlers = SIGN_IN_FIRST  # type: ignore[assignment]

    @get("/plan", guards=[console_page()])
    async def plan_page(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        date: FromQuery[str | None] = None,
        street: FromQuery[str] = "",
    ) -> Template:
        user: Principal = request.user
        try:
            day = parse_day(date) if date else today_for(state.settings) + timedelta(days=1)
        except PlanRefused:
            day = today_for(state.settings) + timedelta(days=1)
        context = await _plan_context(db_session, state, day, street, user)
        return Template(
            "planning/plan.html", context=context | {"user": user, "csrf_token": user.csrf_token}
        )

    @get("/plan/view")
    async def plan_view(
        self,
        request: Request,
        db_session: DbSession,
        state: State,
        date: FromQuery[str],
        street: FromQuery[str],
    ) -> Template:
        user = _user(request)
        if user is None:
            raise NotFoundException()
        context = await _plan_context(db_session, state, parse_day(date), street, user)
        return Template("planning/_plan.html", context=context)

    async def _act(
        self, request: Request, db_session: DbSession, state: State, form: "PlanForm", act: Any
    ) -> Template:
        """Run a change; a refusal or a lost race shows its reason above the current plan."""
        day = parse_day(form.date)
        user: Principal = request.user
        status, message = 200, None
        try:
            # Another street's day is refused (404) before anything is written.
            named = await db_session.run_sync(lambda s: scoped_street(s, user, form.street))
            form.street = named or ""
            with service.lost_race(None, day):
                await act(day)
                await db_session.flush()
        except PlanRefused as exc:
            await db_session.rollback()
            status, message = 422, t(exc.key, **exc.values)
        except PlanConflict:
            await db_session.rollback()
            status, message = 409, None
        context = await _plan_context(db_session, state, day, form.street, user)
        if status == 409:
            message = t(
                "plan.conflict", version=context["meta"]["version"] if context["meta"] else 0
            )
        return Template(
            "planning/_plan.html",
            status_code=status,
            context=context | {"message": message},
            background=BackgroundTask(warm_day, state, day) if status == 200 else None,
        )

    @staticmethod
    def _team(form: "PlanForm", *, optional: bool = False) -> int | None:
        """The team number the form names (none: out of the routes, where allowed)."""
        if optional and not form.team:
            return None
        try:
            return int(form.team)
        except ValueError:
            raise PlanRefused("plan.bad_field", field="team", value=shown(form.team)) from None

    @staticmethod
    def _visit(raw: str, field: str) -> uuid.UUID:
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise PlanRefused("plan.bad_field", field=field, value=shown(raw)) from None

    def _edit(self, request: Request, state: State, form: "PlanForm", day: date) -> edits.Edit:
        user: Principal = request.user
        return edits.Edit(
            day, form.street, form.version, Actor(user.username, user.id), today_for(state.settings)
        )

    @post("/plan/build", guards=[requires_role("supervisor")])
    async def build(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        user: Principal = request.user

        async def act(day: date) -> None:
            # The version on screen is the base: if someone planned since, this one loses.
            await run_build(
                db_session, state, day, data.street, data.version, Actor(user.username, user.id)
            )

        return await self._act(request, db_session, state, data, act)

    @post("/plan/publish", guards=[requires_role("supervisor")])
    async def publish(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        async def act(day: date) -> None:
            edit = self._edit(request, state, data, day)
            await db_session.run_sync(lambda s: edits.publish(s, edit))

        return await self._act(request, db_session, state, data, act)

    @post("/plan/reorder", guards=[requires_role("supervisor")])
    async def reorder(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        settings = state.settings.planning

        async def act(day: date) -> None:
            edit, team = self._edit(request, state, data, day), self._team(data)
            keys = [self._visit(k, "order") for k in data.order.split(",") if k]
            await db_session.run_sync(lambda s: edits.reorder(s, edit, team, keys, settings))

        return await self._act(request, db_session, state, data, act)

    @post("/plan/move", guards=[requires_role("supervisor")])
    async def move(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        settings = state.settings.planning

        async def act(day: date) -> None:
            edit, team = self._edit(request, state, data, day), self._team(data, optional=True)
            visit = self._visit(data.visit, "visit")
            await db_session.run_sync(lambda s: edits.move_visit(s, edit, visit, team, settings))

        return await self._act(request, db_session, state, data, act)

    @post("/plan/lock", guards=[requires_role("supervisor")])
    async def lock(
        self, request: Request, db_session: DbSession, state: State, data: Form
    ) -> Template:
        async def act(day: date) -> None:
            edit, team = self._edit(request, state, data, day), self._team(data)
            locked = data.locked == "1"
            await db_session.run_sync(lambda s: edits.set_lock(s, edit, team, locked))

        return await self._act(request, db_session, state, data, act)

    @get("/merchants", guards=[console_page()])
    async def merchants(
        self,
        request: Request,
        db_session: DbSession,
        q: FromQuery[str] = "",
        street: FromQuery[str] = "",
        colour: FromQuery[str] = "",
        business_type: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        user: Principal = request.user
        page = min(max(1, page), MAX_PAGE)
        own = street_scope(user)
        if own is not None:
            street = await db_session.run_sync(lambda s: scoped_street(s, user, None) or "")
        found = await db_session.run_sync(
            lambda s: merchant_page(
                s, q=q, street=street, colour=colour, business_type=business_type, page=page
            )
        )
        chart = await db_session.run_sync(lambda s: colour_chart(s, street_id=own))
        filters = {"q": q, "street": street, "colour": colour, "business_type": business_type}
        return Template(
            "planning/merchants.html",
            context={
                "user": user,
                "csrf_token": user.csrf_token,
                "found": found,
                "chart": chart,
                "filters": filters,
                "page": page,
                "colours": COLOURS,
                "street_fixed": own is not None,
            },
        )

    @get("/merchants/{merchant_id:uuid}", guards=[console_page()])
    async def merchant(
        self, request: Request, db_session: DbSession, merchant_id: FromPath[uuid.UUID]
    ) -> Template:
        user: Principal = request.user
        found = await db_session.run_sync(lambda s: merchant_detail(s, merchant_id))
        own = street_scope(user)
        if found is None or (own is not None and found["street"].id != own):
            raise _missing()
        return Template(
            "planning/merchant.html",
            context=found | {"user": user, "csrf_token": user.csrf_token, "hhmm": hhmm},
        )

    @get("/complaints", guards=[console_page()])
    async def complaints(self, request: Request, db_session: DbSession, state: State) -> Template:
        user: Principal = request.user
        today = today_for(state.settings)
        policy = service.planning_policy(state.settings.policy_file)
        own = street_scope(user)
        inbox = await db_session.run_sync(
            lambda s: complaint_inbox(s, policy, today, street_id=own)
        )
        return Template(
            "planning/complaints.html",
            context=inbox
            | {
                "user": user,
                "csrf_token": user.csrf_token,
                "today": today,
                "hhmm": hhmm,
                "next_day": today + timedelta(days=1),
            },
        )
