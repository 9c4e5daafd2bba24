"""Writing checked merchant rows in bulk, idempotent by credit code, per database dialect.

While a file brings only new codes (a first load), a batch goes in by the driver's fastest plain
bulk insert. Once a batch meets stored codes, batches look their codes up first: new merchants
go in by the plain insert, the others through INSERT … ON CONFLICT (uscc) DO UPDATE, which
changes only what differs and never the id, the QR token, the colour or the due date. A batch
the database refuses (a code stored meanwhile by a concurrent import, say) is rolled back and
sent whole through the upsert; if that fails too, the caller retries row by row.
"""

import base64
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from server.merchants.import_rows import MerchantRow
from server.org.boundaries import load_territories
from server.org.district import StreetRef, street_aliases
from server.org.territory import Territories

__all__ = ["MerchantStore", "open_store"]

# The columns bound per row: a MerchantRow, then what only a new merchant uses.
_COLS = "uscc, name, address, lat, lng, street_id, business_type, contact, phone, id, qr_token"
_CHANGED = ("name", "address", "lat", "lng", "street_id", "business_type", "contact", "phone")
_SET = ", ".join(f"{c} = excluded.{c}" for c in _CHANGED) + ", updated_at = excluded.updated_at"
_OLD = ", ".join(f"merchant.{c}" for c in _CHANGED)
_NEW = ", ".join(f"excluded.{c}" for c in _CHANGED)
_IN_CHUNK = 900  # under SQLite's smallest limit on parameters per statement
# A merchant takes on every scenario (监管一件事) made for its business type.
_LINK = (
    "INSERT INTO merchant_scenario (merchant_id, scenario_id) "
    "SELECT m.id, s.scenario_id FROM merchant m "
    "JOIN scenario_business_type s ON s.business_type = m.business_type "
    "WHERE m.business_type <> '' AND m.uscc IN ({}) ON CONFLICT DO NOTHING"
)


def _ids_and_tokens(count: int) -> Iterator[tuple[str, str]]:
    """Random UUID4s (32 hex digits) and QR tokens, as uuid4().hex and token_urlsafe(24) give.

    Drawn from the OS in one call per batch: per row the two calls cost more than the check.
    """
    ids = secrets.token_bytes(16 * count).hex()
    tokens = base64.urlsafe_b64encode(secrets.token_bytes(24 * count)).decode()
    for i in range(count):
        h = ids[32 * i : 32 * i + 32]
        uuid4 = f"{h[:12]}4{h[13:16]}{_VARIANT[h[16]]}{h[17:]}"
        yield uuid4, tokens[32 * i : 32 * i + 32]  # 24 bytes are exactly 32 base64 characters


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122 variant bits


def _endless_ids_and_tokens() -> Iterator[tuple[str, str]]:
    while True:
        yield from _ids_and_tokens(1024)


class MerchantStore:
    """Writes batches on one connection of its own; each batch is one committed transaction."""

    def __init__(self, raw: Any, now: datetime, dbapi: Any) -> None:
        self.raw = raw  # the pool's DBAPI connection
        self.db = raw.driver_connection  # the sqlite3 or psycopg connection under it
        self.now = now
        self.optimistic = True  # try a plain insert of the whole batch while codes keep being new
        # Errors that blame the data, not the connection: the importer then retries row by row.
        self.refusals: tuple[type[Exception], ...] = (dbapi.IntegrityError, dbapi.DataError)
        cur = self.db.cursor()
        cur.execute("SELECT count(*) FROM scenario")
        self.has_scenarios = cur.fetchone()[0] > 0
        cur.close()

    def street_ids(self) -> dict[str, object]:
        """Every name a sheet may use for a street (湖滨街道, 湖滨, hubin) → the street's id."""
        cur = self.db.cursor()
        cur.execute("SELECT id, code, name, kind, office_lat, office_lng FROM street")
        found = {
            alias: sid for sid, *ref in cur.fetchall() for alias in street_aliases(StreetRef(*ref))
        }
        cur.close()
        return found

    def territories(self) -> Territories:
        """The streets' boundaries, where a district imported them (none: not checked)."""
        cur = self.db.cursor()
        cur.execute("SELECT street_id, polygons FROM street_boundary")
        rows = cur.fetchall()
        cur.close()
        return load_territories(rows)

    def put(self, row: MerchantRow) -> None:
        """Send a row of the batch being read ahead, where the driver can stream it."""

    def flush(self, rows: list[MerchantRow]) -> tuple[int, int]:
        """Store the batch whose rows were `put`, and commit it; return (new, updated)."""
        return self.write(rows)

    def write(self, rows: list[MerchantRow]) -> tuple[int, int]:
        """Store a batch and commit it; return (new, updated)."""
        attempts = [self._split, self._upsert_all]
        if self.optimistic:
            attempts.insert(0, self._all_new)
        cur = self.db.cursor()
        try:
            for attempt in attempts[:-1]:
                try:
                    return attempt(cur, rows)
                except self.refusals:
                    self.raw.rollback()
                    self.optimistic = False
            return attempts[-1](cur, rows)
        finally:
            cur.close()

    def _all_new(self, cur: Any, rows: list[MerchantRow]) -> tuple[int, int]:
        self._insert(cur, self._params(rows))
        self._commit(cur, rows)
        return len(rows), 0

    def _split(self, cur: Any, rows: list[MerchantRow]) -> tuple[int, int]:
        existing = self._existing(cur, [row[0] for row in rows])
        fresh = [row for row in rows if row[0] not in existing]
        if fresh:
            self._insert(cur, self._params(fresh))
        stale = [row for row in rows if row[0] in existing] if existing else []
        updated = self._upsert(cur, self._params(stale)) if stale else 0
        self._commit(cur, rows)
        self.optimistic = not existing
        return len(fresh), updated

    def _upsert_all(self, cur: Any, rows: list[MerchantRow]) -> tuple[int, int]:
        new = len(rows) - len(self._existing(cur, [row[0] for row in rows]))
        written = self._upsert(cur, self._params(rows))  # inserted or changed
        self._commit(cur, rows)
        return new, written - new

    def _commit(self, cur: Any, rows: list[MerchantRow]) -> None:
        if self.has_scenarios:
            self._link(cur, [row[0] for row in rows])
        self.raw.commit()

    def _params(self, rows: list[MerchantRow]) -> Iterator[tuple[object, ...]]:
        # An id and a token for every row: an update ignores them and keeps the stored ones.
        return ((*row, *fresh) for row, fresh in zip(rows, _ids_and_tokens(len(rows)), strict=True))

    def close(self) -> None:
        """Give the connection back, abandoning a batch not flushed."""
        self.raw.rollback()
        self.raw.close()

    def _existing(self, cur: Any, codes: list[str]) -> set[str]:
        raise NotImplementedError

    def _insert(self, cur: Any, params: Iterator[tuple[object, ...]]) -> None:
        raise NotImplementedError

    def _upsert(self, cur: Any, params: Iterator[tuple[object, ...]]) -> int:
        raise NotImplementedError

    def _link(self, cur: Any, codes: list[str]) -> None:
        raise NotImplementedError


class SqliteStore(MerchantStore):
    """SQLite: sqlite3 executemany of a plain INSERT, and of INSERT … ON CONFLICT DO UPDATE."""

    def __init__(self, raw: Any, now: datetime, dbapi: Any) -> None:
        super().__init__(raw, now, dbapi)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores a DateTime here
        self.insert = (
            f"INSERT INTO merchant ({_COLS}, colour, active, created_at, updated_at) "
            f"VALUES ({', '.join(['?'] * 11)}, 'green', 1, '{stamp}', '{stamp}')"
        )
        self.upsert = (
            f"{self.insert} ON CONFLICT (uscc) DO UPDATE SET {_SET} WHERE ({_OLD}) IS NOT ({_NEW})"
        )

    def _in_chunks(self, cur: Any, sql: str, codes: list[str]) -> Iterator[tuple[Any, ...]]:
        for i in range(0, len(codes), _IN_CHUNK):
            chunk = codes[i : i + _IN_CHUNK]
            cur.execute(sql.format(", ".join(["?"] * len(chunk))), chunk)
            yield from cur.fetchall()

    def _existing(self, cur: Any, codes: list[str]) -> set[str]:
        sql = "SELECT uscc FROM merchant WHERE uscc IN ({})"
        return {code for (code,) in self._in_chunks(cur, sql, codes)}

    def _insert(self, cur: Any, params: Iterator[tuple[object, ...]]) -> None:
        cur.executemany(self.insert, params)

    def _upsert(self, cur: Any, params: Iterator[tuple[object, ...]]) -> int:
        cur.executemany(self.upsert, params)
        return cur.rowcount

    def _link(self, cur: Any, codes: list[str]) -> None:
        for _ in self._in_chunks(cur, _LINK, codes):
            pass


class PostgresStore(MerchantStore):
    """PostgreSQL: COPY for new merchants; for the rest one INSERT … SELECT FROM unnest(column
    arrays) … ON CONFLICT DO UPDATE per batch.

    While codes keep being new, a batch is streamed into COPY row by row as it is read, so the
    server stores one part while Python checks the next: two processes, two cores.
    """

    def __init__(self, raw: Any, now: datetime, dbapi: Any) -> None:
        super().__init__(raw, now, dbapi)
        self.copy = f"COPY merchant ({_COLS}, created_at, updated_at, colour, active) FROM STDIN"
        self.extra = (now, now, "green", True)
        arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
        self.upsert = (
            f"INSERT INTO merchant ({_COLS}, colour, active, created_at, updated_at) "
            f"SELECT u.*, 'green', true, %s, %s FROM unnest({arrays}) AS u "
            f"ON CONFLICT (uscc) DO UPDATE SET {_SET} WHERE ({_OLD}) IS DISTINCT FROM ({_NEW})"
        )
        self.stream: ExitStack | None = None
        self.send: Callable[[tuple[object, ...]], None] | None = None
        self.fresh = _endless_ids_and_tokens()

    def put(self, row: MerchantRow) -> None:
        if self.send is None:
            if not self.optimistic:
                return
            self.stream = ExitStack()
            cur = self.stream.enter_context(self.db.cursor())
            self.send = self.stream.enter_context(cur.copy(self.copy)).write_row
        self.send((*row, *next(self.fresh), *self.extra))

    def flush(self, rows: list[MerchantRow]) -> tuple[int, int]:
        if self.stream is None:
            return self.write(rows)
        stream, self.stream, self.send = self.stream, None, None
        try:
            stream.close()  # ends the COPY: the server has had every row
            with self.db.cursor() as cur:
                self._commit(cur, rows)
            return len(rows), 0
        except self.refusals:
            self.raw.rollback()
            self.optimistic = False
            return self.write(rows)

    def close(self) -> None:
        if self.stream is not None:  # cancels the COPY rather than completing it
            self.stream.__exit__(RuntimeError, RuntimeError("import abandoned"), None)
        super().close()

    def _arrays(self, params: Iterator[tuple[object, ...]]) -> list[object]:
        return [self.now, self.now, *(list(column) for column in zip(*params, strict=True))]

    def _existing(self, cur: Any, codes: list[str]) -> set[str]:
        cur.execute("SELECT uscc FROM merchant WHERE uscc = ANY(%s)", (codes,))
        return {code for (code,) in cur.fetchall()}

    def _insert(self, cur: Any, params: Iterator[tuple[object, ...]]) -> None:
        with cur.copy(self.copy) as copy:
            for row in params:
                copy.write_row((*row, *self.extra))

    def _upsert(self, cur: Any, params: Iterator[tuple[object, ...]]) -> int:
        cur.execute(self.upsert, self._arrays(params))
        return cur.rowcount

    def _link(self, cur: Any, codes: list[str]) -> None:
        cur.execute(_LINK.format("SELECT unnest(%s::text[])"), (codes,))


_PG_TYPES = (
    "text",
    "text",
    "text",
    "float8",
    "float8",
    "uuid",
    "text",
    "text",
    "text",
    "uuid",
    "text",
)


def open_store(engine: Any, now: datetime) -> MerchantStore:
    """The store for the engine's dialect, on a connection of its own."""
    raw = engine.raw_connection()
    kind = SqliteStore if engine.dialect.name == "sqlite" else PostgresStore
    try:
        return kind(raw, now, engine.dialect.dbapi)
    except BaseException:
        raw.close()
        raise
