"""How often the planner may and must visit: which visits the frequency caps restrict, and the
order in which due visits are served when the teams cannot do them all (docs/domain.md, "The
core loop" and "Frequency and sampling").

The caps (an agency's visits a year, no repeat soon after a higher level) restrict random
checks (双随机); a colour's own interval is the promise the colour code makes, so by default it
is exempt, and a district that caps a colour's interval visits too must allow at least as many
visits a year as that interval needs. Complaints, re-checks and re-ratings are never capped.
"""

from collections.abc import Sequence

__all__ = [
    "CAPPABLE",
    "DEFAULT_CAPPED",
    "DEFAULT_PRIORITY_ORDER",
    "VISIT_CLASSES",
    "frequency_conflict",
    "order_conflict",
]

# The classes a due department check falls in, most pressing first by default: complaints
# (with their visit deadline), re-checks past their window, overdue red, due red, re-checks in
# their window, re-ratings asked for, overdue and due yellow, random draws, green.
DEFAULT_PRIORITY_ORDER: tuple[str, ...] = (
    "complaint",
    "reinspection_overdue",
    "red_overdue",
    "red",
    "reinspection",
    "rerating",
    "yellow_overdue",
    "yellow",
    "random",
    "green_overdue",
    "green",
)
VISIT_CLASSES = frozenset(DEFAULT_PRIORITY_ORDER)
# What the caps may restrict: random checks, and (if a district so decides) a colour's visits.
CAPPABLE = ("random", "green", "yellow", "red")
DEFAULT_CAPPED: tuple[str, ...] = ("random",)

Conflict = tuple[str, str] | None  # (file key, reason) or None


def order_conflict(order: Sequence[str]) -> Conflict:
    """Why `priority_order` is not an order of every visit class, if it is not."""
    unknown = [c for c in order if c not in VISIT_CLASSES]
    if unknown:
        return (
            "priority_order",
            f"{unknown[0]!r} is not a visit class ({', '.join(sorted(VISIT_CLASSES))})",
        )
    if len(set(order)) != len(order):
        repeated = next(c for c in order if list(order).count(c) > 1)
        return "priority_order", f"{repeated!r} is listed twice"
    missing = sorted(VISIT_CLASSES - set(order))
    if missing:
        return "priority_order", f"lacks {', '.join(missing)}"
    return None


def frequency_conflict(
    capped: Sequence[str],
    interval_months: dict[str, int],
    visits_per_year: int,
    quiet_months: int,
) -> Conflict:
    """Why the caps would stop a colour's interval from being kept, if they would."""
    unknown = [c for c in capped if c not in CAPPABLE]
    if unknown:
        return "frequency.capped", f"{unknown[0]!r} cannot be capped ({', '.join(CAPPABLE)})"
    for colour in ("red", "yellow", "green"):
        if colour not in capped:
            continue
        months = interval_months[colour]
        needed = -(-12 // months)  # visits a year the interval asks for, rounded up
        if needed > visits_per_year:
            return (
                f"interval_months.{colour}",
                f"{colour} merchants are due every {months} months ({needed} visits a year), "
                f"but frequency.capped holds each agency to frequency.agency_visits_per_year "
                f"= {visits_per_year}: raise the cap, lengthen the interval or leave {colour} "
                "out of frequency.capped",
            )
        if months < quiet_months:
            return (
                f"interval_months.{colour}",
                f"{colour} merchants are due every {months} months, sooner than "
                f"frequency.higher_level_quiet_months = {quiet_months} allows after a higher "
                f"level's check: leave {colour} out of frequency.capped",
            )
    return None
