"""Who may not go where: officers' leave and recorded conflicts of interest (回避).

Planning reads both; these endpoints record them, audited.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta
from sqlmodel import col, select

from server.audit.service import record
from server.db import DbSession
from server.i18n import t
from server.merchants.models import Merchant
from server.org.models import User
from server.planning.models import OfficerLeave, Recusal
from server.planning.service import PlanRefused
from server.planning.web import HANDLERS, SUPERVISORS, actor_of, parse_day

__all__ = ["AvailabilityController"]


@dataclass
class LeaveBody:
    user_id: uuid.UUID
    starts_on: date
    ends_on: date
    reason: Annotated[str, Meta(max_length=255)] = ""


@dataclass
class LeaveRead:
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    starts_on: date
    ends_on: date
    reason: str


@dataclass
class RecusalBody:
    user_id: uuid.UUID
    merchant_id: uuid.UUID
    reason: Annotated[str, Meta(min_length=1, max_length=255)]


@dataclass
class RecusalRead:
    id: uuid.UUID
    user_id: uuid.UUID
    merchant_id: uuid.UUID
    reason: str


class AvailabilityController(Controller):
    path = "/api/v1"
    tags = ["planning"]
    guards = [SUPERVISORS]
    exception_handlers = HANDLERS  # type: ignore[assignment]

    @post("/leave", status_code=HTTP_201_CREATED, summary="Record an officer's leave")
    async def add_leave(
        self, request: Request, db_session: DbSession, data: JSONBody[LeaveBody]
    ) -> LeaveRead:
        if data.ends_on < data.starts_on:
            raise PlanRefused("plan.leave_span")
        user = await db_session.get(User, data.user_id)
        if user is None:
            raise NotFoundException(detail=t("error.not_found"))
        row = OfficerLeave(
            user_id=user.id, starts_on=data.starts_on, ends_on=data.ends_on, reason=data.reason
        )
        db_session.add(row)
        actor = actor_of(request)
        record(
            db_session,
            action="leave.add",
            entity="officer_leave",
            entity_id=row.id,
            actor=actor.username,
            actor_id=actor.id,
            detail={
                "user": user.username,
                "from": data.starts_on.isoformat(),
                "to": data.ends_on.isoformat(),
            },
        )
        await db_session.flush()
        return LeaveRead(row.id, user.id, user.username, row.starts_on, row.ends_on, row.reason)

    @get("/leave", summary="Officers on leave on a day")
    async def leave_on(self, db_session: DbSession, date: FromQuery[str]) -> list[LeaveRead]:
        day = parse_day(date)
        rows = await db_session.exec(
            select(OfficerLeave, User)
            .join(User, col(User.id) == OfficerLeave.user_id)
            .where(OfficerLeave.starts_on <= day, OfficerLeave.ends_on >= day)
            .order_by(User.username)
        )
        return [
            LeaveRead(r.id, u.id, u.username, r.starts_on, r.ends_on, r.reason) for r, u in rows
        ]

    @post("/recusals", status_code=HTTP_201_CREATED, summary="Record a conflict of interest")
    async def add_recusal(
        self, request: Request, db_session: DbSession, data: JSONBody[RecusalBody]
    ) -> RecusalRead:
        if await db_session.get(User, data.user_id) is None:
            raise NotFoundException(detail=t("error.not_found"))
        if await db_session.get(Merchant, data.merchant_id) is None:
            raise NotFoundException(detail=t("error.not_found"))
        row = Recusal(user_id=data.user_id, merchant_id=data.merchant_id, reason=data.reason)
        db_session.add(row)
        actor = actor_of(request)
        record(
            db_session,
            action="recusal.add",
            entity="recusal",
            entity_id=row.id,
            actor=actor.username,
            actor_id=actor.id,
            detail={"user_id": str(data.user_id), "merchant_id": str(data.merchant_id)},
        )
        await db_session.flush()  # a second record of the same pair is a 409 (unique)
        return RecusalRead(row.id, row.user_id, row.merchant_id, row.reason)
