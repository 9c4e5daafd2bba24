"""The colour engine walks docs/domain.md's transitions: worse at once, better a step per visit."""

import uuid
from datetime import date, timedelta

import pytest

from server.colour.engine import assess
from server.colour.values import (
    Case,
    Complaint,
    Order,
    Override,
    Records,
    Rerating,
    Visit,
)
from server.policy.rules import DEFAULT_POLICY, Policy

TODAY = date(2026, 11, 26)
P = DEFAULT_POLICY


def visit(
    day: date, score: int = 0, *, key=False, key_open=0, failed=None, lenient=0, result="pass"
) -> Visit:
    failed = failed if failed is not None else (1 if score else 0)
    return Visit(uuid.uuid4(), day, result, score, key, key_open, failed, lenient)


def colour(*visits: Visit, policy: Policy = P, **records) -> str:
    return assess(Records(visits=visits, **records), TODAY, policy).colour


def test_a_merchant_never_inspected_is_green_and_keeps_its_first_due_date():
    outcome = assess(Records(current_due=date(2027, 3, 1)), TODAY, P)
    assert (outcome.colour, outcome.reason.code, outcome.next_due) == (
        "green",
        "initial",
        date(2027, 3, 1),
    )


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "green"), (13, "green"), (14, "yellow"), (27, "yellow"), (28, "red")],
)
def test_one_visit_earns_its_colour_by_points(score: int, expected: str):
    assert colour(visit(date(2026, 6, 1), score)) == expected


def test_a_key_item_left_unfixed_is_red_and_one_fixed_on_site_is_yellow():
    assert colour(visit(date(2026, 6, 1), 7, key=True, key_open=1)) == "red"
    assert colour(visit(date(2026, 6, 1), 7, key=True)) == "yellow"


@pytest.mark.parametrize("result", ["case", "obstructed"])
def test_a_case_or_obstruction_is_red_at_any_score(result: str):
    outcome = assess(Records(visits=[visit(date(2026, 6, 1), result=result)]), TODAY, P)
    assert outcome.colour == "red"
    assert outcome.reason.code == f"visit_{result}"


def test_worsening_takes_effect_at_once():
    history = [visit(date(2026, 1, 5), 16), visit(date(2026, 3, 5), 30)]
    outcome = assess(Records(visits=history), TODAY, P)
    assert [(s.before, s.after) for s in outcome.transitions] == [
        ("green", "yellow"),
        ("yellow", "red"),
    ]


def test_red_turns_yellow_after_a_recheck_of_at_most_13_with_the_order_verified():
    bad = visit(date(2026, 1, 5), 30, key=True, key_open=1, result="rectify")
    order = Order(uuid.uuid4(), bad.day, date(2026, 1, 20), verified_on=date(2026, 2, 3))
    recheck = visit(date(2026, 2, 3), 12)
    outcome = assess(Records(visits=[bad, recheck], orders=[order]), TODAY, P)
    assert outcome.colour == "yellow"
    assert outcome.reason.code == "improved_yellow"
    assert "复查扣 12 分" in outcome.reason.text(P)


def test_red_stays_red_while_the_rectification_is_not_verified():
    bad = visit(date(2026, 1, 5), 30, key=True, key_open=1, result="rectify")
    order = Order(uuid.uuid4(), bad.day, date(2026, 1, 20))
    outcome = assess(Records(visits=[bad, visit(date(2026, 2, 3), 4)], orders=[order]), TODAY, P)
    assert outcome.colour == "red"


def test_red_stays_red_after_a_recheck_scoring_more_than_13():
    bad = visit(date(2026, 1, 5), 30)
    assert colour(bad, visit(date(2026, 4, 3), 16)) == "red"


def test_improvement_is_one_step_per_clean_visit():
    bad = visit(date(2024, 1, 5), 30)
    assert colour(bad, visit(date(2025, 6, 2), 0)) == "yellow"
    assert colour(bad, visit(date(2025, 6, 2), 0), visit(date(2025, 9, 1), 0)) == "green"


def test_yellow_turns_green_only_after_a_clean_visit_12_months_after_the_last_adverse_event():
    adverse = visit(date(2025, 12, 1), 16)
    assert colour(adverse, visit(date(2026, 6, 1), 0)) == "yellow"
    outcome = assess(
        Records(visits=[adverse, visit(date(2026, 12, 1) - timedelta(days=1), 0)]),
        date(2026, 12, 1),
        P,
    )
    assert outcome.colour == "yellow"
    later = assess(Records(visits=[adverse, visit(date(2026, 12, 1), 0)]), date(2026, 12, 1), P)
    assert later.colour == "green"
    assert later.reason.code == "improved_green"


def test_the_12_months_come_from_the_policy():
    adverse = visit(date(2025, 12, 1), 16)
    lenient = Policy(green_after_months=6)
    assert colour(adverse, visit(date(2026, 6, 1), 0), policy=lenient) == "green"


def test_an_open_rectification_order_keeps_a_merchant_at_least_yellow():
    minor = visit(date(2026, 6, 1), 4, result="rectify")
    order = Order(uuid.uuid4(), minor.day, date(2026, 6, 16))
    outcome = assess(Records(visits=[minor], orders=[order]), TODAY, P)
    assert outcome.colour == "yellow"
    assert outcome.reason.code == "order_issued"
    assert outcome.guidance_code == "yellow_orders"


def test_a_first_minor_violation_corrected_on_site_is_never_above_yellow():
    first = visit(date(2026, 6, 1), 28, failed=14, lenient=14)
    outcome = assess(Records(visits=[first]), TODAY, P)
    assert (outcome.colour, outcome.reason.code) == ("yellow", "first_violation")


def test_the_first_violation_rule_looks_back_three_years():
    earlier = visit(date(2024, 6, 3), 2)
    again = visit(date(2026, 6, 1), 28, failed=14, lenient=14)
    assert colour(earlier, again) == "red"
    long_ago = visit(date(2023, 5, 2), 2)
    assert colour(long_ago, again) == "yellow"


def test_the_first_violation_rule_needs_every_failure_fixed_and_on_the_list():
    assert colour(visit(date(2026, 6, 1), 28, failed=14, lenient=13)) == "red"


def test_an_opened_case_and_a_verified_complaint_count_against_the_merchant():
    clean = visit(date(2026, 1, 5), 0)
    case = Case(uuid.uuid4(), date(2026, 3, 1))
    assert colour(clean, cases=[case]) == "red"
    complaint = Complaint(uuid.uuid4(), date(2026, 3, 1))
    outcome = assess(Records(visits=[clean], complaints=[complaint]), TODAY, P)
    assert (outcome.colour, outcome.reason.code) == ("yellow", "complaint_verified")


def test_absent_visits_are_left_out_by_the_loader_and_future_records_are_ignored():
    future = visit(TODAY + timedelta(days=3), 40)
    assert colour(future) == "green"


def test_an_override_holds_until_it_ends_and_is_marked_as_such():
    clean = visit(date(2026, 1, 5), 0)
    red = Override(uuid.uuid4(), "red", "食品安全专项整治", TODAY - timedelta(days=3), TODAY)
    outcome = assess(Records(visits=[clean], overrides=[red]), TODAY, P)
    assert (outcome.colour, outcome.computed, outcome.reason.code) == ("red", "green", "override")
    assert "食品安全专项整治" in outcome.reason.text(P)
    assert outcome.next_due == date(2026, 4, 5)  # a red merchant's interval from its last visit
    after = assess(Records(visits=[clean], overrides=[red]), TODAY + timedelta(days=1), P)
    assert after.colour == "green" and after.override is None


def test_a_worse_record_after_an_override_began_takes_effect_at_once():
    green = Override(
        uuid.uuid4(), "green", "数据录入错误已更正", date(2026, 11, 1), date(2026, 12, 31)
    )
    bad = visit(date(2026, 11, 20), 30)
    assert colour(bad, overrides=[green]) == "red"
    earlier_bad = visit(date(2026, 10, 20), 30)
    assert colour(earlier_bad, overrides=[green]) == "green"


def test_an_override_set_the_day_of_a_bad_record_corrects_it():
    """A wrong result today, corrected by a supervisor's override today: the override holds."""
    today_bad = visit(TODAY, 30)
    yellow = Override(
        uuid.uuid4(), "yellow", "检查结果录入有误，待复核", TODAY, TODAY + timedelta(days=7)
    )
    outcome = assess(Records(visits=[today_bad], overrides=[yellow]), TODAY, P)
    assert (outcome.colour, outcome.reason.code) == ("yellow", "override")
    tomorrow_bad = visit(TODAY + timedelta(days=1), 30)
    later = assess(
        Records(visits=[today_bad, tomorrow_bad], overrides=[yellow]), TODAY + timedelta(days=1), P
    )
    assert later.colour == "red" and later.override is None


@pytest.mark.parametrize(
    ("score", "due"), [(0, date(2028, 6, 1)), (16, date(2026, 12, 1)), (30, date(2026, 9, 1))]
)
def test_the_next_visit_falls_due_by_the_colour_interval(score: int, due: date):
    assert assess(Records(visits=[visit(date(2026, 6, 1), score)]), TODAY, P).next_due == due


def test_a_recheck_falls_due_seven_days_after_a_rectification_deadline():
    bad = visit(date(2026, 11, 2), 30, result="rectify")
    order = Order(uuid.uuid4(), bad.day, date(2026, 11, 17))
    outcome = assess(Records(visits=[bad], orders=[order]), TODAY, P)
    assert outcome.next_due == date(2026, 11, 24)


def test_a_rerating_request_is_due_within_three_months():
    adverse = visit(date(2026, 8, 3), 16)
    request = Rerating(uuid.uuid4(), date(2026, 9, 1))
    outcome = assess(Records(visits=[adverse], reratings=[request]), TODAY, P)
    assert outcome.next_due == date(2026, 12, 1)
    visited = assess(
        Records(visits=[adverse, visit(date(2026, 10, 8), 0)], reratings=[request]), TODAY, P
    )
    assert visited.next_due == date(2027, 4, 8)  # the visit answered the request


def test_every_transition_explains_itself_in_plain_chinese():
    bad = visit(date(2025, 1, 6), 30, key=True, key_open=1)
    outcome = assess(
        Records(visits=[bad, visit(date(2025, 4, 7), 0), visit(date(2026, 2, 2), 0)]), TODAY, P
    )
    texts = [step.reason.text(P) for step in outcome.transitions]
    assert [s.after for s in outcome.transitions] == ["red", "yellow", "green"]
    assert texts[0] == "2025-01-06 检查发现重点项不符合要求，未当场整改"
    assert "恢复绿码" in texts[2]
    assert outcome.guidance == "保持守法经营即可保持绿码"
