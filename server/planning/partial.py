"""Partial joint visits: a visit goes ahead with what its team may check.

Items a street is not empowered for need an officer of their department on the team. When no
team of the day has every department a visit needs, the visit keeps the items the best-equipped
teams can check, and each department left out becomes a follow-up (server.planning.follow_ups),
owed on later days until someone checks it. A merchant is never left unvisited because one
department cannot come; only a visit with nothing left that any team may check stays out.
"""

import dataclasses
from collections.abc import Sequence

from server.planning.follow_ups import FollowUpData
from server.planning.gather import Catalogue
from server.planning.merge import VisitDraft, ordered_reasons
from server.planning.staffing import Team

__all__ = ["carried_random", "split_for_teams"]


def split_for_teams(
    visit: VisitDraft, teams: Sequence[Team], catalogue: Catalogue
) -> tuple[VisitDraft, list[FollowUpData]]:
    """The visit as the day's teams can make it, and the department checks it leaves."""
    needs = set(visit.needs)
    if not needs or not teams:
        return visit, []
    best = max((needs & t.departments for t in teams), key=len)
    missing = needs - best
    if not missing:
        return visit, []
    street = visit.merchant.street_id
    left = [
        i
        for i in visit.items
        if i.department_id in missing and not catalogue.empowered_to(i, street)
    ]
    kept = [i for i in visit.items if i not in left]
    if not kept:  # nothing any team may check: the visit stays out, for the reason it has
        return visit, []
    codes = {catalogue.departments[d].code: d for d in missing}
    follow_ups = [
        FollowUpData(
            visit.merchant.id,
            codes[check["department"]],
            "no_specialist",
            list(check["reasons"]),  # type: ignore[call-overload]
            [i.id for i in left if i.department_id == codes[check["department"]]],
        )
        for check in visit.checks
        if check["department"] in codes
    ]
    still = {catalogue.departments[i.department_id].code for i in kept}
    checks = [c for c in visit.checks if c["department"] in still]
    partial = dataclasses.replace(
        visit,
        items=kept,
        checks=checks,
        reasons=ordered_reasons(r for c in checks for r in c["reasons"]),  # type: ignore[attr-defined]
        needs=[d for d in visit.needs if d in best],
    )
    return partial, follow_ups


def carried_random(visit: VisitDraft, catalogue: Catalogue) -> list[FollowUpData]:
    """An unplaced visit's random checks, which no source would bring back tomorrow (every
    other reason stays due by itself: the colour's date, the open complaint or order)."""
    ids = {catalogue.departments[i.department_id].code: i.department_id for i in visit.items}
    return [
        FollowUpData(
            visit.merchant.id,
            ids[check["department"]],
            "carried",
            ["random"],
            [i.id for i in visit.items if i.department_id == ids[check["department"]]],
        )
        for check in visit.checks
        if check["reasons"] == ["random"] and check["department"] in ids
    ]
