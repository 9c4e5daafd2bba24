"""Which visit a recorder clip belongs to: one of the visits of the officer recorded as carrying
that recorder on the clip's day, the one whose time window overlaps the clip the most. A clip
with no start time, no recorded carrier, no overlapping visit or two equally good ones has no
visit; the reason is said, and the clip waits for review."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from server.core.clock import as_utc
from server.core.db import AsyncSession
from server.core.i18n import t
from server.evidence.recorders.models import Recorder
from server.evidence.recorders.registry import carrier
from server.inspections.models import Inspection, InspectionOfficer

__all__ = ["GRACE", "Placement", "place_clip"]

GRACE = timedelta(minutes=10)  # clocks drift; a clip started just before arriving still counts


@dataclass(frozen=True)
class Placement:
    """Who carried the recorder (if recorded) and the clip's visit, or why it has none."""

    officer_id: uuid.UUID | None
    inspection_id: uuid.UUID | None
    reason: str


async def place_clip(
    session: AsyncSession,
    recorder: Recorder,
    start: datetime | None,
    duration: float | None,
    zone: str,
) -> Placement:
    """The clip's visit, if it has one; `zone` is the district's, whose day the clip falls on."""
    end = start + timedelta(seconds=duration or 0) if start else None
    if start is None or end is None:
        return Placement(None, None, t("clip.reason.no_time"))
    day = start.astimezone(ZoneInfo(zone)).date()
    officer = await carrier(session, recorder.id, day)
    if officer is None:
        return Placement(None, None, t("clip.reason.no_assignment", day=day.isoformat()))
    inspection_id, reason = await _match(session, officer, start, end)
    return Placement(officer, inspection_id, reason)


async def _match(
    session: AsyncSession, officer_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[uuid.UUID | None, str]:
    """The one visit of that officer whose window overlaps the clip, or why there is none."""
    stmt = (
        select(Inspection)
        .join(InspectionOfficer, col(InspectionOfficer.inspection_id) == Inspection.id)
        .where(
            InspectionOfficer.user_id == officer_id,
            col(Inspection.started_at).is_not(None),
            col(Inspection.started_at) <= end + GRACE,
            col(Inspection.finished_at) >= start - GRACE,
        )
    )
    overlaps = []
    for visit in await session.exec(stmt):
        v_start, v_end = _utc(visit.started_at), _utc(visit.finished_at or visit.started_at)
        overlap = (min(end, v_end) - max(start, v_start)).total_seconds()
        overlaps.append((overlap, visit.id))
    if not overlaps:
        return None, t("clip.reason.no_visit")
    overlaps.sort(reverse=True)
    if len(overlaps) > 1 and overlaps[0][0] == overlaps[1][0]:
        return None, t("clip.reason.ambiguous")
    return overlaps[0][1], ""


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return as_utc(moment)
