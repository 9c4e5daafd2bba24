"""Opening evidence: the visibility check and the audit line every view and download writes."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio

from server.audit.service import record
from server.auth.access import may_view_evidence
from server.core.db import AsyncSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal
from server.evidence.facts import evidence_facts
from server.evidence.models import Evidence
from server.storage import Storage

__all__ = ["NotVisible", "open_evidence", "stream_object"]


class NotVisible(DomainError):
    """Not there, or not for this user: 404 either way."""

    status = 404

    def __init__(self, evidence_id: uuid.UUID) -> None:
        super().__init__(t("error.not_found"))
        self.evidence_id = evidence_id


async def open_evidence(
    session: AsyncSession,
    principal: Principal,
    evidence_id: uuid.UUID,
    *,
    action: str,
    ip: str | None,
    detail: dict[str, Any] | None = None,
) -> Evidence:
    """The evidence, with the access written to the audit trail; NotVisible otherwise (a refused
    look at existing evidence is recorded too: the caller commits it before answering)."""
    evidence = await session.get(Evidence, evidence_id)
    allowed = evidence is not None and may_view_evidence(
        principal, await evidence_facts(session, evidence)
    )
    if evidence is not None:
        record(
            session,
            action=action if allowed else "evidence.denied",
            entity="evidence",
            entity_id=evidence_id,
            actor=principal.username,
            actor_id=principal.id,
            ip=ip,
            detail={**(detail or {}), **({} if allowed else {"wanted": action})},
        )
    if not allowed or evidence is None:
        raise NotVisible(evidence_id)
    return evidence


async def stream_object(storage: Storage, key: str) -> AsyncIterator[bytes]:
    """An object's bytes for a streamed response, read in a worker thread chunk by chunk."""
    reader = await anyio.to_thread.run_sync(storage.open, key)
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, reader, None)
            if chunk is None:
                return
            yield chunk
    finally:
        await anyio.to_thread.run_sync(reader.close)
