"""Fixed-window rate limits counted in the database, shared by every app process."""

import hashlib
import hmac
import math
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.core.db import AsyncSession
from server.core.errors import DomainError
from server.core.i18n import t
from server.ratelimit.models import RateCounter

__all__ = ["Limit", "RateLimited", "hit", "keyed_hash"]

PURGE_CHANCE = 0.01  # now and then a hit also clears windows long past


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `seconds`."""

    count: int
    seconds: int


class RateLimited(DomainError):
    """Over the limit of `scope` (429); `retry_after` seconds until the window ends, in the
    answer's Retry-After. A page that says which limit stopped the sender catches it."""

    status = 429

    def __init__(self, retry_after: int, scope: str = "") -> None:
        minutes = max(1, (retry_after + 59) // 60)
        headers = {"Retry-After": str(retry_after)}
        super().__init__(t("error.throttled", minutes=minutes), headers=headers)
        self.retry_after = retry_after
        self.scope = scope


def keyed_hash(secret: str, value: str) -> str:
    """An HMAC of `value`, so client addresses are counted without being stored."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


async def hit(session: AsyncSession, scope: str, key: str, limit: Limit, now: datetime) -> None:
    """Count one hit of `key`; raises RateLimited when the window holds more than allowed.

    The hit is counted even when refused, so a flood keeps being refused until it stops.
    """
    epoch = now.timestamp()
    slot = int(epoch // limit.seconds)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(RateCounter)
        .values(scope=scope, key=key, slot=slot, hits=1)
        .on_conflict_do_update(
            index_elements=["scope", "key", "slot"],
            set_={"hits": RateCounter.hits + 1},
        )
        .returning(RateCounter.hits)
    )
    hits = (await session.exec(stmt)).scalar_one()
    if random.random() < PURGE_CHANCE:
        await session.exec(
            delete(RateCounter).where(RateCounter.scope == scope, RateCounter.slot < slot - 1)
        )
    if hits > limit.count:
        raise RateLimited(max(1, math.ceil((slot + 1) * limit.seconds - epoch)), scope)
