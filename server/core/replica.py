"""Entries kept in a process's memory that announced changes drop (server.core.changefeed).

A value read from the database is kept only if its key was not dropped (and the replica not
cleared) since `mark()` was taken before the read, so a read that raced a change never outlives
it. With `max_age`, an entry kept longer than that many seconds is forgotten when next asked
for, and `on_expire(key)` is told (to read it again): that bounds what a write no notification
announced (a restore with triggers disabled) leaves behind.
"""

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["MISSING", "Mark", "Replica"]

MISSING: Any = object()

Mark = tuple[int, int]  # (epoch, sequence) when a read began


class Replica:
    """Keyed entries, dropped by key, by test or all at once; the oldest leave a full one."""

    def __init__(
        self,
        size: int = 100_000,
        *,
        max_age: float | None = None,
        on_expire: Callable[[Any], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._data: OrderedDict[Any, tuple[Any, float]] = OrderedDict()  # key -> (value, kept at)
        self._size = size
        self._max_age = max_age
        self._on_expire = on_expire
        self._clock = clock
        self._epoch = 0  # bumped by clear() and drop_where(): every read in flight is void
        self._seq = 0  # bumped by each drop()
        self._dropped: dict[Any, int] = {}  # key -> seq of its latest drop

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Any) -> Any:
        found = self._data.get(key)
        if found is None:
            return MISSING
        value, kept_at = found
        if self._max_age is not None and self._clock() - kept_at > self._max_age:
            del self._data[key]
            if self._on_expire is not None:
                self._on_expire(key)
            return MISSING
        return value

    def keys(self) -> list[Any]:
        return list(self._data)

    def items(self) -> list[tuple[Any, Any]]:
        """Every (key, value) kept, however old."""
        return [(key, value) for key, (value, _) in self._data.items()]

    def mark(self) -> Mark:
        return self._epoch, self._seq

    def put(self, key: Any, value: Any, mark: Mark) -> None:
        epoch, seq = mark
        if self._size <= 0 or epoch != self._epoch or self._dropped.get(key, -1) >= seq:
            return
        self._data[key] = (value, self._clock())
        self._data.move_to_end(key)
        if len(self._data) > self._size:
            self._data.popitem(last=False)

    def drop(self, key: Any) -> None:
        if len(self._dropped) >= max(self._size, 1):
            self.clear()
        self._dropped[key] = self._seq
        self._seq += 1
        self._data.pop(key, None)

    def drop_keys(self, keys: Iterable[Any]) -> None:
        """Drop these keys at once and void every read in flight (one of them may be of a key
        the caller could not know to name yet): the cost is the keys', not the replica's."""
        self._epoch += 1
        for key in keys:
            self._data.pop(key, None)

    def drop_where(self, test: Callable[[Any, Any], bool]) -> None:
        self._epoch += 1
        for key in [k for k, (v, _) in self._data.items() if test(k, v)]:
            del self._data[key]

    def clear(self) -> None:
        self._epoch += 1
        self._dropped.clear()
        self._data.clear()
