"""The default colour policy: scores, thresholds and due dates at their boundaries. A visit's own
colour is the engine's verdict (server/colour/engine.py, visit_verdict), the one place that rule
is written."""

import uuid
from datetime import date

import pytest

from server.colour.engine import visit_verdict
from server.colour.values import Visit
from server.policy.rules import (
    COLOURS,
    DEFAULT_POLICY,
    ItemOutcome,
    Policy,
    add_months,
    next_due,
    score_findings,
)


def colour_for(
    score: int,
    key_failed: bool,
    case_opened: bool,
    *,
    key_corrected: bool = False,
    policy: Policy = DEFAULT_POLICY,
) -> str:
    """The colour the engine gives one visit of this result on its own (no first violation)."""
    visit = Visit(
        id=uuid.uuid4(),
        day=date(2026, 11, 26),
        result="case" if case_opened else "rectify",
        score=score,
        key_failed=key_failed,
        key_open=int(key_failed and not key_corrected),
        failed=int(score > 0),
    )
    rank, _ = visit_verdict(visit, first_violation=False, policy=policy)
    return COLOURS[rank]


def general_failures(n: int) -> list[ItemOutcome]:
    return [ItemOutcome(is_key=False, outcome="fail") for _ in range(n)]


def test_only_failed_items_score_seven_for_key_and_two_for_general():
    findings = [
        ItemOutcome(True, "fail"),
        ItemOutcome(False, "fail"),
        ItemOutcome(True, "pass"),
        ItemOutcome(False, "na"),
        ItemOutcome(False, "pass"),
    ]
    assessment = score_findings(findings)
    assert assessment.score == 9
    assert assessment.key_failed
    assert not assessment.key_corrected


def test_a_clean_visit_scores_nothing_and_stays_green():
    assessment = score_findings([ItemOutcome(True, "pass"), ItemOutcome(False, "na")])
    assert (assessment.score, assessment.key_failed) == (0, False)
    assert colour_for(assessment.score, assessment.key_failed, False) == "green"


@pytest.mark.parametrize(
    ("score", "colour"),
    [(0, "green"), (13, "green"), (14, "yellow"), (27, "yellow"), (28, "red"), (60, "red")],
)
def test_points_thresholds(score: int, colour: str):
    assert colour_for(score, key_failed=False, case_opened=False) == colour


def test_six_general_failures_stay_green_and_seven_turn_yellow():
    six, seven = score_findings(general_failures(6)), score_findings(general_failures(7))
    assert (six.score, seven.score) == (12, 14)
    assert colour_for(six.score, six.key_failed, False) == "green"
    assert colour_for(seven.score, seven.key_failed, False) == "yellow"


def test_a_failed_key_item_turns_red_at_any_score():
    assessment = score_findings([ItemOutcome(True, "fail")])
    assert assessment.score == 7
    assert colour_for(assessment.score, assessment.key_failed, False) == "red"


def test_a_key_item_put_right_on_site_is_yellow_not_green():
    assessment = score_findings([ItemOutcome(True, "fail", corrected_on_site=True)])
    assert assessment.key_corrected
    colour = colour_for(
        assessment.score, assessment.key_failed, False, key_corrected=assessment.key_corrected
    )
    assert colour == "yellow"


def test_one_uncorrected_key_item_among_corrected_ones_is_red():
    assessment = score_findings(
        [ItemOutcome(True, "fail", corrected_on_site=True), ItemOutcome(True, "fail")]
    )
    assert not assessment.key_corrected
    assert colour_for(14, True, False, key_corrected=assessment.key_corrected) == "red"


def test_an_opened_case_is_red_even_without_points():
    assert colour_for(0, key_failed=False, case_opened=True) == "red"


def test_points_and_thresholds_come_from_the_policy():
    strict = Policy(key_item_points=10, general_item_points=3, yellow_min=6, red_min=20)
    assert score_findings(general_failures(2), strict).score == 6
    assert colour_for(6, False, False, policy=strict) == "yellow"
    assert colour_for(6, False, False) == "green"


@pytest.mark.parametrize(
    "bad",
    [{"yellow_min": 28, "red_min": 28}, {"general_item_points": 0}, {"officers_per_visit": 1}],
)
def test_an_inconsistent_policy_is_refused(bad: dict[str, int]):
    with pytest.raises(ValueError):
        Policy(**bad)


def test_a_policy_must_give_every_colour_an_interval():
    with pytest.raises(ValueError, match="red"):
        Policy(interval_months={"green": 24, "yellow": 6})


@pytest.mark.parametrize(
    ("colour", "due"),
    [("green", date(2028, 3, 15)), ("yellow", date(2026, 9, 15)), ("red", date(2026, 6, 15))],
)
def test_next_due_follows_the_colour_interval(colour: str, due: date):
    assert next_due(date(2026, 3, 15), colour) == due


def test_months_are_added_to_the_end_of_short_months():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_default_sampling_shares():
    assert dict(DEFAULT_POLICY.sampling_share) == {"green": 0.03, "yellow": 0.20, "red": 1.0}
    assert dict(DEFAULT_POLICY.interval_months) == {"green": 24, "yellow": 6, "red": 3}
