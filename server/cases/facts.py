"""The facts about a case that the who-may rules (server/auth/access.py) decide on: every unit
that held, sent or received it."""

from sqlmodel import Session, col, select

from server.auth.access import CaseFacts
from server.cases.models import CaseTransfer, EnforcementCase
from server.org.models import Team

__all__ = ["case_facts"]


def case_facts(session: Session, case: EnforcementCase) -> CaseFacts:
    teams = {case.holding_team_id}
    departments = {case.holding_department_id}
    for row in session.exec(select(CaseTransfer).where(CaseTransfer.case_id == case.id)):
        teams |= {row.from_team_id, row.to_team_id}
        departments |= {row.from_department_id, row.to_department_id}
    teams.discard(None)
    departments.discard(None)
    streets = set(
        session.exec(
            select(Team.street_id).where(col(Team.id).in_(teams), col(Team.street_id).is_not(None))
        )
    )
    return CaseFacts(frozenset(teams), frozenset(departments), frozenset(streets))  # type: ignore[arg-type]
