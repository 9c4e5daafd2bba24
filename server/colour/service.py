"""Colour changes as they happen: incremental updates, overrides, re-rating requests.

Functions here take a synchronous Session (async callers use `session.run_sync`) and never commit:
the request's or the command's transaction commits once.
"""

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from server.audit.service import Actor
from server.colour.engine import Outcome, assess
from server.colour.models import ColourEvent, ColourOverride, ColourState, ReratingRequest
from server.colour.records import load_records
from server.colour.texts import fill
from server.core.clock import local_today, utcnow
from server.core.i18n import t
from server.merchants.models import Merchant
from server.merchants.service import record_merchant
from server.policy.rules import COLOURS, Policy

__all__ = [
    "ColourInputError",
    "apply_outcome",
    "request_rerating",
    "revoke_override",
    "set_override",
    "state_values",
    "update_colour",
]


class ColourInputError(ValueError):
    """Input a supervisor or merchant can fix; the message is user-facing."""


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
    colour, due = conn.execute(
        select(Merchant.colour, Merchant.next_due).where(Merchant.id == merchant_id)
    ).one()
    state = conn.execute(
        select(*(getattr(ColourState, f) for f in _STATE_FIELDS)).where(
            ColourState.merchant_id == merchant_id
        )
    ).first()
    values = state_values(outcome)
    old = dict(zip(_STATE_FIELDS, state, strict=True)) if state else None
    changed = colour != outcome.colour or (
        old is not None and any(old[k] != values[k] for k in _CAUSE)
    )
    if changed:
        text = outcome.reason.text(policy)
        if (
            old is not None
            and old["reason_code"] == "override"
            and values["reason_code"] != ("override")
        ):
            text = fill(t("colour.reason.override_ended"), reason=text)
        conn.execute(
            insert(ColourEvent).values(
                merchant_id=merchant_id,
                at=now,
                from_colour=colour,
                to_colour=outcome.colour,
                reason_code=values["reason_code"],
                reason=text,
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
    if old is None:
        conn.execute(insert(ColourState).values(merchant_id=merchant_id, updated_at=now, **values))
    elif old != values:
        conn.execute(
            update(ColourState)
            .where(ColourState.merchant_id == merchant_id)
            .values(updated_at=now, **values)
        )
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


def set_override(
    session: Session,
    merchant_id: uuid.UUID,
    *,
    colour: str,
    reason: str,
    days: int,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> Outcome:
    """A supervisor's manual colour for `days` days (ending any override in force)."""
    reason = reason.strip()
    if colour not in COLOURS:
        raise ColourInputError(t("error.unknown_colour", value=colour))
    if not reason:
        raise ColourInputError(t("colour.error.reason_required"))
    if not 1 <= days <= policy.override_max_days:
        raise ColourInputError(t("colour.error.bad_days", max=policy.override_max_days))
    now = now or utcnow()
    today = local_today(now)
    _end_overrides(session, merchant_id, actor, now)
    session.add(
        ColourOverride(
            merchant_id=merchant_id,
            colour=colour,
            reason=reason[:500],
            starts_on=today,
            ends_on=today + timedelta(days=days - 1),
            created_at=now,
            created_by=actor.id,
        )
    )
    session.flush()
    record_merchant(
        session,
        "colour.override",
        merchant_id,
        actor,
        {"colour": colour, "reason": reason[:500], "days": days},
    )
    return update_colour(session, merchant_id, policy=policy, actor=actor, now=now)


def _end_overrides(session: Session, merchant_id: uuid.UUID, actor: Actor, now: datetime) -> int:
    result = session.connection().execute(
        update(ColourOverride)
        .where(
            ColourOverride.merchant_id == merchant_id,
            ColourOverride.revoked_at.is_(None),
            ColourOverride.ends_on >= local_today(now),
        )
        .values(revoked_at=now, revoked_by=actor.id)
    )
    return result.rowcount or 0


def revoke_override(
    session: Session,
    merchant_id: uuid.UUID,
    *,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> Outcome:
    """End the override in force before its time."""
    now = now or utcnow()
    if not _end_overrides(session, merchant_id, actor, now):
        raise ColourInputError(t("colour.error.no_override"))
    record_merchant(session, "colour.override_revoked", merchant_id, actor)
    return update_colour(session, merchant_id, policy=policy, actor=actor, now=now)


def pending_rerating(session: Session, merchant_id: uuid.UUID) -> ReratingRequest | None:
    """The merchant's re-rating request still waiting for its visit, if any."""
    return session.exec(
        select(ReratingRequest)
        .where(ReratingRequest.merchant_id == merchant_id, ReratingRequest.status == "pending")
        .order_by(ReratingRequest.requested_on)
    ).first()


def request_rerating(
    session: Session,
    merchant_id: uuid.UUID,
    *,
    reason: str,
    via: str,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[ReratingRequest, date | None]:
    """Ask for a re-rating visit; returns the request (an existing pending one) and its due date."""
    now = now or utcnow()
    existing = pending_rerating(session, merchant_id)
    if existing is not None:
        due = session.exec(select(Merchant.next_due).where(Merchant.id == merchant_id)).one()
        return existing, due
    row = ReratingRequest(
        merchant_id=merchant_id,
        requested_on=local_today(now),
        reason=reason.strip()[:500],
        via=via,
        created_at=now,
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    record_merchant(session, "colour.rerating_requested", merchant_id, actor, {"via": via})
    outcome = update_colour(session, merchant_id, policy=policy, actor=actor, now=now)
    return row, outcome.next_due
