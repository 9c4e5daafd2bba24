"""Build a day's plan for some streets: due list → merge → teams → routes → version data.

`prepare` reads (and records the draws) in the caller's session; `solve` is pure and CPU-bound,
so the web app can run it in a worker process; `assemble` (server.planning.assemble) turns the
solutions into versions.
"""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from server.core.plan_settings import PlanningSettings
from server.org.models import Street
from server.planning.draws import random_checks
from server.planning.due import SOURCES, DueCheck
from server.planning.follow_ups import FollowUpData, follow_ups_owed
from server.planning.gather import (
    Catalogue,
    Officer,
    available_officers,
    load_catalogue,
    load_merchants,
    opening_windows,
    recusals,
)
from server.planning.history import load_history
from server.planning.merge import Merged, VisitDraft, merge
from server.planning.models import DrawSeed
from server.planning.partial import split_for_teams
from server.planning.routing import Stop, StreetProblem, StreetSolution, solve_street
from server.planning.staffing import Team, allowed_teams, attach_specialists, form_teams
from server.planning.versions import RouteData
from server.policy.rules import Policy

__all__ = ["Prepared", "StreetWork", "prepare", "solve"]

# A visit's share of a team's travel, in minutes: with its time on site, how many visits a team
# is reckoned to do in a shift when specialists are shared out among the teams.
TRAVEL_MINUTES_PER_VISIT = 10


@dataclass
class StreetWork:
    """One street's day before and after solving."""

    street: Street
    teams: list[Team]
    visits: list[VisitDraft]
    blocked: dict[int, str]  # visit index → reason code, decided before routing
    problem: StreetProblem
    held: dict[int, list[FollowUpData]] = field(default_factory=dict)  # left for another day
    locked: list[RouteData] = field(default_factory=list)
    keys: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # merchant → visit key


@dataclass
class Prepared:
    day: date
    streets: list[StreetWork]
    merged: Merged
    catalogue: Catalogue
    # per street, the inspectors who cannot go that day and why (inactive, no_certificate,
    # on_leave): what a supervisor reads when a street is short of teams
    missing: dict[uuid.UUID | None, Counter[str]] = field(default_factory=dict)


def _specialists(officers: list[Officer]) -> list[Officer]:
    """The district's department officers (no street): they join street teams for the items
    a street is not empowered to check."""
    return [o for o in officers if o.street_id is None and o.department_id is not None]


@dataclass(frozen=True)
class _Limits:
    """What limits when a merchant can be visited and by whom."""

    windows: dict[uuid.UUID, list[tuple[int, int]]]  # opening periods that day
    conflicts: dict[uuid.UUID, set[uuid.UUID]]  # officers recused
    last_officers: dict[uuid.UUID, frozenset[uuid.UUID]]  # who went last time


def prepare(
    session: Session,
    day: date,
    streets: list[Street],
    seed: DrawSeed,
    settings: PlanningSettings,
    policy: Policy,
    *,
    locked: dict[uuid.UUID, list[RouteData]] | None = None,
    busy: set[uuid.UUID] = frozenset(),  # type: ignore[assignment]
    keys: dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]] | None = None,
) -> Prepared:
    """Everything the solver needs; `locked` routes stay as they are and keep their people and
    merchants, `busy` officers are on other streets' routes that day."""
    locked, keys = locked or {}, keys or {}
    checks = _due_checks(session, day, streets, seed, policy, locked)
    catalogue = load_catalogue(session, day)
    merchant_ids = sorted({c.merchant_id for c in checks})
    merchants = load_merchants(session, merchant_ids)
    history = load_history(session, merchant_ids, day, policy)
    merged = merge(checks, merchants, catalogue, history, policy)
    limits = _Limits(
        opening_windows(session, merchant_ids, day.weekday(), settings.default_opening),
        recusals(session, merchant_ids),
        history.last_officers,
    )
    held = {u for routes in locked.values() for r in routes for u, _ in r.officers} | set(busy)
    missing: dict[uuid.UUID | None, Counter[str]] = {}
    officers = [o for o in available_officers(session, day, missing) if o.id not in held]
    by_street: dict[uuid.UUID, list[VisitDraft]] = defaultdict(list)
    for visit in merged.visits:
        by_street[visit.merchant.street_id].append(visit)
    teams = _staff(session, seed, streets, officers, locked, by_street, catalogue, settings, policy)
    work = [
        _street_work(
            street,
            teams[street.code],
            by_street[street.id],
            limits,
            settings,
            locked.get(street.id, []),
            keys.get(street.id, {}),
            catalogue,
        )
        for street in streets
    ]
    return Prepared(day, work, merged, catalogue, missing)


def _due_checks(
    session: Session,
    day: date,
    streets: list[Street],
    seed: DrawSeed,
    policy: Policy,
    locked: dict[uuid.UUID, list[RouteData]],
) -> list[DueCheck]:
    """Every department check due that day (the sampling draw recorded), but at merchants that
    locked routes already visit."""
    street_ids = [s.id for s in streets]
    checks: list[DueCheck] = []
    for source in SOURCES:
        checks += source(session, day, street_ids, policy)
    checks += random_checks(session, seed, policy, street_ids)
    checks += follow_ups_owed(session, day, street_ids, policy)
    kept = {v.merchant_id for routes in locked.values() for r in routes for v in r.visits}
    return [c for c in checks if c.merchant_id not in kept]


def _staff(
    session: Session,
    seed: DrawSeed,
    streets: list[Street],
    officers: list[Officer],
    locked: dict[uuid.UUID, list[RouteData]],
    visits: dict[uuid.UUID, list[VisitDraft]],
    catalogue: Catalogue,
    settings: PlanningSettings,
    policy: Policy,
) -> dict[str, list[Team]]:
    """Each street's teams, drawn from its free officers (numbers skip its locked routes'), and
    the specialists joining them, all by recorded draws."""
    teams = {
        s.code: form_teams(
            session,
            seed,
            s.code,
            [o for o in officers if o.street_id == s.id],
            {r.number for r in locked.get(s.id, [])},
            policy.officers_per_visit,
        )
        for s in streets
    }
    drafts = [v for street_visits in visits.values() for v in street_visits]
    mean_items = sum(len(v.items) for v in drafts) / max(1, len(drafts))
    visit_minutes = settings.service_minutes(round(mean_items)) + TRAVEL_MINUTES_PER_VISIT
    per_team = max(1, settings.shift_minutes // visit_minutes)
    attach_specialists(
        session,
        seed,
        catalogue,
        teams,
        {s.code: visits[s.id] for s in streets},
        _specialists(officers),
        per_team,
    )
    return teams


def _street_work(
    street: Street,
    teams: list[Team],
    drafts: list[VisitDraft],
    limits: _Limits,
    settings: PlanningSettings,
    locked: list[RouteData],
    keys: dict[uuid.UUID, uuid.UUID],
    catalogue: Catalogue,
) -> StreetWork:
    """The street's routing problem: its visits most pressing first, each a stop for the teams
    allowed to take it (cut to what the day's teams may check), or blocked with the reason
    none can."""
    visits = sorted(drafts, key=lambda v: (-v.priority, v.merchant.uscc))
    stops, blocked, held = [], {}, {}
    for n, visit in enumerate(visits):
        visits[n], left = split_for_teams(visit, teams, catalogue)
        if left:
            held[n] = left
        stop = _stop(n, visits[n], teams, limits, settings)
        if isinstance(stop, Stop):
            stops.append(stop)
        else:
            blocked[n] = stop
    problem = StreetProblem(
        (street.office_lat, street.office_lng),
        len(teams),
        tuple(stops),
        settings.shift_minutes * 60,
    )
    return StreetWork(street, teams, visits, blocked, problem, held, locked, keys)


def _stop(
    n: int, visit: VisitDraft, teams: list[Team], limits: _Limits, settings: PlanningSettings
) -> Stop | str:
    """The visit as a stop to route, or why no team can take it that day."""
    shift0 = settings.shift_start_minute
    shift_end = shift0 + settings.shift_minutes
    hours = limits.windows.get(visit.merchant.id, [])
    if not any(a < shift_end and b > shift0 for a, b in hours):
        return "closed"  # the most basic reason: nobody can go in today
    allowed, reason = allowed_teams(
        visit,
        teams,
        limits.conflicts.get(visit.merchant.id, set()),
        limits.last_officers.get(visit.merchant.id, frozenset()),
    )
    if reason:
        return reason
    return Stop(
        key=n,
        lat=visit.merchant.lat,
        lng=visit.merchant.lng,
        service_s=settings.service_minutes(len(visit.items)) * 60,
        windows=tuple(((a - shift0) * 60, (b - shift0) * 60) for a, b in hours),
        allowed=allowed,
        priority=visit.priority,
        band=visit.band,
        rank=n,
    )


def solve(
    problems: list[StreetProblem], settings: PlanningSettings, exploration: int | None = None
) -> list[StreetSolution]:
    """Route every street (pure; safe to run in another process)."""
    return [solve_street(p, settings, exploration) for p in problems]
