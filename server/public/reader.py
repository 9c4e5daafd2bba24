"""The public page's reads: one indexed query per scan, straight on the database driver.

`GET /m/{token}` is the busiest page (every passer-by's scan), so it skips the ORM and reads
through the app's RawReader.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from server.core.sql import RawReader, as_date, as_instant, as_uuid
from server.rectifications.queries import PUBLICLY_OPEN, OpenOrder, public_open_orders

__all__ = [
    "LastInspection",
    "MerchantRow",
    "OpenOrder",
    "PageRow",
    "PublicColour",
    "PublicReader",
    "StoredState",
]

_PUBLISHED = "{t}.published_at IS NOT NULL AND {t}.published_at <= {p}"
_MERCHANT = """
SELECT m.id, m.qr_token, m.name, m.colour, s.name, cs.reason_code, cs.reason_on,
       cs.reason_score, cs.reason_deadline, cs.reason_note, cs.reason_until, cs.guidance_code,
       cs.green_from,
       CASE WHEN (cs.source_kind = 'inspection' OR co.inspection_id IS NOT NULL)
             AND NOT (ci.published_at IS NOT NULL AND ci.published_at <= {p}) THEN 1 ELSE 0 END,
       li.visit_date, li.result, li.summary, li.action_code,
       (SELECT COUNT(*) FROM rectification_order o WHERE o.merchant_id = m.id
          AND {publicly_open})
FROM merchant m
JOIN street s ON s.id = m.street_id
LEFT JOIN colour_state cs ON cs.merchant_id = m.id
LEFT JOIN rectification_order co ON cs.source_kind = 'order' AND co.id = cs.source_id
LEFT JOIN inspection ci ON ci.id = CASE cs.source_kind
    WHEN 'inspection' THEN cs.source_id ELSE co.inspection_id END
LEFT JOIN inspection li ON li.id = (
    SELECT i.id FROM inspection i
    WHERE i.merchant_id = m.id AND i.result <> 'absent' AND {pub_i}
    ORDER BY i.visit_date DESC, i.published_at DESC LIMIT 1)
WHERE m.qr_token = {p} AND m.active
"""
# Whether a change rests on an inspection (its own, or the one that issued its order), that
# inspection's publication, and an override's end date.
_EVENTS = """
SELECT e.from_colour, e.to_colour, e.reason_code, e.reason, e.guidance,
       CASE WHEN e.source_kind = 'inspection' OR o.inspection_id IS NOT NULL THEN 1 ELSE 0 END,
       i.published_at, ov.ends_on
FROM colour_event e
LEFT JOIN rectification_order o ON e.source_kind = 'order' AND o.id = e.source_id
LEFT JOIN inspection i ON i.id = CASE e.source_kind
    WHEN 'inspection' THEN e.source_id ELSE o.inspection_id END
LEFT JOIN colour_override ov ON e.source_kind = 'override' AND ov.id = e.source_id
WHERE e.merchant_id = {p} ORDER BY e.at DESC, e.id DESC LIMIT 50
"""


@dataclass(frozen=True)
class LastInspection:
    day: date
    result: str
    summary: str
    action_code: str


@dataclass(frozen=True)
class StoredState:
    """The merchant's explained colour as stored (codes and figures)."""

    reason_code: str
    reason_on: date | None
    reason_score: int | None
    reason_deadline: date | None
    reason_note: str | None
    reason_until: date | None
    guidance_code: str
    green_from: date | None


@dataclass(frozen=True)
class PublicColour:
    """The newest colour change whose cause is public (colour None: no change is)."""

    colour: str | None
    reason_code: str | None = None
    reason: str | None = None
    guidance: str | None = None
    until: date | None = None  # an override's last day


@dataclass(frozen=True)
class PageRow:
    """What the public page shows of a merchant, as read."""

    id: uuid.UUID
    token: str
    name: str
    colour: str
    street: str
    state: StoredState | None
    cause_unpublished: bool  # the current colour rests on a result not yet published
    last: LastInspection | None
    open_orders: int


def _sql(template: str) -> str:
    published = _PUBLISHED.format(t="i", p="{p}")
    return template.format(p="{p}", pub_i=published, publicly_open=PUBLICLY_OPEN)


_MERCHANT_SQL, _EVENTS_SQL = _sql(_MERCHANT), _sql(_EVENTS)


class MerchantRow(NamedTuple):
    """A row of _MERCHANT: the merchant, its stored explanation and its last public visit."""

    id: Any
    token: str
    name: str
    colour: str
    street: str
    reason_code: Any  # the stored explanation (colour_state), None when there is none
    reason_on: Any
    reason_score: Any
    reason_deadline: Any
    reason_note: Any
    reason_until: Any
    guidance_code: Any
    green_from: Any
    cause_hidden: int  # 1: the current colour rests on a result not yet published
    visit_date: Any  # the last public visit, None when there is none
    result: Any
    summary: Any
    action_code: Any
    open_orders: int

    @property
    def plain(self) -> bool:
        """Whether the row alone makes the page: no open orders, nothing unpublished behind it."""
        return not self.open_orders and not self.cause_hidden

    def page_row(self) -> PageRow:
        state = None
        if self.reason_code is not None:
            state = StoredState(
                self.reason_code,
                as_date(self.reason_on),
                self.reason_score,
                as_date(self.reason_deadline),
                self.reason_note,
                as_date(self.reason_until),
                self.guidance_code,
                as_date(self.green_from),
            )
        last = None
        if self.visit_date is not None:
            last = LastInspection(
                as_date(self.visit_date), self.result, self.summary or "", self.action_code
            )
        return PageRow(
            id=as_uuid(self.id),  # type: ignore[arg-type]
            token=self.token,
            name=self.name,
            colour=self.colour,
            street=self.street,
            state=state,
            cause_unpublished=bool(self.cause_hidden),
            last=last,
            open_orders=int(self.open_orders or 0),
        )


class PublicReader(RawReader):
    """The app's hot reads (see server.core.sql), with the public pages' own queries."""

    async def merchant(self, token: str, now: datetime) -> MerchantRow | None:
        """The page's row for `token` (None when no active merchant holds it)."""
        # To the second (a result published this very second may wait one), formatted once.
        at = self.param(now.replace(microsecond=0))
        found = await self.row(_MERCHANT_SQL, at, at, at, token)
        return None if found is None else MerchantRow._make(found)

    async def orders(self, merchant_id: uuid.UUID, now: datetime) -> list[OpenOrder]:
        """The merchant's orders the public sees (server.rectifications.queries)."""
        return await public_open_orders(self, merchant_id, now)

    async def public_colour(self, merchant_id: uuid.UUID, now: datetime) -> PublicColour:
        """The newest change whose cause is public; failing one, the colour before the oldest
        hidden change."""
        hidden_from = None
        for before, after, code, reason, guidance, gated, published, until in await self.rows(
            _EVENTS_SQL, merchant_id
        ):
            if not gated or (published is not None and as_instant(published) <= now):
                return PublicColour(after, code, reason, guidance, as_date(until))
            hidden_from = before
        return PublicColour(hidden_from)
