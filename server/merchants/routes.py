"""Merchant endpoints for staff."""

import uuid
from dataclasses import replace
from typing import Annotated

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter

from server.auth.access import MERCHANT_ROLES, merchant_in_scope, merchant_reach
from server.core.db import DbSession
from server.core.i18n import t
from server.core.inputs import Page
from server.core.principal import Principal, requires_role
from server.merchants.schemas import MerchantPage, MerchantRead
from server.merchants.service import (
    get_merchant,
    list_merchants,
    own_street_code,
)

__all__ = ["MerchantController"]

MAX_PAGE_SIZE = 500


class MerchantController(Controller):
    path = "/api/v1/merchants"
    tags = ["merchants"]
    guards = [requires_role(*MERCHANT_ROLES)]

    @get(
        "/",
        summary="Search merchants by name, address or credit code; filter by street, colour",
        description="An inspector finds their street's merchants, without contact and phone.",
    )
    async def list(
        self,
        request: Request,
        db_session: DbSession,
        q: FromQuery[str | None] = None,
        street: FromQuery[str | None] = None,
        colour: FromQuery[str | None] = None,
        page: Page = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> MerchantPage:
        reach = merchant_reach(request.user)
        if reach.street is not None:
            street = await own_street_code(db_session, reach.street, street)
            if street is None:
                raise NotFoundException(detail=t("error.not_found"))
        found = await list_merchants(
            db_session, q=q, street=street, colour=colour, page=page, page_size=page_size
        )
        if not reach.contacts:
            found.items = [_without_contacts(m) for m in found.items]
        return found

    @get("/{merchant_id:uuid}", summary="One merchant")
    async def detail(
        self, request: Request, db_session: DbSession, merchant_id: FromPath[uuid.UUID]
    ) -> MerchantRead:
        merchant = await get_merchant(db_session, merchant_id)
        principal: Principal = request.user
        if merchant is None or not await merchant_in_scope(request, principal, merchant_id):
            raise NotFoundException(detail=t("error.not_found"))
        return merchant if merchant_reach(principal).contacts else _without_contacts(merchant)


def _without_contacts(merchant: MerchantRead) -> MerchantRead:
    return replace(merchant, contact=None, phone=None)
