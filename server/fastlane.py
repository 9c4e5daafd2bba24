"""The first stop of every request: the security headers, the body deadline, and the two busiest
reads answered from memory before routing.

Hundreds of phones download their day packets in the same minutes each morning, and every
passer-by's scan asks for a merchant's page. When the caches already hold the answer (the
session, the day's route and its packet; the rendered page), it is sent from here without
routing, middleware or parameter parsing; anything else, and any doubt (an unknown session, a
key this process has just written, no listener, SQLite), goes on to the app, whose handlers ask
the same caches first and the database after.

`FastLane` is a small ASGI wrapper around the app's request handler (`Litestar.asgi_handler`,
what the app calls for every HTTP and WebSocket request once it has set up the scope): it holds
that handler and the caches and calls the handler for everything it does not answer itself. The
app stays a plain Litestar object, so uvicorn and the test client get it from `create_app` as it
is, with its state, lifespan and routes.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs

from litestar import Litestar
from litestar.datastructures import State
from litestar.types import ASGIApp, Receive, Scope, Send

from server.auth.middleware import DAY_PATH, SESSION_COOKIE, scope_cookie
from server.auth.service import token_hash
from server.auth.session_cache import SessionCache
from server.core.bodies import BodyDeadline
from server.core.changefeed import ChangeFeed
from server.core.clock import utcnow
from server.core.security import SecurityHeaders
from server.core.settings import Settings
from server.core.sql import RawReader
from server.packets.cache import DayCache
from server.packets.store import PacketResponse
from server.public.page_cache import PageCache
from server.public.routes import RawPage

__all__ = ["FastLane", "HotCaches"]


@dataclass(frozen=True)
class HotCaches:
    """The change feed and the caches that follow it, one per domain."""

    feed: ChangeFeed
    sessions: SessionCache
    days: DayCache
    pages: PageCache

    @classmethod
    def of(cls, settings: Settings, reader: RawReader) -> "HotCaches":
        feed = ChangeFeed(settings.database_url, reader, max_age=settings.live_max_age_seconds)
        caches = cls(
            feed,
            SessionCache(feed, reader),
            DayCache(feed, reader),
            PageCache(
                feed,
                reader,
                size=settings.public_page_cache,
                seconds=settings.public_page_seconds,
            ),
        )
        for follower in (caches.sessions, caches.days, caches.pages):
            feed.follow(follower)
        return caches

    def publish(self, state: State) -> None:
        """Where the handlers and /healthz find them."""
        state.feed = self.feed
        state.session_cache = self.sessions
        state.day_cache = self.days
        state.page_cache = self.pages


class FastLane:
    """Wraps the app's request handler; what it does not answer from memory goes through."""

    def __init__(self, handler: ASGIApp, settings: Settings) -> None:
        self._handler = handler
        # Every answer, from memory or from the app, carries the security headers; every
        # request body must keep coming (server.core.bodies).
        self._headers = SecurityHeaders(
            settings.planning.map_tile_url, https=settings.secure_cookies
        )
        self._deadline = BodyDeadline(
            settings.request_read_timeout_seconds, settings.request_min_bytes_per_second
        )
        self.caches: HotCaches | None = None  # from the app's start-up on

    @classmethod
    def install(cls, app: Litestar, settings: Settings) -> "FastLane":
        """Put the lane in front of `app`'s request handler."""
        lane = cls(app.asgi_handler, settings)
        app.asgi_handler = lane
        return lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = self._headers.wrap(scope, send)  # type: ignore[arg-type,assignment]
            receive, send = self._deadline.wrap(receive, send)  # type: ignore[arg-type,assignment]
            caches = self.caches
            if scope["method"] == "GET" and caches is not None:
                answer = _from_memory(caches, scope)
                if answer is not None:
                    await answer(scope, receive, send)
                    return
        await self._handler(scope, receive, send)


def _from_memory(caches: HotCaches, scope: Scope) -> PacketResponse | RawPage | None:
    path = scope["path"]
    if path == DAY_PATH:
        return _day_packet(caches, scope)
    if path.startswith("/m/") and "/" not in path[3:]:
        kept = caches.pages.known(path[3:])
        return RawPage(200, kept.body, kept.gzipped) if kept is not None else None
    return None


def _day_packet(caches: HotCaches, scope: Scope) -> PacketResponse | None:
    token = scope_cookie(scope, SESSION_COOKIE)
    if not token:
        return None
    try:
        target = date.fromisoformat(parse_qs(scope["query_string"].decode())["date"][0])
    except (KeyError, ValueError, UnicodeDecodeError):
        return None  # the app explains what is wrong with the request
    principal = caches.sessions.known(token_hash(token), utcnow())
    if principal is None:
        return None
    packet = caches.days.known(principal.id, target)
    return PacketResponse(packet) if packet is not None else None
