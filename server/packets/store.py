"""Day packets built once per published route and kept, gzipped, for the phones' downloads.

A packet is the same for every officer of its route, and it changes only when something it shows
changes: a merchant (name, place, colour, code), an inspection or rectification order of one of
its merchants, an officer, the catalogue. Database triggers (see the `day_packets` migration)
bump the route's `gen` whenever one of those is written, by whichever process or statement
writes it; a stored packet is served only while its `built_gen` equals `gen`.

A build reads `gen` before it reads anything else and stores its packet only if `gen` has not
moved since, so a packet drawn from data that changed meanwhile is never kept. Only days from
yesterday on are kept (the triggers watch that window); older days are built on request.
"""

import gzip
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from litestar.types import Receive, Scope, Send
from sqlalchemy import CheckConstraint, Connection, LargeBinary, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, Session, SQLModel, col, select

from server.core.clock import local_today, utcnow
from server.core.models import timestamp_field
from server.packets.day import route_packet
from server.packets.newest import newest_routes_in
from server.policy.rules import DEFAULT_POLICY, Policy

__all__ = [
    "PRECOMPRESSED",
    "DayPacket",
    "Packet",
    "PacketResponse",
    "PacketWindow",
    "build_packet",
    "encode",
    "keeps",
    "mark_all_stale",
    "move_packet_window",
    "quiet_triggers",
    "warm_packets",
]

GZIP_LEVEL = 6
PRECOMPRESSED = "precompressed"  # handler opt: the app's compression leaves the body alone


class DayPacket(SQLModel, table=True):
    """A published route's day packet, gzipped JSON, with the generation it was built at."""

    __tablename__ = "day_packet"

    route_id: uuid.UUID = Field(foreign_key="route.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(index=True)
    gen: int = Field(default=0, description="bumped by triggers when what the packet shows changes")
    built_gen: int | None = Field(default=None, description="the gen the stored body was drawn at")
    etag: str | None = Field(default=None, max_length=64)
    body: bytes | None = Field(default=None, sa_type=LargeBinary, description="gzipped JSON")
    built_at: datetime | None = timestamp_field(nullable=True)


class PacketWindow(SQLModel, table=True):
    """From which day published plans keep their packets fresh: the triggers bump only those
    (server/migrations/packet_triggers.py). The app's clock moves it; no row keeps every plan."""

    __tablename__ = "packet_window"
    __table_args__ = (CheckConstraint("id = 1", name="ck_packet_window_one_row"),)

    id: int = Field(default=1, primary_key=True)
    kept_from: date


@dataclass(frozen=True)
class Packet:
    etag: str
    body: bytes  # gzipped JSON


class PacketResponse:
    """A packet sent as plain ASGI: gzipped as kept when the phone takes gzip, 304 when the
    phone already holds this very packet."""

    __slots__ = ("packet",)

    def __init__(self, packet: Packet) -> None:
        self.packet = packet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        etag = f'"{self.packet.etag}"'.encode()
        headers = [
            (b"etag", etag),
            (b"cache-control", b"private, no-cache"),
            (b"vary", b"Accept-Encoding, Cookie"),
        ]
        held = accepts = b""
        for key, value in scope["headers"]:
            if key == b"if-none-match":
                held = value
            elif key == b"accept-encoding":
                accepts = value
        if etag in (tag.strip().removeprefix(b"W/") for tag in held.split(b",")):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = self.packet.body
        if b"gzip" in accepts:
            headers.append((b"content-encoding", b"gzip"))
        else:
            body = gzip.decompress(body)
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def encode(document: dict[str, Any]) -> Packet:
    """The packet as sent: compact UTF-8 JSON, gzipped once (no timestamp in the gzip header, so
    the same document always gives the same bytes)."""
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Packet(hashlib.sha256(raw).hexdigest()[:32], gzip.compress(raw, GZIP_LEVEL, mtime=0))


def keeps(day: date, today: date | None = None) -> bool:
    """Whether a packet of `day` is kept: the triggers keep days from yesterday on fresh."""
    return day >= (today or local_today()) - timedelta(days=1)


def build_packet(
    session: Session, route_id: uuid.UUID, day: date, policy: Policy = DEFAULT_POLICY
) -> Packet:
    """Build the route's packet and keep it if nothing it shows changed while it was drawn.

    Runs in a session of its own: it commits (or, when a writer got in between, rolls back)."""
    gen = 0
    if keeps(day):
        found = session.exec(select(DayPacket.gen).where(DayPacket.route_id == route_id)).first()
        gen = found if found is not None else 0
    packet = encode(route_packet(session, route_id, policy))
    if keeps(day):
        _store(session, route_id, day, gen, packet)
    return packet


def _store(session: Session, route_id: uuid.UUID, day: date, gen: int, packet: Packet) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "route_id": route_id,
        "day": day,
        "gen": gen,
        "built_gen": gen,
        "etag": packet.etag,
        "body": packet.body,
        "built_at": utcnow(),
    }
    stmt = insert(DayPacket).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[col(DayPacket.route_id)],
        set_={k: stmt.excluded[k] for k in ("built_gen", "etag", "body", "built_at")},
        # A writer that bumped gen since it was read wins: this packet may already be stale.
        where=col(DayPacket.gen) == gen,
    )
    try:
        session.exec(stmt)  # type: ignore[call-overload]
        session.commit()
    except OperationalError:
        # SQLite: a writer committed after this session's snapshot was taken; the packet is
        # served, not kept.
        session.rollback()


# Every kept route from `since` on, created when missing: a build that read the old gen loses.
_ALL_STALE = """
INSERT INTO day_packet (route_id, day, gen)
SELECT r.id, p.day, 1 FROM route r JOIN plan p ON p.id = r.plan_id
WHERE p.status = 'published' AND p.day >= :since
ON CONFLICT (route_id) DO UPDATE SET gen = day_packet.gen + 1
"""


def move_packet_window(conn: Connection, today: date) -> int:
    """Keep packets from yesterday on and drop older ones (the nightly run, once a day turns).
    The window only moves forward. Returns how many old packets were dropped."""
    since = today - timedelta(days=1)
    conn.execute(
        text(
            "INSERT INTO packet_window (id, kept_from) VALUES (1, :since) ON CONFLICT (id) "
            "DO UPDATE SET kept_from = excluded.kept_from "
            "WHERE packet_window.kept_from < excluded.kept_from"
        ),
        {"since": since},
    )
    dropped = conn.execute(text("DELETE FROM day_packet WHERE day < :since"), {"since": since})
    return dropped.rowcount


def quiet_triggers(conn: Connection) -> None:
    """For a bulk rewrite of merchant rows (the recompute), in its transaction: the per-row
    trigger stays quiet, and the writer calls `mark_all_stale` once instead."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL onevisit.bulk = 'on'")


def mark_all_stale(conn: Connection, today: date | None = None) -> None:
    """Mark every kept packet stale (after a bulk rewrite with `quiet_triggers`)."""
    since = (today or local_today()) - timedelta(days=1)
    conn.execute(text(_ALL_STALE), {"since": since})
    if conn.dialect.name == "postgresql":  # and every process's kept public pages
        conn.execute(text("SELECT live_note('merchant:*')"))


def warm_packets(
    session: Session,
    day: date,
    street_ids: list[uuid.UUID] | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> int:
    """Build the packets of the day's newest published routes that are missing or stale (after a
    plan is published, and after a bulk recompute). Returns how many were built."""
    routes = [
        planned.route_id
        for planned in newest_routes_in(session, day)
        if street_ids is None or planned.street_id in street_ids
    ]
    if not routes:
        return 0
    kept = {
        route_id: (gen, built)
        for route_id, gen, built in session.exec(
            select(DayPacket.route_id, DayPacket.gen, DayPacket.built_gen).where(
                col(DayPacket.route_id).in_(routes)
            )
        )
    }
    session.commit()
    built = 0
    for route_id in routes:
        gen, built_gen = kept.get(route_id, (None, None))
        if gen is not None and gen == built_gen:
            continue
        build_packet(session, route_id, day, policy)
        built += 1
    return built
