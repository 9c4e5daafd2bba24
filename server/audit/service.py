"""Writing to the audit trail: every change worth asking about later."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request
from sqlalchemy import func
from sqlmodel import Session, col, select

from server.audit.models import AuditEvent
from server.core.db import AsyncSession
from server.core.net import client_ip
from server.core.principal import Principal

__all__ = [
    "SYSTEM_ACTOR",
    "Actor",
    "AuditEventRead",
    "AuditPage",
    "actor_of",
    "audit_page",
    "record",
]

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Actor:
    """Who causes a change, as the audit trail names them: a signed-in user (with the address
    they came from, where a request brought it), a command or the system."""

    name: str = SYSTEM_ACTOR
    id: uuid.UUID | None = None
    ip: str | None = None


def actor_of(request: Request) -> Actor:
    """The signed-in user making the request, as an actor."""
    principal: Principal = request.user
    return Actor(principal.username, principal.id, client_ip(request))


def record(
    session: Session | AsyncSession,
    *,
    action: str,
    entity: str,
    entity_id: object | None = None,
    actor: str = SYSTEM_ACTOR,
    actor_id: Any = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction (committed with the change it records)."""
    event = AuditEvent(
        actor=actor,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        ip=ip,
        detail=detail or {},
    )
    session.add(event)
    return event


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


async def audit_page(
    session: AsyncSession,
    *,
    action: str | None,
    entity: str | None,
    entity_id: str | None,
    page: int,
    page_size: int,
) -> AuditPage:
    """A page of the trail, newest first, filtered by action, entity and entity id."""
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = await session.exec(
        stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = [
        AuditEventRead(e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.ip, e.detail)
        for e in rows
    ]
    return AuditPage(items=items, total=total, page=page, page_size=page_size)
