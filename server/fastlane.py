"""The first stop of every request: the two busiest reads answered from memory, before the app.

Hundreds of phones download their day packets in the same minutes each morning, and every
passer-by's scan asks for a merchant's page. When this process's replicas (server.live) already
hold the answer, it is sent from here without routing, middleware or parameter parsing; anything
else, and any doubt (an unknown session, a stale packet, no listener, SQLite), goes to the app,
which answers the same request from the database.
"""

from datetime import date
from urllib.parse import parse_qs

from litestar import Litestar
from litestar.types import Receive, Scope, Send

from server.auth.middleware import DAY_PATH, SESSION_COOKIE, scope_cookie
from server.auth.service import token_hash
from server.core.bodies import BodyDeadline
from server.core.clock import utcnow
from server.core.security import SecurityHeaders
from server.live import MISSING, LiveFeed
from server.packets.day import empty_packet
from server.packets.store import Packet, PacketResponse, encode, keeps
from server.public.routes import RawPage

__all__ = ["FastLane"]


class FastLane(Litestar):
    """The app; what it does not answer from memory goes through Litestar unchanged."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # Every answer, from memory or from the app, carries the security headers; every
            # request body must keep coming (server.core.bodies).
            send = self._security_headers().wrap(scope, send)  # type: ignore[arg-type,assignment]
            receive, send = self._body_deadline().wrap(receive, send)  # type: ignore[arg-type,assignment]
        if scope["type"] == "http" and scope["method"] == "GET":
            live: LiveFeed | None = getattr(self.state, "live", None)
            answer = None
            if live is not None and live.usable:
                path = scope["path"]
                if path == DAY_PATH:
                    answer = _day_packet(live, scope)
                elif path.startswith("/m/") and "/" not in path[3:]:
                    kept = live.page(path[3:])
                    answer = RawPage(200, kept.body, kept.gzipped) if kept is not None else None
            if answer is not None:
                await answer(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _security_headers(self) -> SecurityHeaders:
        headers = self.__dict__.get("_headers")
        if headers is None:
            settings = self.state.settings
            headers = SecurityHeaders(settings.planning.map_tile_url, https=settings.secure_cookies)
            self.__dict__["_headers"] = headers
        return headers

    def _body_deadline(self) -> BodyDeadline:
        deadline = self.__dict__.get("_deadline")
        if deadline is None:
            settings = self.state.settings
            deadline = BodyDeadline(
                settings.request_read_timeout_seconds, settings.request_min_bytes_per_second
            )
            self.__dict__["_deadline"] = deadline
        return deadline


def _day_packet(live: LiveFeed, scope: Scope) -> PacketResponse | None:
    token = scope_cookie(scope, SESSION_COOKIE)
    if not token:
        return None
    try:
        target = date.fromisoformat(parse_qs(scope["query_string"].decode())["date"][0])
    except (KeyError, ValueError, UnicodeDecodeError):
        return None  # the app explains what is wrong with the request
    principal = live.principal(token_hash(token), utcnow())
    if principal is None:
        return None
    route = live.route(principal.id, target)
    if route is None:
        return PacketResponse(encode(empty_packet(target)))
    if route is MISSING or not keeps(target):
        return None
    kept = live.packet(route)
    return PacketResponse(Packet(*kept)) if kept is not None else None
