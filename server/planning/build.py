"""Build a day's plan for some streets: due list → merge → teams → routes → version data.

`prepare` reads (and records the draws) in the caller's session; `solve` is pure and CPU-bound,
so the web app can run it in a worker process; `assemble` turns the solutions into versions.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from server.core.i18n import t
from server.core.plan_settings import PlanningSettings
from server.org.models import Street
from server.planning.draws import random_checks
from server.planning.due import SOURCES, DueCheck
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
from server.planning.routing import Stop, StreetProblem, StreetSolution, solve_street
from server.planning.staffing import Team, allowed_teams, attach_specialists, form_teams
from server.planning.versions import RouteData, VersionData, VisitData
from server.policy.rules import Policy

__all__ = ["Prepared", "StreetWork", "assemble", "prepare", "solve"]


@dataclass
class StreetWork:
    """One street's day before and after solving."""

    street: Street
    teams: list[Team]
    visits: list[VisitDraft]
    blocked: dict[int, str]  # visit index → reason code, decided before routing
    problem: StreetProblem
    locked: list[RouteData] = field(default_factory=list)
    keys: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # merchant → visit key


@dataclass
class Prepared:
    day: date
    streets: list[StreetWork]
    merged: Merged
    catalogue: Catalogue


def _specialists(officers: list[Officer], catalogue: Catalogue) -> list[Officer]:
    specialised = {d.id for d in catalogue.departments.values() if d.specialised}
    return [o for o in officers if o.street_id is None and o.department_id in specialised]


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
    locked = locked or {}
    street_ids = [s.id for s in streets]
    checks: list[DueCheck] = []
    for source in SOURCES:
        checks += source(session, day, street_ids, policy)
    checks += random_checks(session, seed, policy, street_ids)
    kept = {v.merchant_id for routes in locked.values() for r in routes for v in r.visits}
    checks = [c for c in checks if c.merchant_id not in kept]
    catalogue = load_catalogue(session, day)
    merchant_ids = sorted({c.merchant_id for c in checks})
    merchants = load_merchants(session, merchant_ids)
    history = load_history(session, merchant_ids, day, policy)
    merged = merge(checks, merchants, catalogue, history, policy)
    conflicts = recusals(session, merchant_ids)
    windows = opening_windows(session, merchant_ids, day.weekday(), settings.default_opening)
    held = {u for routes in locked.values() for r in routes for u, _ in r.officers} | set(busy)
    officers = [o for o in available_officers(session, day) if o.id not in held]
    by_street: dict[uuid.UUID, list[VisitDraft]] = defaultdict(list)
    for visit in merged.visits:
        by_street[visit.merchant.street_id].append(visit)
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
    mean_items = sum(len(v.items) for v in merged.visits) / max(1, len(merged.visits))
    per_team = max(1, settings.shift_minutes // (settings.service_minutes(round(mean_items)) + 10))
    attach_specialists(
        session,
        seed,
        catalogue,
        teams,
        {s.code: by_street[s.id] for s in streets},
        _specialists(officers, catalogue),
        per_team,
    )
    work = []
    for street in streets:
        visits = sorted(by_street[street.id], key=lambda v: (-v.priority, v.merchant.uscc))
        stops, blocked = [], {}
        shift0, shift_end = (
            settings.shift_start_minute,
            settings.shift_start_minute + settings.shift_minutes,
        )
        for n, visit in enumerate(visits):
            hours = windows.get(visit.merchant.id, [])
            if not any(a < shift_end and b > shift0 for a, b in hours):
                blocked[n] = "closed"  # the most basic reason: nobody can go in today
                continue
            allowed, reason = allowed_teams(
                visit,
                teams[street.code],
                conflicts.get(visit.merchant.id, set()),
                history.last_officers.get(visit.merchant.id, frozenset()),
            )
            if reason:
                blocked[n] = reason
                continue
            service_s = settings.service_minutes(len(visit.items)) * 60
            stops.append(
                Stop(
                    key=n,
                    lat=visit.merchant.lat,
                    lng=visit.merchant.lng,
                    service_s=service_s,
                    windows=tuple(((a - shift0) * 60, (b - shift0) * 60) for a, b in hours),
                    allowed=allowed,
                    priority=visit.priority,
                    rank=n,
                )
            )
        problem = StreetProblem(
            (street.office_lat, street.office_lng),
            len(teams[street.code]),
            tuple(stops),
            settings.shift_minutes * 60,
        )
        work.append(
            StreetWork(
                street,
                teams[street.code],
                visits,
                blocked,
                problem,
                locked.get(street.id, []),
                (keys or {}).get(street.id, {}),
            )
        )
    return Prepared(day, work, merged, catalogue)


def solve(
    problems: list[StreetProblem], settings: PlanningSettings, exploration: int | None = None
) -> list[StreetSolution]:
    """Route every street (pure; safe to run in another process)."""
    return [solve_street(p, settings, exploration) for p in problems]


def _reason(code: str, visit: VisitDraft, work: StreetWork, catalogue: Catalogue) -> str:
    names = "、".join(catalogue.departments[d].name for d in visit.needs)
    members = sum(len(t.members) for t in work.teams)
    return t(f"plan.unassigned.{code}", departments=names, count=members)


def assemble(
    prepared: Prepared, solutions: list[StreetSolution], settings: PlanningSettings
) -> list[VersionData]:
    """The new version of each street's day from its solution (plus its locked routes)."""
    catalogue = prepared.catalogue
    skipped_by_street: dict[uuid.UUID, list[dict[str, str]]] = defaultdict(list)
    for s in prepared.merged.skipped:
        skipped_by_street[s.street_id].append(
            {"merchant_id": str(s.merchant_id), "department": s.department or "", "code": s.code}
        )
    out = []
    for work, solution in zip(prepared.streets, solutions, strict=True):
        data = [_visit_data(v, work, settings) for v in work.visits]
        routes = list(work.locked)
        for index, team in enumerate(work.teams):
            steps = solution.routes[index]
            visits = []
            for key, arrival in steps:
                data[key].eta_minute = settings.shift_start_minute + round(arrival / 60)
                visits.append(data[key])
            routes.append(
                RouteData(
                    number=team.number,
                    name=t(
                        "plan.team_name",
                        street=work.street.name.removesuffix("街道"),
                        number=team.number,
                    ),
                    officers=[(o.id, "member") for o in team.members]
                    + [(o.id, "specialist") for o in team.specialists],
                    visits=visits,
                    start_minute=settings.shift_start_minute,
                    end_minute=settings.shift_start_minute + round(solution.end_s[index] / 60),
                    travel_seconds=solution.travel_s[index],
                    service_seconds=solution.service_s[index],
                )
            )
        routes.sort(key=lambda r: r.number)
        reasons = {**work.blocked, **solution.unassigned}
        unassigned = []
        for n, code in sorted(reasons.items()):
            data[n].unassigned_code = code
            data[n].unassigned_reason = _reason(code, work.visits[n], work, catalogue)
            unassigned.append(data[n])
        out.append(
            VersionData(
                work.street.id,
                prepared.day,
                routes,
                unassigned,
                {"skipped": skipped_by_street.get(work.street.id, [])},
            )
        )
    return out


def _visit_data(visit: VisitDraft, work: StreetWork, settings: PlanningSettings) -> VisitData:
    return VisitData(
        key=work.keys.get(visit.merchant.id) or uuid.uuid4(),
        merchant_id=visit.merchant.id,
        service_minutes=settings.service_minutes(len(visit.items)),
        priority=visit.priority,
        reasons=visit.reasons,
        checks=visit.checks,
        needs=[str(d) for d in visit.needs],
        items=[(i.id, i.department_id) for i in visit.items],
    )
