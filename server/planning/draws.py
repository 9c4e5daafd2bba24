"""Recorded 双随机 draws: publish the day's seed, draw and record, verify by replaying."""

import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from server.audit.service import record
from server.catalog.models import CheckItem, Matter, ScenarioItem
from server.core.errors import DomainError
from server.core.i18n import t
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Department, Street
from server.planning.draw import as_rows, draw_merchants, pool_hash, replay
from server.planning.due import DueCheck
from server.planning.models import Draw, DrawSeed, Plan
from server.policy.rules import Policy

__all__ = [
    "DrawCheck",
    "SeedAlreadyPublished",
    "draw_publication",
    "publish_seed",
    "published_seed",
    "random_checks",
    "recorded_draw",
    "verify_draws",
]


class SeedAlreadyPublished(DomainError):
    """A day's seed is published once and never changed (409)."""

    status = 409

    def __init__(self, day: date) -> None:
        super().__init__(t("plan.seed_published", day=day.isoformat()))
        self.day = day


def published_seed(session: Session, day: date) -> DrawSeed | None:
    return session.get(DrawSeed, day)


def publish_seed(
    session: Session, day: date, *, seed: str | None = None, actor: str = "system"
) -> DrawSeed:
    """Publish the day's seed (fresh 256 bits unless given); refuse to change a published one."""
    existing = published_seed(session, day)
    if existing is not None:
        if seed is not None and seed != existing.seed:
            raise SeedAlreadyPublished(day)
        return existing
    row = DrawSeed(day=day, seed=seed or secrets.token_hex(32), published_by=actor)
    session.add(row)
    session.flush()
    record(
        session,
        action="draw.seed",
        entity="draw_seed",
        entity_id=day,
        actor=actor,
        detail={"seed": row.seed},
    )
    return row


def recorded_draw(
    session: Session,
    seed: DrawSeed,
    kind: str,
    scope: str,
    pool: list[Any],
    params: dict[str, Any],
    result_of: Any,
    *,
    reuse_any: bool = False,
) -> Draw:
    """The latest recorded draw of this scope if its pool and parameters are unchanged (or
    `reuse_any`), else a new draw computed by `result_of(seed, scope, pool)` and recorded."""
    latest = session.exec(
        select(Draw)
        .where(Draw.day == seed.day, Draw.kind == kind, Draw.scope == scope)
        .order_by(col(Draw.seq).desc())
    ).first()
    digest = pool_hash(pool)
    if latest is not None and (
        reuse_any or (latest.pool_hash == digest and latest.params == params)
    ):
        return latest
    draw = Draw(
        day=seed.day,
        kind=kind,
        scope=scope,
        seq=(latest.seq + 1) if latest else 1,
        pool=pool,
        pool_hash=digest,
        params=params,
        result=result_of(seed.seed, scope, pool),
    )
    session.add(draw)
    session.flush()
    return draw


def _merchant_pools(session: Session) -> dict[uuid.UUID, list[list[str]]]:
    """Per department: every active merchant whose scenarios carry its items, with colour."""
    rows = session.exec(
        select(Matter.department_id, Merchant.id, Merchant.colour)
        .join(MerchantScenario, col(MerchantScenario.merchant_id) == Merchant.id)
        .join(ScenarioItem, col(ScenarioItem.scenario_id) == MerchantScenario.scenario_id)
        .join(CheckItem, col(CheckItem.id) == ScenarioItem.check_item_id)
        .join(Matter, col(Matter.id) == CheckItem.matter_id)
        .where(col(Merchant.active).is_(True))
        .distinct()
    )
    pools: dict[uuid.UUID, list[list[str]]] = defaultdict(list)
    for department_id, merchant_id, colour in rows:
        pools[department_id].append([str(merchant_id), colour])
    return {d: sorted(p) for d, p in pools.items()}


def random_checks(
    session: Session, seed: DrawSeed, policy: Policy, street_ids: Sequence[uuid.UUID]
) -> list[DueCheck]:
    """Each department's sampling draw for the day (drawn once, district-wide), as due checks
    for the merchants of `street_ids`."""
    departments = {d.id: d.code for d in session.exec(select(Department))}
    drawn = set(
        session.exec(select(Draw.scope).where(Draw.day == seed.day, Draw.kind == "merchants")).all()
    )
    pools = {} if drawn >= set(departments.values()) else _merchant_pools(session)
    params = {"shares": dict(policy.sampling_share), "days_per_year": policy.sampling_days_per_year}
    chosen: list[tuple[uuid.UUID, uuid.UUID]] = []
    for department_id, code in sorted(departments.items(), key=lambda d: d[1]):
        draw = recorded_draw(
            session,
            seed,
            "merchants",
            code,
            pools.get(department_id, []),
            params,
            lambda s, scope, pool: draw_merchants(
                s, scope, pool, params["shares"], params["days_per_year"]
            ),
            reuse_any=True,  # one sampling draw per department and day, whatever re-planning
        )
        chosen.extend((uuid.UUID(m), department_id) for m in draw.result)
    wanted = set(street_ids)
    streets = dict(
        session.exec(
            select(Merchant.id, Merchant.street_id).where(
                col(Merchant.id).in_([m for m, _ in chosen] or [uuid.uuid4()])
            )
        ).all()
    )
    return [
        DueCheck(m, "random", department_id)
        for m, department_id in chosen
        if streets.get(m) in wanted
    ]


@dataclass(frozen=True)
class DrawCheck:
    """One recorded draw's verification."""

    kind: str
    scope: str
    seq: int
    ok: bool
    problems: tuple[str, ...]


def verify_draws(session: Session, day: date) -> tuple[DrawSeed | None, list[DrawCheck]]:
    """Replay every draw of the day from its published seed and recorded pool."""
    seed = published_seed(session, day)
    checks = []
    draws = session.exec(
        select(Draw).where(Draw.day == day).order_by(Draw.kind, Draw.scope, Draw.seq)
    ).all()
    for draw in draws:
        problems = []
        if seed is None:
            problems.append("no published seed")
        else:
            if draw.drawn_at < seed.published_at:
                problems.append("drawn before its seed was published")
            if pool_hash(draw.pool) != draw.pool_hash:
                problems.append("pool differs from its recorded hash")
            expected = replay(draw.kind, seed.seed, draw.scope, draw.pool, draw.params)
            if _normal(expected) != _normal(draw.result):
                problems.append("result differs from the replay")
        checks.append(DrawCheck(draw.kind, draw.scope, draw.seq, not problems, tuple(problems)))
    return seed, checks


def _normal(result: Any) -> Any:
    if result and isinstance(result[0], list | tuple):
        return as_rows(result)
    return list(result)


def draw_publication(session: Session, day: date) -> Callable[[Draw], bool]:
    """Whether each of the day's draws is published: a street's team draw once a version of
    that street's plan was published after it was drawn; a district-wide draw (the sampling,
    the specialists) once every street planning that day has published after it."""
    rows = session.exec(
        select(Street.code, Plan.status, Plan.published_at)
        .join(Street, col(Street.id) == Plan.street_id)
        .where(Plan.day == day)
    )
    planned: set[str] = set()
    published: dict[str, datetime] = {}
    for code, status, at in rows:
        planned.add(code)
        if status == "published" and at is not None:
            published[code] = max(published.get(code, at), at)

    def public(draw: Draw) -> bool:
        drawn = draw.drawn_at
        scopes = {draw.scope} if draw.kind == "teams" else planned
        return bool(scopes) and all(c in published and published[c] >= drawn for c in scopes)

    return public
