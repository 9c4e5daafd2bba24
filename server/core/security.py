"""Headers every answer carries, so a browser treats the app's pages as the app's alone.

The Content-Security-Policy runs only the app's own script files and inline scripts that carry
this response's nonce: markup that slips into a page (a merchant's name, a complaint) cannot run
script, neither as a `<script>` nor as an `onerror=` attribute. No page may be framed (click-
jacking), no response is sniffed into another type, and the full address of a page (owner links
carry a secret in it) never leaves for another site.

Styles stay open to inline use (`'unsafe-inline'` for styles only): the public pages are rendered
once and kept (server.public.page_cache), so they cannot carry a per-request nonce, and the
console draws bar widths and colour swatches with style attributes. Styles cannot run script.

Files people uploaded (evidence, complaint photos) get a stricter policy of their own, set by the
route that serves them (see `served_file_headers`); this layer never replaces a policy a route
has set.
"""

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from jinja2 import pass_context
from litestar.openapi import OpenAPIConfig

__all__ = [
    "NONCE_KEY",
    "SecurityHeaders",
    "csp_nonce",
    "inline_safe",
    "served_file_headers",
    "tile_source",
    "with_nonces",
]

NONCE_KEY = "csp_nonce"
# The phone app hashes long clips with a WebAssembly SHA-256 (hash-wasm): compiling WebAssembly
# is allowed there and nowhere else. It does not allow eval() of JavaScript.
_WASM_PATHS = ("/app/",)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
# The API documentation pages (/schema) are Litestar's: their scripts get the nonce (see
# `with_nonces`); their stylesheets, fonts and logos come from public CDNs.
_DOCS_PATH = "/schema"
_DOCS_OPEN = {"style-src": "https:", "font-src": "https: data:", "img-src": "https:"}

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]


def tile_source(url: str) -> str | None:
    """The CSP source that lets a browser load MAP_TILE_URL's tiles (None: no tile server).

    `https://{s}.tile.example/{z}/{x}/{y}.png` → `https://*.tile.example`: a placeholder in the
    host's first label becomes the wildcard CSP allows there; a placeholder deeper in the host
    cannot be written as a host, so the scheme alone is allowed.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host, _, port = parts.netloc.rpartition("@")[2].partition(":")
    labels = host.split(".")
    if _PLACEHOLDER.search(labels[0]):
        labels[0] = "*"
    if any(_PLACEHOLDER.search(label) for label in labels) or not all(labels):
        return f"{parts.scheme}:"
    if port and not port.isdigit():
        port = "*"
    return f"{parts.scheme}://{'.'.join(labels)}" + (f":{port}" if port else "")


def _policy(nonce: str, images: str, wasm: bool, docs: bool = False) -> str:
    script = f"'self' 'nonce-{nonce}'" + (" 'wasm-unsafe-eval'" if wasm else "")
    directives = {
        "default-src": "'self'",
        "script-src": script,
        "script-src-attr": "'none'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": images,
        "media-src": "'self' blob:",
        # qr-scanner decodes in a worker it starts from a blob of its own code.
        "worker-src": "'self' blob:",
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if docs:
        for name, extra in _DOCS_OPEN.items():
            directives[name] += f" {extra}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeaders:
    """Adds the headers to every HTTP answer; a header the route set itself is left alone."""

    def __init__(self, tile_url: str = "", *, https: bool = False) -> None:
        tiles = tile_source(tile_url)
        self._images = " ".join(["'self'", "data:", "blob:", *([tiles] if tiles else [])])
        fixed = [
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            # Tile servers that check who embeds them still see the app's origin, never a path.
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if https:
            fixed.append((b"strict-transport-security", b"max-age=31536000"))
        self._fixed = fixed

    def wrap(self, scope: dict[str, Any], send: Send) -> Send:
        """`send` with the headers added; the request's nonce goes to scope["state"]."""
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        path = scope.get("path", "")
        wasm, docs = path.startswith(_WASM_PATHS), path.startswith(_DOCS_PATH)
        policy = _policy(nonce, self._images, wasm, docs)
        extra = [*self._fixed, (b"content-security-policy", policy)]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {bytes(k).lower() for k, _ in headers}
                for key, value in extra:
                    if key not in present:
                        headers.append((key, value.encode() if isinstance(value, str) else value))
                message = {**message, "headers": headers}
            await send(message)

        return sending


@pass_context
def csp_nonce(context: Any) -> str:
    """The nonce of the response being rendered, for `<script nonce="{{ csp_nonce() }}">`."""
    request = context.get("request")
    if request is None:  # a page rendered ahead of any request has no inline script to run
        return ""
    return str(request.scope.get("state", {}).get(NONCE_KEY, ""))


def with_nonces(config: OpenAPIConfig) -> OpenAPIConfig:
    """The API documentation pages with the request's nonce on each of their scripts (Redoc,
    Swagger UI … load from a CDN and start with an inline script), so they work under the
    policy without opening it to other scripts."""
    for plugin in config.render_plugins:
        if plugin.media_type != "text/html":
            continue

        def render(request: Any, schema: dict[str, Any], _render: Any = plugin.render) -> bytes:
            nonce = str(request.scope.get("state", {}).get(NONCE_KEY, ""))
            return bytes(_render(request, schema)).replace(
                b"<script", f'<script nonce="{nonce}"'.encode()
            )

        plugin.render = render  # type: ignore[method-assign]
    return config


# What a browser may show in its own tab without it becoming a document of the app's origin:
# pictures, sound and film. Anything else (a PDF above all) is always handed over as a download.
_INLINE_TYPES = ("image/jpeg", "image/png", "image/webp")
_INLINE_FAMILIES = ("video/", "audio/")


def inline_safe(content_type: str) -> bool:
    """Whether a stored file of this type may be shown inline rather than downloaded."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _INLINE_TYPES or media.startswith(_INLINE_FAMILIES)


def served_file_headers(disposition: str) -> dict[str, str]:
    """Headers for bytes someone uploaded, served from the app's origin: never sniffed into
    another type, and sandboxed, so even a file a browser would render as a document runs no
    script with the app's cookies."""
    return {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
            "style-src 'unsafe-inline'; frame-ancestors 'none'"
        ),
    }
