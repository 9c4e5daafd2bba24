"""双随机 draws anyone can replay: HMAC-SHA-256 ranks from a published seed over a pool snapshot.

A member's rank is HMAC-SHA-256(seed, scope|…|member); the lowest ranks are drawn. Nothing
depends on a language's random-number generator, so a citizen with the published seed, pool
and any SHA-256 tool gets the same result.
"""

import hashlib
import hmac
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "UNRECORDED_TEAM_SIZE",
    "allocate_specialists",
    "canonical_json",
    "draw_merchants",
    "draw_teams",
    "pool_hash",
    "replay",
]

# A teams draw whose parameters name no size drew pairs, as every draw did before the size
# (the policy's officers per visit) could be set: such draws record none, and still replay.
UNRECORDED_TEAM_SIZE = 2


def canonical_json(value: Any) -> bytes:
    """The one byte string a pool hashes to: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pool_hash(pool: Any) -> str:
    return hashlib.sha256(canonical_json(pool)).hexdigest()


def _rank(seed: str, *parts: str) -> str:
    return hmac.new(seed.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()


def _unit(seed: str, *parts: str) -> float:
    """A number in [0, 1) from the seed, for the fractional part of an expected count."""
    return int(_rank(seed, *parts)[:13], 16) / 16**13


def draw_merchants(
    seed: str,
    scope: str,
    pool: Sequence[Sequence[str]],
    shares: Mapping[str, float],
    days_per_year: int,
) -> list[str]:
    """Draw from `pool` ([merchant id, colour] pairs) a day's part of each colour's yearly share.

    The expected count n·share/days is drawn whole, plus one more with the probability of its
    fraction, so the yearly total matches the share without rounding every day up or down.
    """
    chosen: list[str] = []
    for colour in sorted(shares):
        members = sorted(m for m, c in pool if c == colour)
        expected = len(members) * shares[colour] / days_per_year
        count = math.floor(expected)
        if _unit(seed, scope, colour, "count") < expected - count:
            count += 1
        ranked = sorted(members, key=lambda m, c=colour: _rank(seed, scope, c, m))
        chosen.extend(ranked[: min(count, len(members))])
    return sorted(chosen)


def draw_teams(
    seed: str, scope: str, pool: Sequence[Sequence[str]], size: int = UNRECORDED_TEAM_SIZE
) -> list[list[str]]:
    """Group a street's available officers ([id, cert no]) at random, `size` to a team; those
    left over join the last team."""
    ranked = sorted((member[0] for member in pool), key=lambda u: _rank(seed, "teams", scope, u))
    teams = [ranked[i : i + size] for i in range(0, len(ranked) - size + 1, size)]
    if teams:
        teams[-1].extend(ranked[len(teams) * size :])
    return teams


def allocate_specialists(
    seed: str, scope: str, pool: Sequence[Sequence[str]], demand: Sequence[Sequence[Any]]
) -> list[list[Any]]:
    """Give a department's specialists, in random order, to the routes that need them most.

    `demand` lists [street code, route number, visits needing the department]; the result lists
    [officer id, street code, route number].
    """
    ranked = sorted((member[0] for member in pool), key=lambda u: _rank(seed, "spec", scope, u))
    slots = sorted(demand, key=lambda d: (-int(d[2]), str(d[0]), int(d[1])))
    return [[officer, slot[0], slot[1]] for officer, slot in zip(ranked, slots, strict=False)]


def replay(kind: str, seed: str, scope: str, pool: Any, params: Mapping[str, Any]) -> Any:
    """Recompute a recorded draw's result from its seed, pool and parameters."""
    if kind == "merchants":
        return draw_merchants(seed, scope, pool, params["shares"], params["days_per_year"])
    if kind == "teams":
        return draw_teams(seed, scope, pool, params.get("size", UNRECORDED_TEAM_SIZE))
    if kind == "specialists":
        return allocate_specialists(seed, scope, pool, params["demand"])
    raise ValueError(f"unknown draw kind {kind!r}")


def as_rows(values: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """JSON gives lists back; compare results as lists of lists."""
    return [list(v) for v in values]
