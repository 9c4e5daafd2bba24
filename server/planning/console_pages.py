"""The console's pages beside the plan: merchants with their history, and the complaints inbox,
each within the user's street (server.auth.access.street_scope)."""

import uuid
from datetime import timedelta

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from server.auth.access import street_scope
from server.auth.pages import console_page
from server.colour.queries import colour_chart
from server.core.clock import local_today
from server.core.db import DbSession
from server.core.inputs import MAX_PAGE
from server.core.plan_settings import hhmm
from server.core.principal import Principal
from server.planning.console_data import (
    complaint_inbox,
    merchant_detail,
    merchant_page,
)
from server.planning.queries import OutOfReach, scoped_street
from server.planning.service import planning_policy
from server.policy.rules import COLOURS

__all__ = ["MerchantPages"]


class MerchantPages(Controller):
    """Served under /console by server.planning.console.PlanningConsoleController, with the
    plan's pages."""

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
        found = await db_session.run_sync(merchant_detail, merchant_id)
        own = street_scope(user)
        if found is None or (own is not None and found["street"].id != own):
            raise OutOfReach()
        return Template(
            "planning/merchant.html",
            context=found | {"user": user, "csrf_token": user.csrf_token, "hhmm": hhmm},
        )

    @get("/complaints", guards=[console_page()])
    async def complaints(self, request: Request, db_session: DbSession, state: State) -> Template:
        user: Principal = request.user
        today = local_today()
        policy = planning_policy(state.settings.policy_file)
        own = street_scope(user)
        inbox = await complaint_inbox(db_session, policy, today, street_id=own)
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
