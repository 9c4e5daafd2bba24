"""Which due checks come first when the teams cannot do them all, and which the caps restrict.

Each department check falls in a class (server.policy.frequency): a complaint, a re-check past
its window or in it, a re-rating, a colour's interval visit due or overdue, a random draw. The
policy's `priority_order` ranks the classes; a visit takes the rank of its most pressing check.
VROOM ranks jobs by an integer priority from 0 to 100 (higher first), so each class gets a band
of that range, the first class the top one, and within its band a check rises a step for every
week it is overdue: age raises a visit above others of its class, never above a better class.
"""

from collections.abc import Iterable

from server.planning.due import DueCheck
from server.policy.rules import Policy

__all__ = ["AGE_STEP_DAYS", "PRIORITY_MAX", "band_of", "capped", "check_class", "priority"]

PRIORITY_MAX = 100  # VROOM's highest job priority
AGE_STEP_DAYS = 7  # a week overdue raises a check one step within its class


def check_class(check: DueCheck) -> str:
    """The class a department check falls in."""
    reason, late = check.reason, check.overdue_days > 0
    if reason.startswith("due:"):
        colour = reason.removeprefix("due:")
        return f"{colour}_overdue" if late else colour
    if reason == "reinspection":
        return "reinspection_overdue" if late else "reinspection"
    if reason in ("complaint", "rerating", "random"):
        return reason
    return "complaint"  # a referral from another authority is served like a complaint


def capped(check: DueCheck, policy: Policy) -> bool:
    """Whether the frequency caps restrict this check (by default: random checks only)."""
    if check.reason == "random":
        return "random" in policy.capped
    return check.reason.startswith("due:") and check.reason.removeprefix("due:") in policy.capped


def _width(policy: Policy) -> int:
    return PRIORITY_MAX // len(policy.priority_order)


def priority(checks: Iterable[DueCheck], policy: Policy) -> int:
    """The priority of a visit made of these checks: its most pressing check's."""
    width, order = _width(policy), policy.priority_order
    best = 0
    for check in checks:
        top = PRIORITY_MAX - order.index(check_class(check)) * width
        bottom = top - width + 1
        best = max(best, bottom + min(width - 1, check.overdue_days // AGE_STEP_DAYS))
    return best


def band_of(value: int, policy: Policy) -> int:
    """The rank of the class a priority belongs to (0: the policy's first class)."""
    return max(0, (PRIORITY_MAX - value) // _width(policy))
