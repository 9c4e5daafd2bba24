"""Derived copies of photos (thumbnail, watermarked display copy): made on demand from the
original, cached under `derived/`, never evidence themselves. Storage is read and written in
anyio's worker threads; the picture is decoded and drawn in the CPU pool (server.core.cpu)."""

import hashlib
from contextlib import suppress
from zoneinfo import ZoneInfo

import anyio
from sqlmodel import col, select

from server.core.cpu import run_cpu
from server.core.db import AsyncSession
from server.core.i18n import t
from server.core.settings import Settings
from server.evidence.images import DECODES, display_copy, thumbnail
from server.evidence.models import Evidence, EvidenceLink
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.org.models import User
from server.storage import ObjectExists, ObjectNotFound, Storage

__all__ = ["VARIANTS", "derived_copy", "watermark_lines"]

VARIANTS = ("thumbnail", "display")
_VERSION = "v1"  # bump when the rendering changes, so cached copies are made anew


async def watermark_lines(
    session: AsyncSession, evidence: Evidence, settings: Settings
) -> list[str]:
    """Time, place, the officer's certificate number and the merchant, as the band shows them."""
    moment = evidence.captured_at or evidence.created_at  # aware: core.models.AwareDateTime
    local = moment.astimezone(ZoneInfo(settings.local_timezone)).strftime("%Y-%m-%d %H:%M:%S")
    unknown = t("evidence.unknown")
    place = (
        f"{evidence.lat:.6f}, {evidence.lng:.6f}"
        if evidence.lat is not None and evidence.lng is not None
        else unknown
    )
    user = await session.get(User, evidence.uploaded_by) if evidence.uploaded_by else None
    merchant = (
        await session.exec(
            select(Merchant.name)
            .join(Inspection, col(Inspection.merchant_id) == Merchant.id)
            .join(EvidenceLink, col(EvidenceLink.inspection_id) == Inspection.id)
            .where(EvidenceLink.evidence_id == evidence.id)
            .order_by(col(EvidenceLink.created_at))
        )
    ).first()
    return [
        t("evidence.watermark.time", value=local),
        t("evidence.watermark.place", value=place),
        t("evidence.watermark.officer", value=(user.cert_no if user and user.cert_no else unknown)),
        t("evidence.watermark.merchant", value=merchant or unknown),
        t("evidence.watermark.copy", value=evidence.sha256[:16]),
    ]


def _key(evidence: Evidence, variant: str, lines: list[str]) -> str:
    tag = (
        hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16] if variant == "display" else "-"
    )
    return f"derived/{evidence.id}/{variant}-{_VERSION}-{tag}.jpg"


def _cached(storage: Storage, key: str) -> bytes | None:
    with suppress(ObjectNotFound), storage.open(key) as cached:
        return b"".join(cached)
    return None


def _original(storage: Storage, evidence: Evidence) -> bytes:
    with storage.open(evidence.storage_key) as reader:
        return b"".join(reader)


def _draw(original: bytes, variant: str, lines: list[str], font: str | None) -> bytes:
    return thumbnail(original) if variant == "thumbnail" else display_copy(original, lines, font)


def _keep(storage: Storage, key: str, data: bytes) -> None:
    with suppress(ObjectExists):  # made by another request meanwhile: same picture
        storage.put(key, [data], content_type="image/jpeg")


async def derived_copy(
    session: AsyncSession, storage: Storage, settings: Settings, evidence: Evidence, variant: str
) -> bytes:
    """The JPEG of `variant` for a photo (ValueError if the original cannot be rendered,
    TooManyPixels if it is too large to). A copy made before is read back; a new one waits for
    one of the process's few decode slots (server.evidence.images.DECODES)."""
    lines = await watermark_lines(session, evidence, settings) if variant == "display" else []
    key = _key(evidence, variant, lines)
    try:
        cached = await anyio.to_thread.run_sync(_cached, storage, key)
        if cached is not None:
            return cached
        async with DECODES:
            original = await anyio.to_thread.run_sync(_original, storage, evidence)
            data = await run_cpu(_draw, original, variant, lines, settings.watermark_font)
        await anyio.to_thread.run_sync(_keep, storage, key, data)
        return data
    except (OSError, SyntaxError) as exc:
        raise ValueError(str(exc)) from exc
