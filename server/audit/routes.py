"""Reading the audit trail (administrators)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter
from sqlalchemy import func
from sqlmodel import col, select

from server.audit.models import AuditEvent
from server.core.db import DbSession
from server.core.inputs import Page
from server.core.principal import requires_role

__all__ = ["AuditController"]


@dataclass
class AuditEventRead:
    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    ip: str | None
    detail: dict[str, Any]


@dataclass
class AuditPage:
    items: list[AuditEventRead]
    total: int
    page: int
    page_size: int


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [requires_role("admin")]

    @get("/", summary="The audit trail, newest first")
    async def list(
        self,
        db_session: DbSession,
        action: FromQuery[str | None] = None,
        entity: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
        page: Page = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> AuditPage:
        stmt = select(AuditEvent)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        if entity:
            stmt = stmt.where(AuditEvent.entity == entity)
        if entity_id:
            stmt = stmt.where(AuditEvent.entity_id == entity_id)
        total = (await db_session.exec(select(func.count()).select_from(stmt.subquery()))).one()
        rows = await db_session.exec(
            stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id))
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        items = [
            AuditEventRead(e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.ip, e.detail)
            for e in rows
        ]
        return AuditPage(items=items, total=total, page=page, page_size=page_size)
