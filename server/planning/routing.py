"""Ordered routes per team with VROOM (pyvroom): travel times, service times, opening hours
as time windows, the shift as the limit; what does not fit is listed with the reason."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import vroom

from server.core.plan_settings import PlanningSettings

__all__ = [
    "CUT_FACTOR",
    "Stop",
    "StraightLineTravel",
    "StreetProblem",
    "StreetSolution",
    "solve_street",
]

# Visits beyond this multiple of what the teams can do in a shift are not offered to the
# solver: they cannot fit, and hundreds of hopeless jobs only slow the search down.
CUT_FACTOR = 1.5
# Routes may take a quarter more than their even share of the visits, so work stays balanced
# without making the solver drop visits it could otherwise fit.
BALANCE_SLACK = 1.25
EARTH_M = 6371008.8


class StraightLineTravel:
    """Travel seconds from straight-line distance × a detour factor at walking or e-bike speed.

    The seam for a road router: anything with `matrix(points) -> seconds` can replace it (an
    OSRM table request, for instance).
    """

    def __init__(self, settings: PlanningSettings) -> None:
        self.metres_per_second = settings.speed_kmh / 3.6
        self.detour = settings.detour_factor

    def matrix(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        lat = np.radians(np.array([p[0] for p in points]))
        lng = np.radians(np.array([p[1] for p in points]))
        dlat = lat[:, None] - lat[None, :]
        dlng = lng[:, None] - lng[None, :]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlng / 2) ** 2
        )
        metres = 2 * EARTH_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        return np.rint(metres * self.detour / self.metres_per_second).astype("uint32")


@dataclass(frozen=True)
class Stop:
    """A visit to place: where, how long, when the shop is open (seconds from shift start)."""

    key: int
    lat: float
    lng: float
    service_s: int
    windows: tuple[tuple[int, int], ...]
    allowed: frozenset[int] | None  # route indices that may take it; None: any
    priority: int
    rank: int = 0  # lower first when visits must be cut (most overdue, then planning order)
    band: int = 0  # its priority class's rank (0: most pressing); no stop of a higher band is
    # placed while one of a lower band is left out for want of time


@dataclass(frozen=True)
class StreetProblem:
    office: tuple[float, float]
    routes: int
    stops: tuple[Stop, ...]
    shift_s: int


@dataclass
class StreetSolution:
    """Per route: (stop key, arrival seconds) in order; per unplaced stop: why."""

    routes: list[list[tuple[int, int]]]
    unassigned: dict[int, str] = field(default_factory=dict)
    travel_s: list[int] = field(default_factory=list)
    service_s: list[int] = field(default_factory=list)
    end_s: list[int] = field(default_factory=list)


def _windows(stop: Stop, shift_s: int) -> list[tuple[int, int]]:
    """Start-of-service windows inside the shift: the visit must end before closing."""
    found = []
    for opens, closes in stop.windows:
        start, end = max(opens, 0), min(closes - stop.service_s, shift_s - stop.service_s)
        if start <= end:
            found.append((start, end))
    return found


def _alone_fits(stop: Stop, matrix: np.ndarray, index: int, shift_s: int) -> bool:
    """Whether a team could do this visit alone: out, wait for opening, serve, back in time."""
    out, back = int(matrix[0, index]), int(matrix[index, 0])
    for start, end in _windows(stop, shift_s):
        begin = max(out, start)
        if begin <= end and begin + stop.service_s + back <= shift_s:
            return True
    return False


def solve_street(
    problem: StreetProblem, settings: PlanningSettings, exploration: int | None = None
) -> StreetSolution:
    """Solve one street's day; routes are independent of other streets' (teams stay home)."""
    solution = StreetSolution(routes=[[] for _ in range(problem.routes)])
    solution.travel_s = [0] * problem.routes
    solution.service_s = [0] * problem.routes
    solution.end_s = [0] * problem.routes
    if not problem.stops:
        return solution
    points = [problem.office] + [(s.lat, s.lng) for s in problem.stops]
    matrix = StraightLineTravel(settings).matrix(points)
    offered: list[tuple[int, Stop]] = []
    for index, stop in enumerate(problem.stops, start=1):
        if problem.routes == 0:
            solution.unassigned[stop.key] = "no_team"
        elif not _windows(stop, problem.shift_s):
            solution.unassigned[stop.key] = "closed"
        elif not _alone_fits(stop, matrix, index, problem.shift_s):
            solution.unassigned[stop.key] = "too_far"
        else:
            offered.append((index, stop))
    if not offered:
        return solution
    # Offer each team at most CUT_FACTOR times what it can do, most pressing visits first, each
    # visit counted against the least-loaded team allowed to take it.
    mean_cost = sum(s.service_s + 300 for _, s in offered) / len(offered)
    budget = [CUT_FACTOR * max(1.0, problem.shift_s / mean_cost)] * problem.routes
    offered.sort(key=lambda o: (-o[1].priority, o[1].rank, o[1].key))
    kept = []
    for index, stop in offered:
        team = max(
            stop.allowed if stop.allowed is not None else range(problem.routes),
            key=lambda r: budget[r],
        )
        if budget[team] >= 1:
            budget[team] -= 1
            kept.append((index, stop))
        else:
            solution.unassigned[stop.key] = "capacity"
    cap = math.ceil(len(kept) / problem.routes * BALANCE_SLACK) + 1
    found = _run(problem, kept, matrix, settings, exploration, cap)
    if found.unassigned and any(len(r) >= cap for r in found.routes):
        relaxed = _run(problem, kept, matrix, settings, exploration, None)
        if len(relaxed.unassigned) < len(found.unassigned):
            found, cap = relaxed, None
    offered, found = _pressing_first(problem, kept, matrix, settings, exploration, cap, found)
    by_index = {index: stop for index, stop in kept}
    still = {index for index, _ in offered}
    for index in found.unassigned + [i for i in by_index if i not in still]:
        solution.unassigned[by_index[index].key] = "capacity"
    for route, steps in enumerate(found.routes):
        solution.routes[route] = [(by_index[i].key, arrival) for i, arrival in steps]
        solution.travel_s[route] = found.travel[route]
        solution.service_s[route] = sum(by_index[i].service_s for i, _ in steps)
        solution.end_s[route] = found.end[route]
    return solution


def _pressing_first(
    problem: StreetProblem,
    offered: list[tuple[int, Stop]],
    matrix: np.ndarray,
    settings: PlanningSettings,
    exploration: int | None,
    cap: int | None,
    found: "_Found",
) -> tuple[list[tuple[int, Stop]], "_Found"]:
    """VROOM maximises the sum of priorities, so several lesser visits can outweigh one more
    pressing visit. While a stop is left out and a stop of a less pressing band is placed,
    solve again without that band; keep the new solution when it places more of the bands
    above it. Returns the stops still offered and the solution."""
    while found.unassigned:
        bands = {i: stop.band for i, stop in offered}
        placed = [bands[i] for route in found.routes for i, _ in route]
        lowest = max(placed, default=-1)
        if min(bands[i] for i in found.unassigned) >= lowest:
            break
        fewer = [(i, stop) for i, stop in offered if stop.band < lowest]
        trial = _run(problem, fewer, matrix, settings, exploration, cap)
        if sum(1 for r in trial.routes for _ in r) <= sum(1 for b in placed if b < lowest):
            break
        offered, found = fewer, trial
    return offered, found


@dataclass
class _Found:
    """What one solve found, by matrix index: each route's (job, start) steps, the jobs left
    out, each route's travel and the moment it is back."""

    routes: list[list[tuple[int, int]]]
    unassigned: list[int]
    travel: list[int]
    end: list[int]


def _run(
    problem: StreetProblem,
    offered: list[tuple[int, Stop]],
    matrix: np.ndarray,
    settings: PlanningSettings,
    exploration: int | None,
    cap: int | None,
) -> _Found:
    """One VROOM solve; jobs are numbered by their matrix index (the office is 0)."""
    instance = vroom.Input()
    instance.set_durations_matrix("car", matrix)
    skills = _skills(offered)
    _add_vehicles(instance, problem, skills, cap)
    _add_jobs(instance, problem, offered, skills)
    result = instance.solve(
        exploration_level=exploration or settings.exploration, nb_threads=settings.threads
    ).to_dict()
    return _found(result, problem.routes)


def _skills(offered: list[tuple[int, Stop]]) -> dict[frozenset[int], int]:
    """A job allowed on some routes only (specialists, recusal, rotation) needs a skill that
    exactly those routes hold: one skill per distinct allowed set."""
    skills: dict[frozenset[int], int] = {}
    for _, stop in offered:
        if stop.allowed is not None and stop.allowed not in skills:
            skills[stop.allowed] = len(skills) + 1
    return skills


def _add_vehicles(
    instance: vroom.Input,
    problem: StreetProblem,
    skills: dict[frozenset[int], int],
    cap: int | None,
) -> None:
    """One vehicle per route, from the office and back within the shift, at most `cap` visits."""
    limit = {"max_tasks": cap} if cap is not None else {}
    for route in range(problem.routes):
        instance.add_vehicle(
            vroom.Vehicle(
                route,
                start=0,
                end=0,
                time_window=vroom.TimeWindow(0, problem.shift_s),
                skills={sid for allowed, sid in skills.items() if route in allowed},
                **limit,
            )
        )


def _add_jobs(
    instance: vroom.Input,
    problem: StreetProblem,
    offered: list[tuple[int, Stop]],
    skills: dict[frozenset[int], int],
) -> None:
    """One job per offered stop: its service time, the windows it may start in, its skill."""
    for index, stop in offered:
        instance.add_job(
            vroom.Job(
                index,
                location=index,
                default_service=stop.service_s,
                time_windows=[vroom.TimeWindow(a, b) for a, b in _windows(stop, problem.shift_s)],
                skills={skills[stop.allowed]} if stop.allowed is not None else set(),
                priority=stop.priority,
            )
        )


def _found(result: dict[str, Any], routes: int) -> _Found:
    """VROOM's answer read back per route."""
    found = _Found([[] for _ in range(routes)], [], [0] * routes, [0] * routes)
    for route in result["routes"]:
        vehicle = route["vehicle"]
        # The visit starts when the team arrives, or when the shop opens if it came early.
        found.routes[vehicle] = [
            (s["id"], s["arrival"] + s["waiting_time"])
            for s in route["steps"]
            if s["type"] == "job"
        ]
        found.travel[vehicle] = route["duration"]
        found.end[vehicle] = route["steps"][-1]["arrival"]
    found.unassigned = [u["id"] for u in result["unassigned"]]
    return found
