"""The public page's reads: one indexed query per scan, straight on the database driver.

`GET /m/{token}` is the busiest page (every passer-by's scan), so it skips the ORM and reads
through the app's RawReader.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from server.core.sql import RawReader, as_uuid

__all__ = ["LastInspection", "OpenOrder", "PageRow", "PublicColour", "PublicReader", "StoredState"]

_PUBLISHED = "{t}.published_at IS NOT NULL AND {t}.published_at <= {p}"
_MERCHANT = """
SELECT m.id, m.qr_token, m.name, m.colour, s.name, cs.reason_code, cs.reason_on,
       cs.reason_score, cs.reason_deadline, cs.reason_note, cs.reason_until, cs.guidance_code,
       cs.green_from,
       CASE WHEN (cs.source_kind = 'inspection' OR co.inspection_id IS NOT NULL)
             AND NOT (ci.published_at IS NOT NULL AND ci.published_at <= {p}) THEN 1 ELSE 0 END,
       li.visit_date, li.result, li.summary, li.action_code,
       (SELECT COUNT(*) FROM rectification_order o WHERE o.merchant_id = m.id
          AND o.status <> 'verified' AND (o.inspection_id IS NULL OR EXISTS (
              SELECT 1 FROM inspection x WHERE x.id = o.inspection_id AND {pub_x})))
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
# An order's requirement is "{item title}：{the inspector's note}"; the public sees the title,
# matched against the catalogue items of its inspection (a title may itself hold a "：").
_ORDERS = """
SELECT o.deadline, o.status, o.requirement,
       (SELECT c.title FROM finding f JOIN check_item c ON c.id = f.check_item_id
        WHERE f.inspection_id = o.inspection_id AND (o.requirement = c.title
              OR substr(o.requirement, 1, length(c.title) + 1) = c.title || '：')
        ORDER BY length(c.title) DESC LIMIT 1)
FROM rectification_order o
WHERE o.merchant_id = {p} AND o.status <> 'verified' AND (o.inspection_id IS NULL OR EXISTS (
    SELECT 1 FROM inspection x WHERE x.id = o.inspection_id AND {pub_x}))
ORDER BY o.deadline, o.id
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
class OpenOrder:
    deadline: date
    status: str
    title: str  # what is to be put right, without the inspector's note


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
    published = {t: _PUBLISHED.format(t=t, p="{p}") for t in ("x", "i")}
    return template.format(p="{p}", pub_x=published["x"], pub_i=published["i"])


_MERCHANT_SQL, _ORDERS_SQL, _EVENTS_SQL = _sql(_MERCHANT), _sql(_ORDERS), _sql(_EVENTS)


class PublicReader(RawReader):
    """The app's hot reads (see server.core.sql), with the public pages' own queries."""

    async def merchant(self, token: str, now: datetime) -> tuple | None:
        """The raw page row for `token` (None when no active merchant holds it)."""
        # To the second (a result published this very second may wait one), formatted once.
        at = self.param(now.replace(microsecond=0))
        return await self.row(_MERCHANT_SQL, at, at, at, token)

    @staticmethod
    def plain(raw: tuple) -> bool:
        """Whether the row alone makes the page: no open orders, nothing unpublished behind it."""
        return not raw[-1] and not raw[13]

    def page_row(self, raw: tuple) -> PageRow:
        (
            mid,
            token,
            name,
            colour,
            street,
            code,
            reason_on,
            score,
            deadline,
            note,
            until,
            guidance,
            green_from,
            cause_hidden,
            day,
            result,
            summary,
            action_code,
            open_orders,
        ) = raw
        state = None
        if code is not None:
            state = StoredState(
                code,
                _maybe_day(reason_on),
                score,
                _maybe_day(deadline),
                note,
                _maybe_day(until),
                guidance,
                _maybe_day(green_from),
            )
        last = None
        if day is not None:
            last = LastInspection(_day(day), result, summary or "", action_code)
        return PageRow(
            id=as_uuid(mid),
            token=token,
            name=name,
            colour=colour,
            street=street,
            state=state,
            cause_unpublished=bool(cause_hidden),
            last=last,
            open_orders=int(open_orders or 0),
        )

    async def orders(self, merchant_id: uuid.UUID, now: datetime) -> list[OpenOrder]:
        rows = await self.rows(_ORDERS_SQL, merchant_id, now)
        return [
            OpenOrder(_day(d), status, title or _before_note(text or ""))
            for d, status, text, title in rows
        ]

    async def public_colour(self, merchant_id: uuid.UUID, now: datetime) -> PublicColour:
        """The newest change whose cause is public; failing one, the colour before the oldest
        hidden change."""
        hidden_from = None
        for before, after, code, reason, guidance, gated, published, until in await self.rows(
            _EVENTS_SQL, merchant_id
        ):
            if not gated or (published is not None and _instant(published) <= now):
                return PublicColour(after, code, reason, guidance, _maybe_day(until))
            hidden_from = before
        return PublicColour(hidden_from)


def _before_note(requirement: str) -> str:
    """An order's requirement without the note, when no item of its inspection matches it."""
    return requirement.split("：", 1)[0].strip()


def _maybe_day(value: date | str | None) -> date | None:
    return None if value is None else _day(value)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _instant(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
