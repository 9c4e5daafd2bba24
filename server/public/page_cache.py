"""Scanned public pages kept in memory, by their code's token: the page's one cache.

A scan that misses reads the database, renders the page and keeps it here (with a gzipped copy
for the weak networks scans come over); the next scan of the code is sent from here by the fast
lane (server/fastlane.py) until something the page shows changes:

- on PostgreSQL the change feed (server.core.changefeed) says so: the triggers announce
  `merchant:<id>` for a merchant's name, colour, code, inspections and their publication,
  orders, colour state and events, and every page of that merchant goes at once;
- on SQLite (no notifications, one process) every page goes as soon as `PRAGMA data_version`
  says any connection has committed: checked on every scan, it costs microseconds.

A page is kept at most PUBLIC_PAGE_SECONDS, which bounds how late a result published at a set
time shows; PUBLIC_PAGE_CACHE pages at most (0: none, every scan renders).
"""

import gzip
import time
import uuid
from dataclasses import dataclass

from server.core.changefeed import ChangeFeed
from server.core.replica import MISSING, Mark, Replica
from server.core.sql import RawReader

__all__ = ["KeptPage", "PageCache"]

GZIP_LEVEL = 6


@dataclass(frozen=True)
class KeptPage:
    merchant_id: uuid.UUID
    body: bytes
    gzipped: bytes
    until: float  # monotonic: results published at a set time show by then


class PageCache:
    """Rendered pages by token (a change feed follower on PostgreSQL)."""

    kinds = ("merchant",)

    def __init__(self, feed: ChangeFeed, reader: RawReader, *, size: int, seconds: float) -> None:
        self._feed = feed
        self._reader = reader
        self._seconds = seconds
        self._pages = Replica(size=size)
        self._size = size
        self._tokens: dict[uuid.UUID, set[str]] = {}  # merchant → the tokens of its kept pages
        self._data_version: int | None = None

    @property
    def usable(self) -> bool:
        if self._feed.enabled:
            return self._feed.usable
        version = self._reader.data_version()  # SQLite: has anyone committed since?
        if version != self._data_version:
            self.clear()
            self._data_version = version
        return True

    def known(self, token: str) -> KeptPage | None:
        """The page of `token` from memory, or None (read and render it)."""
        if not self.usable:
            return None
        found = self._pages.get(token)
        if found is MISSING or found.until < time.monotonic():
            return None
        feed = self._feed
        if feed.holds and feed.held("merchant", str(found.merchant_id)):
            return None
        return found

    def mark(self) -> Mark:
        """Taken before the page's data is read (see Replica)."""
        return self._pages.mark()

    def keep(self, token: str, merchant_id: uuid.UUID, body: bytes, mark: Mark) -> None:
        if self._seconds <= 0 or not self.usable or self._feed.held("merchant", str(merchant_id)):
            return
        until = time.monotonic() + self._seconds
        page = KeptPage(merchant_id, body, gzip.compress(body, GZIP_LEVEL), until)
        self._pages.put(token, page, mark)
        self._tokens.setdefault(merchant_id, set()).add(token)
        if len(self._tokens) > 2 * max(self._size, 1):  # pages the replica let go of
            self._reindex()

    def _reindex(self) -> None:
        self._tokens = {}
        for token, page in self._pages.items():
            self._tokens.setdefault(page.merchant_id, set()).add(token)

    # -- the change feed ------------------------------------------------------------------

    def changed(self, kind: str, key: str, *, reload: bool) -> None:
        """A merchant changed: its pages go (they are read again when next scanned)."""
        if key == "*":
            self.clear()
            return
        # By the merchant's own tokens: a re-import of thousands of merchants sends a note for
        # each, and a scan of every kept page per note would hold up the event loop.
        self._pages.drop_keys(self._tokens.pop(uuid.UUID(key), ()))

    def clear(self) -> None:
        self._pages.clear()
        self._tokens.clear()

    async def load(self) -> None:
        """Nothing ahead: pages are kept as they are scanned."""

    def sizes(self) -> dict[str, int]:
        return {"pages": len(self._pages)}
