"""What the planning API and console read, each read one function: the streets a request may
plan, a street's day, the console's day, the 双随机 record and who is on leave. Route modules
call these and hold no queries of their own."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from server.auth.access import masked_cert, may_see_draw, street_scope
from server.core.errors import DomainError
from server.core.i18n import t
from server.core.principal import Principal
from server.org.models import Street, User
from server.planning.draws import draw_publication, verify_draws
from server.planning.models import Draw, DrawSeed, OfficerLeave
from server.planning.read import plan_document
from server.planning.schemas import DrawRead, DrawRecord, LeaveRead, PlanDocument, SeedRead
from server.planning.service import resolve_streets

__all__ = [
    "ConsoleDay",
    "OutOfReach",
    "console_day",
    "draw_record",
    "leave_on",
    "leave_read",
    "scoped_street",
    "seed_read",
    "street_plan",
]

# Draws of people: their pools hold [officer id, certificate number, …].
PEOPLE_DRAWS = ("teams", "specialists")
# The street the console opens on for a district supervisor who names none.
CONSOLE_STREET = "hubin"


class OutOfReach(DomainError):
    """404, as for something that is not there: another street's day, for a street's staff."""

    def __init__(self) -> None:
        super().__init__(t("error.not_found"), 404)


def scoped_street(session: Session, principal: Principal, street: str | None) -> str | None:
    """The street a request may plan: the one it names, or every street when none.

    A street's supervisor plans their own street only: naming none means theirs, and naming
    another answers 404, as for a plan that is not there. An unknown name stays refused."""
    own = street_scope(principal)
    if own is None:
        return street
    if not street:
        found = session.get(Street, own)
        if found is None:
            raise OutOfReach()
        return found.code
    if any(s.id != own for s in resolve_streets(session, street)):
        raise OutOfReach()
    return street


def street_plan(
    session: Session, day: date, street: str | None, *, published: bool = False
) -> PlanDocument:
    """The day's plan of the named street (code or name), or of every street."""
    ids = [s.id for s in resolve_streets(session, street)] if street else None
    return plan_document(session, day, street_ids=ids, published=published)


@dataclass(frozen=True)
class ConsoleDay:
    """The console's day: the streets the user may pick, the one shown, and its plan."""

    streets: list[Street]
    street: Street
    plan: PlanDocument


def console_day(session: Session, principal: Principal, day: date, street_code: str) -> ConsoleDay:
    """The named street's day (a street's supervisor: their own; another street is 404)."""
    streets = resolve_streets(session, None)
    own = street_scope(principal)
    if own is not None:
        if any(s.id != own and street_code in (s.code, s.name) for s in streets):
            raise OutOfReach()
        streets = [s for s in streets if s.id == own]
        if not streets:
            raise OutOfReach()
    wanted = street_code or ("" if own else CONSOLE_STREET)
    street = next((s for s in streets if s.code == wanted), streets[0])
    return ConsoleDay(streets, street, plan_document(session, day, street_ids=[street.id]))


def seed_read(seed: DrawSeed) -> SeedRead:
    return SeedRead(
        day=seed.day,
        seed=seed.seed,
        published_at=seed.published_at,
        published_by=seed.published_by,
    )


def _draw_read(draw: Draw, ok: bool, problems: tuple[str, ...]) -> DrawRead:
    pool = draw.pool
    if draw.kind in PEOPLE_DRAWS:  # [officer id, certificate number]: the number masked
        pool = [[member[0], masked_cert(member[1]), *member[2:]] for member in pool]
    return DrawRead(
        kind=draw.kind,
        scope=draw.scope,
        seq=draw.seq,
        pool=pool,
        pool_hash=draw.pool_hash,
        params=draw.params,
        result=draw.result,
        drawn_at=draw.drawn_at,
        verified=ok,
        problems=list(problems),
    )


def draw_record(session: Session, day: date, viewer: Principal | None) -> DrawRecord:
    """The day's seed and the draws `viewer` may see (server.auth.access.may_see_draw), each
    replayed from the published seed."""
    seed, checks = verify_draws(session, day)
    draws = session.exec(
        select(Draw).where(Draw.day == day).order_by(Draw.kind, Draw.scope, Draw.seq)
    )
    published = draw_publication(session, day)
    streets = {street.code: street.id for street in session.exec(select(Street))}
    return DrawRecord(
        date=day,
        seed=seed_read(seed) if seed else None,
        draws=[
            _draw_read(d, c.ok, c.problems)
            for d, c in zip(draws, checks, strict=True)
            if may_see_draw(
                viewer, streets.get(d.scope) if d.kind == "teams" else None, published(d)
            )
        ],
    )


def leave_on(session: Session, day: date, principal: Principal) -> list[LeaveRead]:
    """Officers on leave on `day` (a street's supervisor: their street's), by user name."""
    stmt = (
        select(OfficerLeave, User)
        .join(User, col(User.id) == OfficerLeave.user_id)
        .where(OfficerLeave.starts_on <= day, OfficerLeave.ends_on >= day)
        .order_by(User.username)
    )
    if (street := street_scope(principal)) is not None:
        stmt = stmt.where(User.street_id == street)
    return [leave_read(r, u) for r, u in session.exec(stmt)]


def leave_read(leave: OfficerLeave, user: User) -> LeaveRead:
    return LeaveRead(leave.id, user.id, user.username, leave.starts_on, leave.ends_on, leave.reason)
