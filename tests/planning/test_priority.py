"""When the teams cannot do every due visit, the most pressing ones go first.

The policy's order: complaints, re-checks past their window, overdue red, due red, …, random
draws, green. Age raises a visit within its class, never above a better class; and the solver
never places a less pressing visit while a more pressing one is left out for want of time.
"""

import random
import uuid

from server.core.plan_settings import PlanningSettings
from server.planning.due import DueCheck
from server.planning.priority import band_of, capped, check_class, priority
from server.planning.routing import Stop, StreetProblem, solve_street
from server.policy.rules import DEFAULT_POLICY, Policy

M = uuid.UUID(int=1)


def due(reason: str, late: int = 0) -> DueCheck:
    return DueCheck(M, reason, overdue_days=late)


def test_the_policys_order_ranks_visits_and_age_never_jumps_a_class():
    ladder = [
        due("complaint"),
        due("reinspection", late=3),
        due("due:red", late=1),
        due("due:red"),
        due("reinspection"),
        due("rerating"),
        due("due:yellow", late=40),
        due("due:yellow"),
        due("random"),
        due("due:green", late=9),
        due("due:green"),
    ]
    assert [check_class(c) for c in ladder] == list(DEFAULT_POLICY.priority_order)
    values = [priority([c], DEFAULT_POLICY) for c in ladder]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert all(0 < v <= 100 for v in values)
    # A red visit a year overdue still ranks below a fresh complaint, above a fresh red one.
    ancient = priority([due("due:red", late=365)], DEFAULT_POLICY)
    assert priority([due("due:red", late=1)], DEFAULT_POLICY) < ancient < values[0]
    assert band_of(ancient, DEFAULT_POLICY) == 2
    # A visit ranks as its most pressing check.
    assert priority([due("random"), due("complaint")], DEFAULT_POLICY) == values[0]


def test_a_district_may_put_yellow_before_red_and_the_ranks_follow():
    order = list(DEFAULT_POLICY.priority_order)
    order.remove("yellow")
    order.insert(0, "yellow")
    policy = Policy(priority_order=tuple(order))
    assert priority([due("due:yellow")], policy) > priority([due("complaint")], policy)


def test_the_caps_restrict_random_checks_only_unless_the_policy_says_otherwise():
    assert capped(due("random"), DEFAULT_POLICY)
    for reason in ("due:red", "due:yellow", "due:green", "complaint", "reinspection", "rerating"):
        assert not capped(due(reason), DEFAULT_POLICY)
    strict = Policy(capped=("random", "green"))
    assert capped(due("due:green"), strict) and not capped(due("due:red"), strict)


def stops(rng: random.Random, n: int, band: int, service_s: int, first_key: int) -> list[Stop]:
    return [
        Stop(
            key=first_key + k,
            lat=30.25 + rng.uniform(-0.01, 0.01),
            lng=120.17 + rng.uniform(-0.01, 0.01),
            service_s=service_s,
            windows=((0, 8 * 3600),),
            allowed=None,
            priority=100 - band * 9,
            band=band,
        )
        for k in range(n)
    ]


def test_no_less_pressing_visit_is_placed_while_a_more_pressing_one_is_left_out():
    # One team, a four-hour shift: long overdue-red visits and many short random ones. The sum
    # of priorities alone would favour the many short ones.
    rng = random.Random(3)
    red = stops(rng, 6, band=2, service_s=55 * 60, first_key=0)
    draws = stops(rng, 30, band=8, service_s=10 * 60, first_key=100)
    problem = StreetProblem((30.25, 120.17), 1, tuple(red + draws), 4 * 3600)
    solution = solve_street(problem, PlanningSettings(exploration=1, threads=1))
    placed = {key for route in solution.routes for key, _ in route}
    left_red = [s.key for s in red if s.key not in placed]
    placed_draws = [s.key for s in draws if s.key in placed]
    assert placed & {s.key for s in red}, "red visits are routed"
    assert not (left_red and placed_draws), (left_red, placed_draws)
    assert {solution.unassigned[k] for k in left_red} <= {"capacity"}
    # Every stop is either placed or listed with its reason.
    assert placed | set(solution.unassigned) == {s.key for s in problem.stops}
