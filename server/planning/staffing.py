"""Teams for the day: street officers paired at random, specialists where items need them, and
which teams may take each visit (recusal, rotation of pairs)."""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from server.planning.draw import UNRECORDED_TEAM_SIZE, allocate_specialists, draw_teams
from server.planning.draws import recorded_draw
from server.planning.gather import Catalogue, Officer
from server.planning.merge import VisitDraft
from server.planning.models import DrawSeed

__all__ = ["Team", "allowed_teams", "attach_specialists", "form_teams"]


@dataclass
class Team:
    """A day's team: at least two certified street officers, plus any specialists."""

    number: int
    members: list[Officer]
    specialists: list[Officer] = field(default_factory=list)

    @property
    def officer_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(o.id for o in (*self.members, *self.specialists))

    @property
    def departments(self) -> set[uuid.UUID]:
        """The departments whose items the team may check beyond what its street is empowered
        for: those of its members and of the specialists joining it."""
        return {o.department_id for o in (*self.members, *self.specialists) if o.department_id}


def _pool(officers: Sequence[Officer]) -> list[list[str]]:
    return sorted([str(o.id), o.cert_no] for o in officers)


def form_teams(
    session: Session,
    seed: DrawSeed,
    street_code: str,
    officers: Sequence[Officer],
    taken_numbers: set[int],
    size: int,
) -> list[Team]:
    """Group the street's available officers, `size` to a team (the policy's officers per
    visit), by a recorded draw; numbers skip locked routes'. Pairs record no parameter, as
    draws did before the size could be set, so that those still replay."""
    params = {} if size == UNRECORDED_TEAM_SIZE else {"size": size}
    draw = recorded_draw(
        session,
        seed,
        "teams",
        street_code,
        _pool(officers),
        params,
        lambda s, scope, pool: draw_teams(s, scope, pool, size),
    )
    by_id = {str(o.id): o for o in officers}
    numbers = (n for n in range(1, 1000) if n not in taken_numbers)
    return [Team(next(numbers), [by_id[i] for i in members]) for members in draw.result]


def attach_specialists(
    session: Session,
    seed: DrawSeed,
    catalogue: Catalogue,
    teams: dict[str, list[Team]],
    visits: dict[str, list[VisitDraft]],
    specialists: Sequence[Officer],
    visits_per_team: int,
) -> None:
    """Give each department's district officers to the teams whose streets have the most
    visits needing them (items of the department the street is not empowered for), one team
    each, by a recorded draw. A street whose own officers are of that department needs none."""
    departments = sorted(catalogue.departments.values(), key=lambda d: d.code)
    for n, department in enumerate(departments):
        demand = []
        for street in sorted(teams):
            street_teams = teams[street]
            need = sum(1 for v in visits.get(street, ()) if department.id in v.needs)
            if not need or not street_teams or _members_of(street_teams, department.id):
                continue
            # Spread departments over different teams, so no team carries every specialist.
            for j in range(min(len(street_teams), math.ceil(need / visits_per_team))):
                team = street_teams[(n + j) % len(street_teams)]
                demand.append([street, team.number, need - j * visits_per_team])
        pool = _pool([o for o in specialists if o.department_id == department.id])
        if not demand or not pool:
            continue
        draw = recorded_draw(
            session,
            seed,
            "specialists",
            department.code,
            pool,
            {"demand": demand},
            lambda s, scope, p, d=demand: allocate_specialists(s, scope, p, d),
        )
        by_id = {str(o.id): o for o in specialists}
        for officer_id, street, number in draw.result:
            team = next(t for t in teams[street] if t.number == number)
            team.specialists.append(by_id[officer_id])


def _members_of(teams: Sequence[Team], department_id: uuid.UUID) -> bool:
    return any(o.department_id == department_id for t in teams for o in t.members)


def allowed_teams(
    visit: VisitDraft,
    teams: Sequence[Team],
    recused: set[uuid.UUID],
    last_pair: frozenset[uuid.UUID],
) -> tuple[frozenset[int] | None, str | None]:
    """Indices of the teams that may take the visit (None: all), or the reason none may.

    Needed specialists and recusal are hard rules; not sending the merchant's last pair again
    yields when no other team qualifies.
    """
    if not teams:
        return None, "no_team"
    able = [i for i, t in enumerate(teams) if set(visit.needs) <= t.departments]
    if not able:
        return None, "no_specialist"
    clear = [i for i in able if not teams[i].officer_ids & recused]
    if not clear:
        return None, "recusal"
    rotated = [i for i in clear if not (len(last_pair) >= 2 and last_pair <= teams[i].officer_ids)]
    chosen = rotated or clear
    return (None if len(chosen) == len(teams) else frozenset(chosen)), None
