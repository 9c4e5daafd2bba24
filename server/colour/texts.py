"""The plain-Chinese reason and guidance texts of colours, from the i18n catalogue.

Placeholders are filled by plain replacement (never str.format), so the set-wise recompute can
fill the same templates in SQL with replace() and produce the very same text.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from server.core.i18n import DEFAULT_LOCALE, MESSAGES, t
from server.policy.rules import COLOURS, Policy

__all__ = [
    "GUIDANCE_CODES",
    "REASON_CODES",
    "LegendRow",
    "current_reason",
    "fill",
    "guidance_template",
    "guidance_text",
    "legend",
    "policy_values",
    "reason_template",
    "reason_text",
    "state_guidance_text",
    "state_reason_text",
]

REASON_CODES = (
    "initial",
    "visit_clean",
    "visit_minor",
    "visit_score",
    "visit_key_fixed",
    "visit_key_open",
    "visit_case",
    "visit_obstructed",
    "first_violation",
    "case_opened",
    "complaint_verified",
    "order_issued",
    "improved_yellow",
    "improved_green",
    "override",
)
GUIDANCE_CODES = ("green", "yellow", "yellow_orders", "red", "override")


class _ReasonLike(Protocol):
    code: str
    day: date | None
    score: int | None
    deadline: date | None
    note: str | None
    until: date | None


def _catalogue() -> dict[str, str]:
    return MESSAGES[DEFAULT_LOCALE]


def reason_template(code: str) -> str:
    return _catalogue()[f"colour.reason.{code}"]


def guidance_template(code: str) -> str:
    return _catalogue()[f"colour.guidance.{code}"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fill(template: str, **values: Any) -> str:
    """Replace each `{name}` in `template` by its value (None → empty)."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", _text(value))
    return template


def policy_values(policy: Policy) -> dict[str, int]:
    """The policy numbers the texts quote."""
    return {"months": policy.green_after_months, "max_score": policy.red_to_yellow_max_score}


def reason_text(reason: _ReasonLike, policy: Policy) -> str:
    return fill(
        reason_template(reason.code),
        date=reason.day,
        score=reason.score,
        deadline=reason.deadline,
        note=reason.note,
        until=reason.until,
        **policy_values(policy),
    )


# Reasons kept with colour events (append-only) before a case stopped being worded as a finding
# (立案查处) ahead of its decision; what is shown of them today says what the new texts say.
_REWORDED = {
    "visit_case": (
        ("检查发现违法行为，已立案查处", "检查发现严重问题，正依法调查处理，尚未作出处理决定"),
    ),
    "case_opened": ((" 立案查处", " 检查发现的问题正依法调查处理，尚未作出处理决定"),),
}


def current_reason(code: str | None, text: str | None) -> str | None:
    """A stored reason as shown today: an old case wording replaced by the current one."""
    for old, new in _REWORDED.get(code or "", ()):
        text = text.replace(old, new) if text else text
    return text


def guidance_text(
    code: str, policy: Policy, *, until: date | None = None, green_from: date | None = None
) -> str:
    return fill(
        guidance_template(code), until=until, green_from=green_from, **policy_values(policy)
    )


class _StateLike(Protocol):
    reason_code: str
    reason_on: date | None
    reason_score: int | None
    reason_deadline: date | None
    reason_note: str | None
    reason_until: date | None
    guidance_code: str
    green_from: date | None


def state_reason_text(state: _StateLike, policy: Policy) -> str:
    """The reason of a stored colour_state row, in words."""
    return fill(
        reason_template(state.reason_code),
        date=state.reason_on,
        score=state.reason_score,
        deadline=state.reason_deadline,
        note=state.reason_note,
        until=state.reason_until,
        **policy_values(policy),
    )


def state_guidance_text(state: _StateLike, policy: Policy) -> str:
    """What brings a stored colour_state row's merchant back to green, in words."""
    return guidance_text(
        state.guidance_code, policy, until=state.reason_until, green_from=state.green_from
    )


@dataclass(frozen=True)
class LegendRow:
    colour: str
    name: str
    meaning: str


def legend(policy: Policy) -> list[LegendRow]:
    """The three colours and how often each is inspected, under the policy in force."""
    return [
        LegendRow(c, t(f"colour.{c}"), t(f"colour.meaning.{c}", months=policy.interval(c)))
        for c in COLOURS
    ]
