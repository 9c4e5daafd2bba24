"""The rules of a case's way through the office, as numbers and words: its stages in order,
what each step may follow, how long each stage may take (working days on the district's
calendar), what makes a case major, and the prefixes of the action codes its acts carry.

The district's legal office reads its practice here; docs/domain.md ("Cases") says the same.
"""

from server.catalog.measures import MAJOR_MEASURES, MEASURES

__all__ = [
    "ACTIVE_STATUSES",
    "CASE_PREFIX",
    "DECISION_KINDS",
    "DECISION_PREFIXES",
    "LEAD_ANSWER_DAYS",
    "LEAD_PREFIX",
    "LEAD_VISIT_DAYS",
    "MAJOR_FINE_YUAN",
    "REVIEW_LEVELS",
    "STAGE_DAYS",
    "STEPS",
    "TRANSFER_ANSWER_DAYS",
    "TRANSFER_FROM",
    "TRANSFER_PREFIX",
    "is_major",
    "measures_of",
    "needs_amount",
]

CASE_PREFIX = "AJ"  # 案件: the code printed on the filing papers
TRANSFER_PREFIX = "YS"  # 移送
LEAD_PREFIX = "XS"  # 线索
# A decision's code says its kind: 处罚, 减轻处罚, 不予处罚.
DECISION_PREFIXES = {"penalty": "CF", "mitigated": "JQ", "no_penalty": "BY"}
DECISION_KINDS = ("penalty", "mitigated", "no_penalty")

# step → (the statuses it may follow, the status it leads to). 立案 is the filing itself;
# review (法制审核) is answered by legal reviewers (server/cases/review.py); the decision by
# its own function, after the review.
STEPS = {
    "investigate": (("open",), "investigating"),  # 调查
    "submit": (("investigating",), "review"),  # 提交法制审核
    "decide": (("review",), "decided"),  # 决定
    "serve": (("decided",), "served"),  # 送达
    "close": (("served",), "closed"),  # 结案
}
# A case may be transferred (移送) until it is decided.
TRANSFER_FROM = ("open", "investigating", "review")
# Statuses of a case still being handled (not closed or withdrawn).
ACTIVE_STATUSES = ("open", "investigating", "review", "decided", "served", "transferred")

# How many working days each stage may take, counted from the day the case entered it: the
# case's deadline shown beside it, and overdue the day after.
STAGE_DAYS = {
    "open": 5,  # start the investigation
    "investigating": 30,  # investigate and propose a decision
    "review": 10,  # legal review, every level
    "decided": 7,  # serve the decision (行政处罚法 art. 61: within 7 days)
    "served": 20,  # close the case once the decision is carried out
}
# A receiving unit accepts or returns a transfer within this many working days.
TRANSFER_ANSWER_DAYS = 5
# A street accepts or returns a lead within this many working days, and visits an accepted one
# within this many more (the planner serves it as a complaint, later ones first).
LEAD_ANSWER_DAYS = 5
LEAD_VISIT_DAYS = 10

# A fine or confiscation of more than this many yuan is a large one (较大数额罚没): it counts
# as the measure `large_fine`, reserved to the district by default, and makes the case major.
MAJOR_FINE_YUAN = 10_000
# Distinct legal reviewers who must approve a proposed decision: a major case needs three.
REVIEW_LEVELS = {"ordinary": 1, "major": 3}

_MONEY = ("fine", "confiscation", "large_fine")


def measures_of(measures: list[str], amount_cents: int | None) -> list[str]:
    """The measures a decision takes: those named, and `large_fine` when a fine or confiscation
    is above MAJOR_FINE_YUAN."""
    taken = set(measures)
    large = amount_cents is not None and amount_cents > MAJOR_FINE_YUAN * 100
    if large and taken & set(_MONEY):
        taken.add("large_fine")
    return [m for m in MEASURES if m in taken]


def is_major(measures: list[str], amount_cents: int | None) -> bool:
    """A major case (重大案件): a major measure, or a large fine."""
    return bool(set(measures_of(measures, amount_cents)) & set(MAJOR_MEASURES))


def needs_amount(measures: list[str]) -> bool:
    """Whether the measures take an amount (a fine or a confiscation)."""
    return bool(set(measures) & set(_MONEY))
