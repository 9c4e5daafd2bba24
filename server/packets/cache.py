"""The morning download's reads, kept in memory: each officer's route of the day, and each
route's kept packet.

On PostgreSQL the day cache follows the change feed (server.core.changefeed): it loads today's
and tomorrow's routes and every kept packet from yesterday on when the feed connects, forgets a
day's routes on `plan:<day>` (a plan of that day written) and reads them again, and reads a
route's packet again on `packet:<route id>` (a packet built, or marked stale by the triggers of
server/migrations/packet_triggers.py). A day's routes are kept whole: an officer missing from a
kept day has no route that day. On SQLite nothing is kept.

`known()` answers from memory only (the fast lane, server/fastlane.py); `route()` and `packet()`
ask memory first and the database after (the download's handler): one path either way.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from server.core.changefeed import ChangeFeed
from server.core.clock import local_today
from server.core.replica import MISSING, Mark, Replica
from server.core.sql import RawReader, as_uuid
from server.packets.day import empty_packet
from server.packets.newest import day_routes, officer_route
from server.packets.store import Packet, encode, keeps

__all__ = ["DayCache", "KeptPacket"]

# Kept packets that are current (built at the generation they show), from a day on.
_FRESH = """
SELECT route_id, etag, body FROM day_packet
WHERE day >= {p} AND body IS NOT NULL AND built_gen = gen
"""
_FRESH_ONE = _FRESH + " AND route_id = {p}"


class KeptPacket(NamedTuple):
    """A row of _FRESH."""

    route_id: Any
    etag: str
    body: bytes

    def packet(self) -> Packet:
        return Packet(self.etag, bytes(self.body))


@dataclass(frozen=True)
class _Day:
    routes: dict[uuid.UUID, uuid.UUID]  # officer -> route; an officer not here has none
    loaded_at: float  # monotonic


class DayCache:
    """Routes by day and packets by route (a change feed follower)."""

    kinds = ("plan", "packet")

    def __init__(self, feed: ChangeFeed, reader: RawReader) -> None:
        self._feed = feed
        self._reader = reader
        self._days: dict[date, _Day] = {}
        self._day_gen: dict[date, int] = {}  # bumped by each change of a day: loads void
        self._epoch = 0  # bumped when every day is forgotten
        self._packets = Replica(max_age=feed.max_age, on_expire=self._packet_expired)

    # -- reads ----------------------------------------------------------------------------

    def known(self, user_id: uuid.UUID, day: date) -> Packet | None:
        """The officer's packet of the day from memory (the empty day's when they have no
        route), or None when memory does not know."""
        route = self.known_route(user_id, day)
        if route is None:
            return encode(empty_packet(day))
        if route is MISSING or not keeps(day):
            return None
        return self.known_packet(route)

    def known_route(self, user_id: uuid.UUID, day: date) -> Any:
        """The officer's route id that day, None for no route, MISSING when not known here."""
        feed = self._feed
        if not feed.usable or (feed.holds and feed.held("plan", day.isoformat())):
            return MISSING
        kept = self._days.get(day)
        if kept is None:
            return MISSING
        if time.monotonic() - kept.loaded_at > feed.max_age:
            self._forget_day(day, reload=True)
            return MISSING
        return kept.routes.get(user_id)

    def known_packet(self, route_id: uuid.UUID) -> Packet | None:
        feed = self._feed
        if not feed.usable or (feed.holds and feed.held("packet", str(route_id))):
            return None
        found = self._packets.get(route_id)
        return None if found is MISSING else found

    async def route(self, user_id: uuid.UUID, day: date) -> uuid.UUID | None:
        """The officer's route that day: from memory, else from the database."""
        found = self.known_route(user_id, day)
        if found is not MISSING:
            return found
        return await officer_route(self._reader, day, user_id)

    async def packet(self, route_id: uuid.UUID, day: date) -> Packet | None:
        """The route's kept packet while it is current: from memory, else from the database
        (and kept); None when it has to be built."""
        if not keeps(day):
            return None
        found = self.known_packet(route_id)
        if found is not None:
            return found
        mark = self._packets.mark()
        row = await self._reader.row(_FRESH_ONE, _kept_from(), route_id)
        return None if row is None else self._keep(KeptPacket._make(row), mark)

    def _keep(self, row: KeptPacket, mark: Mark) -> Packet:
        packet, route_id = row.packet(), as_uuid(row.route_id)
        if self._feed.enabled and not self._feed.held("packet", str(route_id)):
            self._packets.put(route_id, packet, mark)
        return packet

    # -- the change feed ------------------------------------------------------------------

    def changed(self, kind: str, key: str, *, reload: bool) -> None:
        if kind == "packet":
            self._packet_changed(key, reload)
        elif key == "*":  # plans emptied by a statement (TRUNCATE), or a bulk write
            days = sorted(self._days) or _ahead()
            self._epoch += 1
            self._days.clear()
            if reload:
                for day in days:
                    self._feed.spawn(self._load_routes(day))
        else:
            self._forget_day(date.fromisoformat(key), reload=reload)

    def _packet_changed(self, key: str, reload: bool) -> None:
        if key == "*":
            self._packets.clear()
            if reload:
                self._feed.spawn(self._load_packets())
            return
        route = uuid.UUID(key)
        self._packets.drop(route)
        if reload:
            self._feed.spawn(self._load_packet(route))

    def clear(self) -> None:
        self._epoch += 1
        self._days.clear()
        self._packets.clear()

    async def load(self) -> None:
        """Every current kept packet, and today's and tomorrow's routes."""
        await self._load_packets()
        for day in _ahead():
            await self._load_routes(day)

    def sizes(self) -> dict[str, int]:
        routes = sum(len(kept.routes) for kept in self._days.values())
        return {"routes": routes, "packets": len(self._packets)}

    def _forget_day(self, day: date, *, reload: bool) -> None:
        self._day_gen[day] = self._day_gen.get(day, 0) + 1
        self._days.pop(day, None)
        if reload and self._feed.listening:
            self._feed.spawn(self._load_routes(day))

    async def _load_routes(self, day: date) -> None:
        seen = (self._epoch, self._day_gen.get(day, 0))
        rows = await day_routes(self._reader, day)
        if seen != (self._epoch, self._day_gen.get(day, 0)) or self._feed.held(
            "plan", day.isoformat()
        ):
            return  # the day changed while it was read: whoever changed it reads it again
        self._days[day] = _Day({r.user_id: r.route_id for r in rows}, time.monotonic())

    def _packet_expired(self, route_id: uuid.UUID) -> None:
        if self._feed.listening and not self._feed.held("packet", str(route_id)):
            self._feed.spawn(self._load_packet(route_id))

    async def _load_packet(self, route_id: uuid.UUID) -> None:
        mark = self._packets.mark()
        row = await self._reader.row(_FRESH_ONE, _kept_from(), route_id)
        if row is not None:
            self._keep(KeptPacket._make(row), mark)

    async def _load_packets(self) -> None:
        mark = self._packets.mark()
        for row in await self._reader.rows(_FRESH, _kept_from()):
            self._keep(KeptPacket._make(row), mark)


def _kept_from() -> date:
    return local_today() - timedelta(days=1)


def _ahead() -> list[date]:
    today = local_today()
    return [today, today + timedelta(days=1)]
