"""Public pages under /m/: the merchant page, complaints and their tracking (no sign-in)."""

import re
from functools import lru_cache
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.template import TemplateEngineProtocol
from litestar.types import Receive, Scope, Send

from server.complaints.service import (
    ComplaintInvalid,
    check_complaint_rate,
    decoy_tracking_no,
    find_by_tracking_no,
    submit_complaint,
)
from server.core.clock import utcnow
from server.core.db import DbSession
from server.core.i18n import t
from server.core.inputs import TOKEN_PATH
from server.core.net import client_ip, throttle_key
from server.evidence.public_photos import PhotoRejected, PhotoTooLarge, mb
from server.public.page_cache import PageCache
from server.public.service import PublicPage, full_page, lookup, merchant_page
from server.ratelimit.service import RateLimited

__all__ = [
    "PublicController",
    "RawPage",
    "form_photo",
    "missing",
    "not_found",
    "page_headers",
    "render_page",
]

# A hard ceiling on any form body; the photo limit itself (PHOTO_MAX_MB) is checked in the app.
BODY_CEILING = 64 * 1024 * 1024
FORM_OVERHEAD = 64 * 1024  # the text fields around a photo
HONEYPOT = "website"
_INDENT = re.compile(r"\n\s+")


def page_headers(*, private: bool = False) -> dict[str, str]:
    headers = {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    headers["Cache-Control"] = "no-store" if private else "no-cache"
    return headers


def render_page(engine: TemplateEngineProtocol, page: PublicPage) -> bytes:
    """The page's bytes, with no form filled in (server/public/page_cache.py keeps them)."""
    context = {"page": page, "honeypot": HONEYPOT, "error": None, "form": {}}
    html = engine.get_template("public/merchant.html").render(**context)
    # Template indentation is bytes on a weak network; the form's fields are empty here.
    return _INDENT.sub("\n", html).encode()


@lru_cache(maxsize=4)
def _not_found(engine: TemplateEngineProtocol) -> bytes:
    """The not-found page, the same for every code: rendered once per app."""
    return engine.get_template("public/not_found.html").render().encode()


_PAGE_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"x-robots-tag", b"noindex"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


class RawPage:
    """A pre-rendered HTML page sent as plain ASGI (Litestar passes ASGI callables through);
    with `gzipped`, sent compressed to clients that take gzip (the app's compression is not in
    the way when the fast lane sends it)."""

    __slots__ = ("body", "gzipped", "status")

    def __init__(self, status: int, body: bytes, gzipped: bytes | None = None) -> None:
        self.status, self.body, self.gzipped = status, body, gzipped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, headers = self.body, list(_PAGE_HEADERS)
        if self.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
            if any(k == b"accept-encoding" and b"gzip" in v for k, v in scope["headers"]):
                body = self.gzipped
                headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def not_found() -> Template:
    """The one page for every unknown, malformed, revoked or expired link."""
    return Template("public/not_found.html", status_code=404, headers=page_headers())


def missing(request: Request) -> RawPage:
    """The not-found page of an unknown code, for any other path under /m/ that is no page."""
    return RawPage(404, _not_found(request.app.template_engine))


def client_key(request: Request) -> str:
    """What complaint limits count by: the sender's address behind the trusted proxies (an IPv6
    address by its /64)."""
    return throttle_key(client_ip(request)) or "unknown"


async def form_photo(value: Any) -> bytes | None:
    """The bytes of an uploaded photo field (None when no file was chosen)."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return await value.read()


def _too_big(request: Request, limit: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit + FORM_OVERHEAD


class PublicController(Controller):
    path = "/m"
    include_in_schema = False
    opt = {TOKEN_PATH: True}  # every malformed token gets the page of an unknown one

    def _page(self, page: PublicPage, state: State, *, status: int = 200, **extra: Any) -> Template:
        context = {"page": page, "honeypot": HONEYPOT, "error": None, "form": {}, **extra}
        return Template(
            "public/merchant.html", context=context, status_code=status, headers=page_headers()
        )

    @get("/{token:str}")
    async def merchant(self, token: FromPath[str], request: Request, state: State) -> RawPage:
        """The busiest page: one read, rendered, and kept for the next scan of the code (which
        server.fastlane then sends from memory)."""
        pages: PageCache = state.page_cache
        reader, now, mark = state.reader, utcnow(), pages.mark()
        raw = await lookup(reader, token, now)
        if raw is None:
            return missing(request)
        page = await full_page(reader, raw, now, state.policy)
        body = render_page(request.app.template_engine, page)
        pages.keep(token, page.merchant_id, body, mark)
        return RawPage(200, body)

    @post("/{token:str}/complaints", request_max_body_size=BODY_CEILING, status_code=200)
    async def complain(
        self, token: FromPath[str], request: Request, state: State, db_session: DbSession
    ) -> Template:
        now, settings = utcnow(), state.settings
        page = await merchant_page(state.reader, token, now, state.policy)
        if page is None:
            return not_found()
        merchant_id = page.merchant_id
        try:
            await check_complaint_rate(
                db_session, settings, client=client_key(request), merchant_id=merchant_id, now=now
            )
        except RateLimited as exc:
            # A flood about this shop is not the sender's doing: say which limit stopped them.
            if exc.scope == "complaint.merchant":
                return self._throttled(
                    page, exc, "public.merchant_busy.title", "complaint.error.merchant_busy"
                )
            return self._throttled(page, exc, "public.throttled.title", "complaint.error.throttled")
        # The count stands whatever comes of the form; committed now, so that no database
        # connection or lock is held while a phone sends its photo or the photo is checked.
        await db_session.commit()
        too_large = t("complaint.error.photo_too_large", max=mb(settings.photo_max_bytes))
        if _too_big(request, settings.photo_max_bytes):
            return self._page(page, state, status=413, error=too_large)
        try:
            form = await request.form()
        except ClientException:
            return self._page(page, state, status=413, error=too_large)
        values = {k: form.get(k) or "" for k in ("text", "contact", HONEYPOT)}
        if str(values[HONEYPOT]).strip():
            # A bot filled the field people never see: thank it and keep nothing (on this very
            # page, as its made-up number has no tracking page to be sent to).
            return self._done(decoy_tracking_no(now), page)
        try:
            complaint = await submit_complaint(
                db_session,
                state.storage,
                settings,
                merchant_id=merchant_id,
                text=str(values["text"]),
                contact=str(values["contact"]),
                photo=await form_photo(form.get("photo")),
                client=client_key(request),
                now=now,
            )
        except (ComplaintInvalid, PhotoRejected) as exc:
            status = 413 if isinstance(exc, PhotoTooLarge) else 400
            reason = exc.reason if isinstance(exc, ComplaintInvalid) else str(exc)
            return self._page(page, state, status=status, error=reason, form=values)
        # Redirected, so a refresh on a weak network shows the tracking page instead of sending
        # the complaint again.
        return Redirect(
            f"/m/c/{complaint.tracking_no}", status_code=303, headers=page_headers(private=True)
        )

    def _throttled(self, page: PublicPage, exc: RateLimited, title: str, message: str) -> Template:
        minutes = max(1, (exc.retry_after + 59) // 60)
        return Template(
            "public/throttled.html",
            context={
                "title": t(title),
                "message": t(message, minutes=minutes),
                "token": page.token,
            },
            status_code=429,
            headers={**page_headers(), "Retry-After": str(exc.retry_after)},
        )

    def _done(self, tracking_no: str, page: PublicPage) -> Template:
        return Template(
            "public/complaint_done.html",
            context={"tracking_no": tracking_no, "page": page},
            headers=page_headers(private=True),
        )

    @get("/c/{tracking_no:str}")
    async def track(self, tracking_no: FromPath[str], db_session: DbSession) -> Template:
        complaint = await find_by_tracking_no(db_session, tracking_no)
        if complaint is None:
            return Template(
                "public/not_found.html",
                context={"heading": t("public.track"), "message": t("public.track_not_found")},
                status_code=404,
                headers=page_headers(private=True),
            )
        return Template(
            "public/track.html",
            context={"complaint": complaint},
            headers=page_headers(private=True),
        )

    # Litestar's route tree holds one parameter per segment and never backtracks: a single
    # "/{rest:path}" would take the merchant page's place, and a segment only some method
    # answers (the complaint form's address) gives 405. So every way to no page is listed.
    @get(
        [
            "/",
            "/c",
            "/c/{tracking_no:str}/{rest:path}",
            "/{token:str}/complaints",
            "/{token:str}/complaints/{rest:path}",
            "/{token:str}/{rest:path}",
        ]
    )
    async def no_page(self, request: Request) -> RawPage:
        return missing(request)
