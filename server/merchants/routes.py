"""Merchant endpoints for staff."""

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, QueryParameter

from server.auth.principal import signed_in
from server.db import DbSession
from server.i18n import t
from server.merchants.schemas import MerchantPage, MerchantRead
from server.merchants.service import UnknownFilter, get_merchant, list_merchants

__all__ = ["MerchantController"]

MAX_PAGE_SIZE = 500


class MerchantController(Controller):
    path = "/api/v1/merchants"
    tags = ["merchants"]
    guards = [signed_in]

    @get("/", summary="Search merchants by name, address or credit code; filter by street, colour")
    async def list(
        self,
        db_session: DbSession,
        q: FromQuery[str | None] = None,
        street: FromQuery[str | None] = None,
        colour: FromQuery[str | None] = None,
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> MerchantPage:
        try:
            return await list_merchants(
                db_session, q=q, street=street, colour=colour, page=page, page_size=page_size
            )
        except UnknownFilter as exc:
            raise ValidationException(detail=t(exc.key, value=exc.value)) from None

    @get("/{merchant_id:uuid}", summary="One merchant")
    async def detail(self, db_session: DbSession, merchant_id: FromPath[uuid.UUID]) -> MerchantRead:
        merchant = await get_merchant(db_session, merchant_id)
        if merchant is None:
            raise NotFoundException(detail=t("error.not_found"))
        return merchant
