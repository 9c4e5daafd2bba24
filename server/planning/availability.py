"""Who may not go where: officers' leave and recorded conflicts of interest (回避).

Planning reads both; these endpoints record them, audited, for the officers and merchants within
the supervisor's reach (server.auth.access).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_409_CONFLICT
from msgspec import Meta
from sqlmodel import col, select

from server.audit.service import actor_of, record
from server.auth.access import may_manage_officer, may_record_recusal, street_scope
from server.core.db import DbSession
from server.core.i18n import t
from server.merchants.models import Merchant
from server.org.models import User
from server.planning.models import OfficerLeave, Recusal
from server.planning.service import PlanRefused
from server.planning.web import SUPERVISORS, parse_day

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

    @post(
        "/leave",
        status_code=HTTP_201_CREATED,
        summary="Record an officer's leave (the same leave again is answered, not doubled)",
    )
    async def add_leave(
        self, request: Request, db_session: DbSession, data: JSONBody[LeaveBody]
    ) -> Response[LeaveRead]:
        if data.ends_on < data.starts_on:
            raise PlanRefused("plan.leave_span")
        # Locked (on PostgreSQL) so that the same leave sent twice at once is stored once.
        user = (
            await db_session.exec(select(User).where(User.id == data.user_id).with_for_update())
        ).first()
        if user is None or not may_manage_officer(request.user, user):
            raise NotFoundException(detail=t("error.not_found"))
        same = (
            await db_session.exec(
                select(OfficerLeave).where(
                    OfficerLeave.user_id == user.id,
                    OfficerLeave.starts_on == data.starts_on,
                    OfficerLeave.ends_on == data.ends_on,
                )
            )
        ).first()
        if same is not None:
            if same.reason != data.reason:
                detail = t(
                    "plan.leave_recorded",
                    name=user.name,
                    start=same.starts_on.isoformat(),
                    end=same.ends_on.isoformat(),
                    reason=same.reason or "—",
                )
                raise HTTPException(status_code=HTTP_409_CONFLICT, detail=detail)
            read = LeaveRead(
                same.id, user.id, user.username, same.starts_on, same.ends_on, same.reason
            )
            return Response(read, status_code=HTTP_200_OK)
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
            actor=actor.name,
            actor_id=actor.id,
            detail={
                "user": user.username,
                "from": data.starts_on.isoformat(),
                "to": data.ends_on.isoformat(),
            },
        )
        await db_session.flush()
        read = LeaveRead(row.id, user.id, user.username, row.starts_on, row.ends_on, row.reason)
        return Response(read, status_code=HTTP_201_CREATED)

    @get("/leave", summary="Officers on leave on a day (a street's supervisor: their street's)")
    async def leave_on(
        self, request: Request, db_session: DbSession, date: FromQuery[str]
    ) -> list[LeaveRead]:
        day = parse_day(date)
        stmt = (
            select(OfficerLeave, User)
            .join(User, col(User.id) == OfficerLeave.user_id)
            .where(OfficerLeave.starts_on <= day, OfficerLeave.ends_on >= day)
            .order_by(User.username)
        )
        if (street := street_scope(request.user)) is not None:
            stmt = stmt.where(User.street_id == street)
        return [
            LeaveRead(r.id, u.id, u.username, r.starts_on, r.ends_on, r.reason)
            for r, u in await db_session.exec(stmt)
        ]

    @post("/recusals", status_code=HTTP_201_CREATED, summary="Record a conflict of interest")
    async def add_recusal(
        self, request: Request, db_session: DbSession, data: JSONBody[RecusalBody]
    ) -> RecusalRead:
        user = await db_session.get(User, data.user_id)
        merchant = await db_session.get(Merchant, data.merchant_id)
        if (
            user is None
            or merchant is None
            or not may_record_recusal(request.user, user, merchant.street_id)
        ):
            raise NotFoundException(detail=t("error.not_found"))
        row = Recusal(user_id=data.user_id, merchant_id=data.merchant_id, reason=data.reason)
        db_session.add(row)
        actor = actor_of(request)
        record(
            db_session,
            action="recusal.add",
            entity="recusal",
            entity_id=row.id,
            actor=actor.name,
            actor_id=actor.id,
            detail={"user_id": str(data.user_id), "merchant_id": str(data.merchant_id)},
        )
        await db_session.flush()  # a second record of the same pair is a 409 (unique)
        return RecusalRead(row.id, row.user_id, row.merchant_id, row.reason)
