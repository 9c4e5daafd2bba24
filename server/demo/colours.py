"""The demo's colours come from the colour engine itself: the same rules as production."""

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from server.colour.engine import assess
from server.colour.service import state_values
from server.colour.values import Case, Order, Outcome, Records
from server.colour.values import Visit as EngineVisit
from server.demo.history import LOCAL, Visit
from server.policy.rules import Policy

__all__ = ["colour_rows", "final_outcome", "records_of", "scheduler"]

# Colour changes of the demo's history took effect in the evening of their day.
EVENT_TIME = time(18)


def records_of(visits: list[Visit], current_due: date | None = None) -> Records:
    """The engine's view of the visits: each order is verified at the visit after it."""
    orders = [
        Order(v.order_id, v.day, v.deadline, visits[n + 1].day if n + 1 < len(visits) else None)
        for n, v in enumerate(visits)
        if v.deadline is not None
    ]
    return Records(
        visits=[
            EngineVisit(
                v.id,
                v.day,
                v.result,
                v.assessment.score,
                v.assessment.key_failed,
                v.key_open,
                v.failed,
                v.lenient,
            )
            for v in visits
        ],
        orders=orders,
        cases=[Case(v.case_id, v.day) for v in visits if v.result == "case"],
        current_due=current_due,
    )


def scheduler(policy: Policy) -> Callable[[list[Visit]], date | None]:
    """When the next visit falls due, as the engine sees it right after the latest one."""

    def next_due(visits: list[Visit]) -> date | None:
        return assess(records_of(visits), visits[-1].day, policy).next_due

    return next_due


def colour_rows(
    merchant_id: uuid.UUID, outcome: Outcome, policy: Policy, now: datetime
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The merchant's colour events (one per change in its history) and its explained state."""
    events = [
        {
            "merchant_id": merchant_id,
            "at": datetime.combine(step.day, EVENT_TIME, LOCAL).astimezone(UTC),
            "from_colour": step.before,
            "to_colour": step.after,
            "reason_code": step.reason.code,
            "reason": step.reason.text(policy),
            "guidance": "",
            "source_kind": step.reason.source_kind,
            "source_id": step.reason.source_id,
            "is_override": False,
            "actor": "system",
            "actor_id": None,
        }
        for step in outcome.transitions
    ]
    if events:  # the newest change carries today's guidance
        events[-1]["guidance"] = outcome.guidance
    state = {"merchant_id": merchant_id, "updated_at": now, **state_values(outcome)}
    return events, state


def final_outcome(
    visits: list[Visit], today: date, current_due: date | None, policy: Policy
) -> Outcome:
    """The merchant's colour today after its whole history."""
    return assess(records_of(visits, current_due), today, policy)
