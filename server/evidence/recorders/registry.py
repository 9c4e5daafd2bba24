"""Recorders and who carried which on which day (recorded data, not guesswork)."""

import uuid
from datetime import date

from sqlmodel import col, select

from server.audit.service import Actor, record
from server.core.db import AsyncSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.evidence.recorders.models import Recorder, RecorderAssignment
from server.org.models import User

__all__ = [
    "AssignmentConflict",
    "active_recorders",
    "assign_recorder",
    "carrier",
    "find_recorder",
    "register_recorder",
]


class AssignmentConflict(DomainError):
    """That recorder is already recorded as carried by someone else that day (409)."""

    status = 409

    def __init__(self, officer: str) -> None:
        super().__init__(t("recorder.taken", officer=officer))
        self.officer = officer


async def find_recorder(session: AsyncSession, device_id: str) -> Recorder | None:
    return (await session.exec(select(Recorder).where(Recorder.device_id == device_id))).first()


async def active_recorders(session: AsyncSession) -> list[str]:
    """The device ids of the recorders in service, in order."""
    found = await session.exec(
        select(Recorder.device_id)
        .where(col(Recorder.active).is_(True))
        .order_by(Recorder.device_id)
    )
    return list(found)


async def register_recorder(
    session: AsyncSession,
    device_id: str,
    *,
    label: str = "",
    street_id: uuid.UUID | None = None,
    actor: Actor,
) -> Recorder:
    """The recorder with this device id, registered now if it was not (idempotent)."""
    recorder = await find_recorder(session, device_id)
    if recorder is None:
        recorder = Recorder(device_id=device_id, label=label, street_id=street_id)
        session.add(recorder)
        await session.flush()
        record(
            session,
            action="recorder.register",
            entity="recorder",
            entity_id=recorder.id,
            actor=actor.name,
            actor_id=actor.id,
            ip=actor.ip,
            detail={"device_id": device_id},
        )
    return recorder


async def assign_recorder(
    session: AsyncSession, recorder: Recorder, officer: User, day: date, actor: Actor
) -> RecorderAssignment:
    """Record that `officer` carried `recorder` on `day` (the same again is a no-op)."""
    stmt = select(RecorderAssignment).where(
        RecorderAssignment.recorder_id == recorder.id, RecorderAssignment.day == day
    )
    existing = (await session.exec(stmt)).first()
    if existing is not None:
        if existing.officer_id != officer.id:
            holder = await session.get(User, existing.officer_id)
            raise AssignmentConflict(holder.name if holder else str(existing.officer_id))
        return existing
    assignment = RecorderAssignment(
        recorder_id=recorder.id, officer_id=officer.id, day=day, created_by=actor.id
    )
    session.add(assignment)
    await session.flush()
    record(
        session,
        action="recorder.assign",
        entity="recorder",
        entity_id=recorder.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"officer": officer.username, "day": day.isoformat()},
    )
    return assignment


async def carrier(session: AsyncSession, recorder_id: uuid.UUID, day: date) -> uuid.UUID | None:
    """Who carried the recorder that day, if it was recorded."""
    stmt = select(RecorderAssignment.officer_id).where(
        RecorderAssignment.recorder_id == recorder_id, RecorderAssignment.day == day
    )
    return (await session.exec(stmt)).first()
