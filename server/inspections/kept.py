"""The phone's record as it is kept beside the inspection, and the evidence it links."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from server.inspections.payload import InspectionIn
from server.inspections.record_models import InspectionRecord

__all__ = ["evidence_links", "kept_body"]


def kept_body(
    record: InspectionIn,
    raw: Any,
    digest: str,
    user_id: uuid.UUID,
    now: datetime,
    device_sent_at: datetime | None,
    offset: timedelta,
    flags: list[str],
) -> InspectionRecord:
    """The body as the phone sent it, with what the server made of its presence and clock."""
    return InspectionRecord(
        inspection_id=record.id,
        visit_key=record.visit_id,
        body_sha256=digest,
        body=raw,
        submitted_by=user_id,
        received_at=now,
        device_sent_at=device_sent_at,
        clock_offset_seconds=int(offset.total_seconds()),
        presence=record.presence.method,
        lat=record.presence.lat,
        lng=record.presence.lng,
        accuracy_m=record.presence.accuracy_m,
        flags=flags,
    )


def evidence_links(record: InspectionIn) -> list[tuple[Any, str, str]]:
    """What each piece of evidence the record names is linked to: the visit, or a finding."""
    links = [(e, "inspection", str(record.id)) for e in record.evidence]
    links += [
        (e, "finding", f"{record.id.hex}:{f.item}"[:64])
        for f in record.findings
        for e in f.evidence
    ]
    return links
