"""The solved day as versions: each street's routes (its locked ones kept), the visits no route
took with the reason in words, and the checks the frequency rules held back."""

import uuid
from collections import Counter, defaultdict

from server.core.i18n import t
from server.core.plan_settings import PlanningSettings
from server.planning.build import Prepared, StreetWork
from server.planning.follow_ups import FollowUpData
from server.planning.gather import Catalogue
from server.planning.merge import SkippedCheck, VisitDraft
from server.planning.partial import carried_random
from server.planning.routing import StreetSolution
from server.planning.staffing import Team
from server.planning.versions import RouteData, VersionData, VisitData

__all__ = ["assemble"]


def assemble(
    prepared: Prepared, solutions: list[StreetSolution], settings: PlanningSettings
) -> list[VersionData]:
    """The new version of each street's day from its solution (plus its locked routes)."""
    skipped = _skipped_by_street(prepared.merged.skipped)
    out = []
    for work, solution in zip(prepared.streets, solutions, strict=True):
        data = [_visit_data(v, work, settings) for v in work.visits]
        routes = list(work.locked) + [
            _route(work, index, team, solution, data, settings)
            for index, team in enumerate(work.teams)
        ]
        routes.sort(key=lambda r: r.number)
        reasons = {**work.blocked, **solution.unassigned}
        unassigned = []
        missing = prepared.missing.get(work.street.id, Counter())
        for n, code in sorted(reasons.items()):
            data[n].unassigned_code = code
            data[n].unassigned_reason = _reason(
                code, work.visits[n], work, prepared.catalogue, missing
            )
            unassigned.append(data[n])
        stats = {"skipped": skipped.get(work.street.id, []), "missing_officers": dict(missing)}
        version = VersionData(work.street.id, prepared.day, routes, unassigned, stats)
        version.follow_ups = _follow_ups(work, reasons, prepared.catalogue)
        out.append(version)
    return out


def _follow_ups(
    work: StreetWork, unplaced: dict[int, str], catalogue: Catalogue
) -> list[FollowUpData]:
    """What the street's day leaves for later: the departments its placed visits go without,
    and the random checks of visits no team took (everything else stays due by itself)."""
    found: list[FollowUpData] = []
    for n, visit in enumerate(work.visits):
        if n in unplaced:
            found += carried_random(visit, catalogue)
        else:
            found += work.held.get(n, [])
    return found


def _skipped_by_street(skipped: list[SkippedCheck]) -> dict[uuid.UUID, list[dict[str, str]]]:
    """The held-back checks as each street's version records them."""
    by_street: dict[uuid.UUID, list[dict[str, str]]] = defaultdict(list)
    for s in skipped:
        by_street[s.street_id].append(
            {"merchant_id": str(s.merchant_id), "department": s.department or "", "code": s.code}
        )
    return by_street


def _route(
    work: StreetWork,
    index: int,
    team: Team,
    solution: StreetSolution,
    data: list[VisitData],
    settings: PlanningSettings,
) -> RouteData:
    """Team `index`'s route as solved: its officers, its visits in order with their times."""
    visits = []
    for key, arrival in solution.routes[index]:
        data[key].eta_minute = settings.shift_start_minute + round(arrival / 60)
        visits.append(data[key])
    return RouteData(
        number=team.number,
        name=t("plan.team_name", street=work.street.name.removesuffix("街道"), number=team.number),
        officers=[(o.id, "member") for o in team.members]
        + [(o.id, "specialist") for o in team.specialists],
        visits=visits,
        start_minute=settings.shift_start_minute,
        end_minute=settings.shift_start_minute + round(solution.end_s[index] / 60),
        travel_seconds=solution.travel_s[index],
        service_seconds=solution.service_s[index],
    )


def _reason(
    code: str, visit: VisitDraft, work: StreetWork, catalogue: Catalogue, missing: Counter[str]
) -> str:
    names = "、".join(catalogue.departments[d].name for d in visit.needs)
    members = sum(len(team.members) for team in work.teams)
    absent = "、".join(t(f"plan.missing.{why}", count=n) for why, n in sorted(missing.items()) if n)
    return t(
        f"plan.unassigned.{code}",
        departments=names,
        count=members,
        missing=t("plan.missing", who=absent) if absent else "",
    )


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
