"""Resolve the session cookie to a principal and enforce CSRF on cookie-authenticated writes."""

import hmac

from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.core.i18n import t
from server.core.settings import Settings

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "DAY_PATH",
    "SESSION_COOKIE",
    "SessionAuthMiddleware",
    "cookies",
    "scope_cookie",
    "session_cookies",
]

SESSION_COOKIE = "ov_session"
CSRF_COOKIE = "ov_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Paths that open a session (no session to protect yet) or take public, unauthenticated input.
# /m/ is the public merchant page: a visitor who also holds a staff cookie must still be able to
# complain; those forms change nothing a session protects. /console/reset/ is the page a
# one-time password link opens: the secret in its address is the key, whoever's browser it is.
CSRF_EXEMPT = ("/api/v1/auth/login", "/console/login", "/m/", "/console/reset/")
# The phones' day download checks its session itself (server.auth.session_cache), in the
# fast lane or in its handler.
DAY_PATH = "/api/v1/me/day"


def scope_cookie(scope: Scope, name: str) -> str | None:
    """A cookie's value straight from the ASGI scope (before any request object exists)."""
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class SessionAuthMiddleware(ASGIMiddleware):
    """Sets scope["user"] to a Principal or None; rejects cross-site writes."""

    scopes = (ScopeType.HTTP,)
    # Static files (the console's libraries, the phone app's shell) never need to know who asks;
    # skipping them spares a database round trip per asset.
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith(("/static/", "/app/")) or scope["path"] == DAY_PATH
    )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        token = scope_cookie(scope, SESSION_COOKIE)
        if token:
            sessions = scope["litestar_app"].state.session_cache
            principal = scope["user"] = await sessions.principal(token)
            if (
                principal is not None
                and scope["method"] not in SAFE_METHODS
                and not scope["path"].startswith(CSRF_EXEMPT)
            ):
                sent = _header(scope, CSRF_HEADER.encode()) or ""
                if not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
                    raise PermissionDeniedException(detail=t("auth.csrf"))
        await next_app(scope, receive, send)


def session_cookies(token: str, csrf: str, settings: Settings) -> list[Cookie]:
    """The cookies of a new session, lasting as long as the session does."""
    return cookies(
        token, csrf, max_age=settings.session_hours * 3600, secure=settings.secure_cookies
    )


def cookies(token: str, csrf: str, *, max_age: int, secure: bool) -> list[Cookie]:
    """The session cookie (HttpOnly) and the CSRF cookie (readable by our own scripts)."""
    return [
        Cookie(
            key=SESSION_COOKIE,
            value=token,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        ),
        Cookie(
            key=CSRF_COOKIE,
            value=csrf,
            max_age=max_age,
            httponly=False,
            samesite="strict",
            secure=secure,
            path="/",
        ),
    ]
