"""The colour engine: a pure function from a merchant's records to its colour, reason, due date.

Facts are replayed in time order. Worsening takes effect at once; improvement goes one step per
qualifying visit (red → yellow after a re-check scoring at most `red_to_yellow_max_score` with
every rectification verified; yellow → green after a clean visit `green_after_months` after the
last adverse event). A first minor violation on the no-penalty list, corrected on site, never
raises the colour above yellow. The set-wise recompute (server.colour.recompute) implements the
same rules in SQL; tests hold the two to the same answers. What the engine reads and answers are
plain values (server.colour.values).
"""

from collections.abc import Sequence
from datetime import date

from server.colour.texts import guidance_text
from server.colour.values import (
    Order,
    Outcome,
    Override,
    Reason,
    Records,
    Transition,
    Visit,
)
from server.policy.rules import COLOURS, RANK, Policy, add_months, recheck_window

__all__ = ["assess", "visit_verdict"]

# Same-day facts apply in this order; ties break on the record id.
_VISIT, _CASE, _COMPLAINT, _ORDER = 0, 1, 2, 3


def visit_verdict(visit: Visit, first_violation: bool, policy: Policy) -> tuple[int, str]:
    """The rank a visit earns on its own and the reason code for it."""
    if visit.result == "case":
        return 2, "visit_case"
    if visit.result == "obstructed":
        return 2, "visit_obstructed"
    if visit.key_open > 0:
        return 2, "visit_key_open"
    adverse = visit.score >= policy.yellow_min or visit.key_failed
    if first_violation and adverse:
        return 1, "first_violation"
    if visit.score >= policy.red_min:
        return 2, "visit_score"
    if visit.score >= policy.yellow_min:
        return 1, "visit_score"
    if visit.key_failed:
        return 1, "visit_key_fixed"
    return 0, "visit_clean" if visit.failed == 0 else "visit_minor"


def _open_on(orders: Sequence[Order], day: date) -> list[Order]:
    """Orders issued by `day` and not verified by then."""
    return [
        o for o in orders if o.issued_on <= day and (o.verified_on is None or o.verified_on > day)
    ]


def _facts(records: Records, today: date, policy: Policy) -> list[tuple]:
    """(day, kind, id, rank, reason) for every fact up to today, in replay order."""
    facts: list[tuple] = []
    last_violation: date | None = None
    lookback = -12 * policy.no_penalty_lookback_years
    for v in sorted(records.visits, key=lambda v: (v.day, v.id.hex)):
        if v.day > today:
            continue
        first = (
            v.failed > 0
            and v.lenient == v.failed
            and (last_violation is None or last_violation < add_months(v.day, lookback))
        )
        rank, code = visit_verdict(v, first, policy)
        reason = Reason(code, v.day, v.score, source_kind="inspection", source_id=v.id)
        facts.append((v.day, _VISIT, v.id.hex, rank, reason, v))
        if v.failed > 0:
            last_violation = v.day
    complaint_rank = RANK[policy.verified_complaint_colour]
    for c in records.cases:
        reason = Reason("case_opened", c.opened_on, source_kind="case", source_id=c.id)
        facts.append((c.opened_on, _CASE, c.id.hex, 2, reason, None))
    for p in records.complaints:
        reason = Reason(
            "complaint_verified", p.verified_on, source_kind="complaint", source_id=p.id
        )
        facts.append((p.verified_on, _COMPLAINT, p.id.hex, complaint_rank, reason, None))
    for o in records.orders:
        reason = Reason(
            "order_issued", o.issued_on, deadline=o.deadline, source_kind="order", source_id=o.id
        )
        facts.append((o.issued_on, _ORDER, o.id.hex, 1, reason, None))
    return sorted((f for f in facts if f[0] <= today), key=lambda f: f[:3])


def _replay(
    records: Records, today: date, policy: Policy
) -> tuple[int, Reason, date | None, list[Transition]]:
    colour, adverse_on, reason = 0, None, Reason("initial")
    steps: list[Transition] = []
    for day, kind, _id, earned, fact_reason, visit in _facts(records, today, policy):
        before = colour
        if earned > colour or (earned == colour and (reason.day is None or day > reason.day)):
            colour, reason = earned, fact_reason
        elif kind == _VISIT and colour == 2 and _improves_red(visit, records, policy):
            colour = 1
            reason = Reason(
                "improved_yellow", day, visit.score, source_kind="inspection", source_id=visit.id
            )
        elif (
            kind == _VISIT
            and colour == 1
            and earned == 0
            and not _open_on(records.orders, day)
            and (adverse_on is None or day >= add_months(adverse_on, policy.green_after_months))
        ):
            colour = 0
            reason = Reason("improved_green", day, source_kind="inspection", source_id=visit.id)
        if earned >= 1:
            adverse_on = day
        if colour != before or reason is fact_reason:
            steps.append(Transition(day, COLOURS[before], COLOURS[colour], reason))
    return colour, reason, adverse_on, steps


def _improves_red(visit: Visit, records: Records, policy: Policy) -> bool:
    return (
        visit.result not in ("case", "obstructed")
        and visit.key_open == 0
        and visit.score <= policy.red_to_yellow_max_score
        and not _open_on(records.orders, visit.day)
    )


def _active_override(records: Records, today: date) -> Override | None:
    active = [o for o in records.overrides if o.starts_on <= today <= o.ends_on]
    return max(active, key=lambda o: (o.starts_on, o.id.hex), default=None)


def assess(records: Records, today: date, policy: Policy) -> Outcome:
    """The merchant's colour, reason, guidance and next due date on `today`."""
    computed, reason, adverse_on, steps = _replay(records, today, policy)
    colour = computed
    override = _active_override(records, today)
    if override is not None:
        worse_since = (
            computed > RANK[override.colour]
            and adverse_on is not None
            and adverse_on > override.starts_on
        )
        if worse_since:
            # A record worse than the override made after its first day takes effect at once.
            # A record of its first day does not: an override set today is most often the
            # correction of today's result.
            override = None
        else:
            colour = RANK[override.colour]
            reason = Reason(
                "override",
                note=override.reason,
                until=override.ends_on,
                source_kind="override",
                source_id=override.id,
            )
    open_now = _open_on(records.orders, today)
    visits = [v.day for v in records.visits if v.day <= today]
    last_visit = max(visits, default=None)
    due = add_months(last_visit, policy.interval(COLOURS[colour])) if last_visit else None
    if last_visit is None:
        due = records.current_due
    if open_now:
        recheck, _ = recheck_window(min(o.deadline for o in open_now), policy)
        due = _least(due, recheck)
    pending = [
        r.requested_on
        for r in records.reratings
        if r.requested_on <= today and (last_visit is None or r.requested_on > last_visit)
    ]
    if pending:
        due = _least(due, add_months(min(pending), policy.rerating_within_months))
    guidance_code = _guidance_code(colour, override, bool(open_now))
    green_from = add_months(adverse_on, policy.green_after_months) if adverse_on else None
    until = override.ends_on if override else None
    guidance = guidance_text(guidance_code, policy, until=until, green_from=green_from)
    return Outcome(
        colour=COLOURS[colour],
        computed=COLOURS[computed],
        reason=reason,
        guidance_code=guidance_code,
        guidance=guidance,
        next_due=due,
        adverse_on=adverse_on,
        green_from=green_from,
        override=override,
        transitions=tuple(steps),
    )


def _guidance_code(colour: int, override: Override | None, open_orders: bool) -> str:
    if override is not None:
        return "override"
    if colour == 0:
        return "green"
    if colour == 2:
        return "red"
    return "yellow_orders" if open_orders else "yellow"


def _least(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a or b
    return min(a, b)
