"""What a merchant sees through its owner link: its full records, and what it can do."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select

from server.catalog.models import CheckItem
from server.colour.models import ColourEvent, ColourState, ReratingRequest
from server.colour.texts import state_guidance_text, state_reason_text
from server.core.cpu import run_cpu
from server.core.db import AsyncSession
from server.evidence.public_photos import check_photo, store_photo
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant
from server.org.models import Street, User
from server.policy.rules import Policy
from server.rectifications.models import RectificationPhoto
from server.rectifications.queries import MerchantOrder, merchant_orders
from server.rectifications.service import add_photo, order_taking_photos, photo_key
from server.storage import Storage

__all__ = ["OwnerView", "owner_view", "upload_order_photo"]


@dataclass(frozen=True)
class OwnerFinding:
    title: str
    is_key: bool
    outcome: str
    corrected: bool
    note: str


@dataclass
class OwnerInspection:
    id: uuid.UUID
    day: date
    result: str
    score: int
    summary: str
    action_code: str
    published: bool
    findings: list[OwnerFinding] = field(default_factory=list)
    officers: list[tuple[str, str]] = field(default_factory=list)  # name, certificate number


@dataclass(frozen=True)
class OwnerView:
    name: str
    address: str
    street: str
    colour: str
    next_due: date | None
    reason: str | None
    guidance: str | None
    inspections: list[OwnerInspection]
    orders: list[MerchantOrder]
    events: list[ColourEvent]
    pending_rerating: date | None


async def _inspections(
    session: AsyncSession, merchant_id: uuid.UUID, now: datetime
) -> list[OwnerInspection]:
    """Every inspection of the merchant, newest first, with its findings and officers."""
    rows = await session.exec(
        select(Inspection)
        .where(Inspection.merchant_id == merchant_id)
        .order_by(col(Inspection.visit_date).desc())
    )
    inspections = {
        i.id: OwnerInspection(
            i.id,
            i.visit_date,
            i.result,
            i.score,
            i.summary,
            i.action_code,
            i.published_at is not None and i.published_at <= now,
        )
        for i in rows
    }
    if not inspections:
        return []
    found = await session.exec(
        select(Finding, CheckItem)
        .join(CheckItem, col(CheckItem.id) == Finding.check_item_id)
        .where(col(Finding.inspection_id).in_(inspections))
        .order_by(col(CheckItem.code))
    )
    for finding, item in found:
        inspections[finding.inspection_id].findings.append(
            OwnerFinding(
                item.title, item.is_key, finding.outcome, finding.corrected_on_site, finding.note
            )
        )
    officers = await session.exec(
        select(InspectionOfficer.inspection_id, User.name, User.cert_no)
        .join(User, col(User.id) == InspectionOfficer.user_id)
        .where(col(InspectionOfficer.inspection_id).in_(inspections))
    )
    for inspection_id, name, cert_no in officers:
        inspections[inspection_id].officers.append((name, cert_no or ""))
    return list(inspections.values())


async def owner_view(
    session: AsyncSession, merchant: Merchant, now: datetime, policy: Policy
) -> OwnerView:
    """Every record of the merchant, published or not: it is the party inspected."""
    street = await session.get(Street, merchant.street_id)
    state = await session.get(ColourState, merchant.id)
    inspections = await _inspections(session, merchant.id, now)
    events = await session.exec(
        select(ColourEvent)
        .where(ColourEvent.merchant_id == merchant.id)
        .order_by(col(ColourEvent.at).desc(), col(ColourEvent.id).desc())
        .limit(100)
    )
    pending = (
        await session.exec(
            select(func.min(ReratingRequest.requested_on)).where(
                ReratingRequest.merchant_id == merchant.id, ReratingRequest.status == "pending"
            )
        )
    ).one()
    return OwnerView(
        name=merchant.name,
        address=merchant.address,
        street=street.name if street else "",
        colour=merchant.colour,
        next_due=merchant.next_due,
        reason=state_reason_text(state, policy) if state else None,
        guidance=state_guidance_text(state, policy) if state else None,
        inspections=inspections,
        orders=await merchant_orders(session, merchant.id),
        events=list(events),
        pending_rerating=pending,
    )


async def upload_order_photo(
    session: AsyncSession,
    storage: Storage,
    *,
    merchant_id: uuid.UUID,
    order_id: uuid.UUID,
    photo: bytes,
    max_bytes: int,
    now: datetime,
) -> RectificationPhoto | None:
    """Keep a photo of the put-right state for an open order of this merchant (None if none)."""
    # Decoded in the CPU pool, before the database is asked: no connection waits for it.
    checked = await run_cpu(check_photo, photo, max_bytes)
    order = await order_taking_photos(session, merchant_id, order_id)
    if order is None:
        return None
    photo_id = uuid.uuid4()
    key = photo_key(order_id, photo_id, checked.extension)
    stored = await store_photo(storage, key, checked)
    row = add_photo(
        session,
        order,
        photo_id=photo_id,
        storage_key=key,
        sha256=stored.sha256 or "",
        content_type=checked.content_type,
        size=stored.size,
        now=now,
    )
    await session.flush()
    return row
