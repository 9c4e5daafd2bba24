"""Colour changes as they happen: one merchant recomputed from its records, and the outcome
stored with the event that explains it.

Functions here take a synchronous Session or Connection (async callers use `session.run_sync`)
and never commit: the request's or the command's transaction commits once. What staff and
merchants do to a colour or a code (overrides, re-rating requests, a new code, owner links) is
in server.colour.actions.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from server.audit.service import Actor
from server.colour.engine import assess
from server.colour.models import ColourEvent, ColourState, ReratingRequest
from server.colour.records import load_records
from server.colour.texts import fill
from server.colour.values import Outcome
from server.core.clock import local_today, utcnow
from server.core.errors import DomainError
from server.core.i18n import t
from server.merchants.models import Merchant
from server.policy.rules import Policy

__all__ = [
    "ColourRefused",
    "apply_outcome",
    "state_values",
    "update_colour",
]


class ColourRefused(DomainError):
    """A colour or code action refused: input a supervisor or merchant can fix (400), or a
    merchant or override that is not there (404). The message is user-facing."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail, status)


_STATE_FIELDS = (
    "reason_code",
    "reason_on",
    "reason_score",
    "reason_deadline",
    "reason_note",
    "reason_until",
    "source_kind",
    "source_id",
    "guidance_code",
    "green_from",
    "adverse_on",
    "override_id",
)
_CAUSE = ("reason_code", "reason_on", "source_kind", "source_id")


def state_values(outcome: Outcome) -> dict[str, object]:
    """The colour_state columns for an outcome (codes and figures; texts render on reading)."""
    r = outcome.reason
    return {
        "reason_code": r.code,
        "reason_on": r.day,
        "reason_score": r.score,
        "reason_deadline": r.deadline,
        "reason_note": r.note,
        "reason_until": r.until,
        "source_kind": r.source_kind,
        "source_id": r.source_id,
        "guidance_code": outcome.guidance_code,
        "green_from": outcome.green_from,
        "adverse_on": outcome.adverse_on,
        "override_id": outcome.override.id if outcome.override else None,
    }


def _stored(
    conn: Connection, merchant_id: uuid.UUID
) -> tuple[str, date | None, dict[str, object] | None]:
    """The merchant's colour, due date and explanation as stored (None: never explained)."""
    colour, due = conn.execute(
        select(Merchant.colour, Merchant.next_due).where(Merchant.id == merchant_id)
    ).one()
    state = conn.execute(
        select(*(getattr(ColourState, f) for f in _STATE_FIELDS)).where(
            ColourState.merchant_id == merchant_id
        )
    ).first()
    return colour, due, dict(zip(_STATE_FIELDS, state, strict=True)) if state else None


def _event_reason(outcome: Outcome, old: dict[str, object] | None, policy: Policy) -> str:
    """The event's reason in words; the end of an override says so."""
    text = outcome.reason.text(policy)
    if old is not None and old["reason_code"] == "override" and outcome.reason.code != "override":
        text = fill(t("colour.reason.override_ended"), reason=text)
    return text


def _write_state(
    conn: Connection,
    merchant_id: uuid.UUID,
    old: dict[str, object] | None,
    values: dict[str, object],
    now: datetime,
) -> None:
    if old is None:
        conn.execute(insert(ColourState).values(merchant_id=merchant_id, updated_at=now, **values))
    elif old != values:
        conn.execute(
            update(ColourState)
            .where(ColourState.merchant_id == merchant_id)
            .values(updated_at=now, **values)
        )


def apply_outcome(
    conn: Connection,
    merchant_id: uuid.UUID,
    outcome: Outcome,
    *,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> bool:
    """Store `outcome` as the merchant's colour; write an event if the colour or its cause changed.

    Returns whether an event was written. The set-wise recompute applies the same rule.
    """
    colour, due, old = _stored(conn, merchant_id)
    values = state_values(outcome)
    changed = colour != outcome.colour or (
        old is not None and any(old[k] != values[k] for k in _CAUSE)
    )
    if changed:
        conn.execute(
            insert(ColourEvent).values(
                merchant_id=merchant_id,
                at=now,
                from_colour=colour,
                to_colour=outcome.colour,
                reason_code=values["reason_code"],
                reason=_event_reason(outcome, old, policy),
                guidance=outcome.guidance,
                source_kind=values["source_kind"],
                source_id=values["source_id"],
                is_override=values["reason_code"] == "override",
                actor=actor.name,
                actor_id=actor.id,
            )
        )
    if colour != outcome.colour or due != outcome.next_due:
        conn.execute(
            update(Merchant)
            .where(Merchant.id == merchant_id)
            .values(colour=outcome.colour, next_due=outcome.next_due, updated_at=now)
        )
    _write_state(conn, merchant_id, old, values, now)
    return changed


def update_colour(
    session: Session,
    merchant_id: uuid.UUID,
    *,
    policy: Policy,
    actor: Actor = Actor(),
    now: datetime | None = None,
) -> Outcome:
    """Recompute one merchant from its records, in the caller's transaction.

    Call it whenever a record that bears on the colour is written (an inspection result, an order,
    a case, a verified complaint, an override, a re-rating request).
    """
    now = now or utcnow()
    conn = session.connection()
    records = load_records(conn, merchant_id, local_today(now))
    last_visit = max((v.day for v in records.visits), default=None)
    if last_visit is not None:  # a visit on or after a re-rating request answered it
        conn.execute(
            update(ReratingRequest)
            .where(
                ReratingRequest.merchant_id == merchant_id,
                ReratingRequest.status == "pending",
                ReratingRequest.requested_on <= last_visit,
            )
            .values(status="done")
        )
    outcome = assess(records, local_today(now), policy)
    apply_outcome(conn, merchant_id, outcome, policy=policy, actor=actor, now=now)
    return outcome
