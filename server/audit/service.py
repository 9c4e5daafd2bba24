"""Writing to the audit trail: every change worth asking about later."""

from typing import Any

from sqlmodel import Session

from server.audit.models import AuditEvent
from server.core.db import AsyncSession

__all__ = ["SYSTEM_ACTOR", "record"]

SYSTEM_ACTOR = "system"


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
