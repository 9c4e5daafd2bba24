"""Build a day's missing or stale packets off the request path, once a change has committed."""

import logging
from datetime import date

from litestar.datastructures import State

from server.packets.store import warm_packets

__all__ = ["warm_day"]

log = logging.getLogger(__name__)


async def warm_day(state: State, day: date) -> None:
    """Run after a plan change is answered: the phones' first download finds its packet built.
    A failure only costs that download the build."""
    try:
        async with state.db_sessionmaker() as session:
            built = await session.run_sync(lambda s: warm_packets(s, day, policy=state.policy))
        log.info("day packets of %s built: %d", day.isoformat(), built)
    except Exception:
        log.exception("day packets of %s not built ahead", day.isoformat())
