"""Writing to the audit trail: every change worth asking about later."""

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from sqlmodel import Session

from server.audit.models import AuditEvent
from server.core.db import AsyncSession
from server.core.net import client_ip
from server.core.principal import Principal

__all__ = ["SYSTEM_ACTOR", "Actor", "actor_of", "record"]

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
