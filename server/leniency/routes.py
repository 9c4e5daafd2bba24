"""`GET /api/v1/merchants/{id}/leniency?items=…&date=…`: for one merchant, each item named, the
flexible-enforcement entry in force that covers it and whether the merchant meets its
first-violation condition, as the phone's day packet shows it."""

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from sqlmodel import Session

from server.auth.access import MERCHANT_ROLES, merchant_in_scope
from server.core.clock import local_today
from server.core.db import DbSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.inputs import sane_day
from server.core.principal import Principal, requires_role
from server.leniency.views import merchant_leniency
from server.merchants.models import Merchant

__all__ = ["LeniencyController"]

MAX_ITEMS = 50


def _codes(raw: str) -> list[str]:
    codes = list(dict.fromkeys(c.strip() for c in raw.replace("，", ",").split(",") if c.strip()))
    if not codes or len(codes) > MAX_ITEMS:
        raise DomainError(t("leniency.error.items_required"), 422, field="items")
    return codes


class LeniencyController(Controller):
    path = "/api/v1/merchants/{merchant_id:uuid}/leniency"
    tags = ["leniency"]
    guards = [requires_role(*MERCHANT_ROLES)]

    @get("/", summary="First-violation eligibility of one merchant for the items named")
    async def standing(
        self,
        request: Request,
        db_session: DbSession,
        merchant_id: FromPath[uuid.UUID],
        items: Annotated[str, QueryParameter(max_length=2000)] = "",
        day: Annotated[date | None, QueryParameter(name="date")] = None,
    ) -> dict[str, Any]:
        principal: Principal = request.user
        codes = _codes(items)
        when = day or local_today()
        if not sane_day(when):
            raise DomainError(t("error.validation", fields="date"), 422, field="date")
        policy = request.app.state.policy

        def run(session: Session) -> dict[str, Any]:
            if session.get(Merchant, merchant_id) is None:
                raise DomainError(t("leniency.error.merchant"), 404)
            return merchant_leniency(session, merchant_id, codes, when, policy)

        if not await merchant_in_scope(request, principal, merchant_id):
            raise DomainError(t("leniency.error.merchant"), 404)
        return await db_session.run_sync(run)
