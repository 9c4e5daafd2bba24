"""Short-lived links to an original: presigned by S3, or signed by the app for the local folder."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from server.core.clock import utcnow
from server.core.security import inline_safe
from server.core.settings import Settings
from server.evidence.models import Evidence
from server.storage import Storage

__all__ = ["BLOB_PATH", "ContentLink", "content_link", "disposition", "verify_blob_token"]

BLOB_PATH = "/api/v1/evidence/blob/"


@dataclass(frozen=True)
class ContentLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class BlobClaim:
    """What a signed app link lets its holder fetch, until when."""

    key: str
    content_type: str
    disposition: str
    expires: int


def disposition(filename: str, attachment: bool) -> str:
    """A Content-Disposition that carries a Chinese file name safely (RFC 6266 / 5987)."""
    kind = "attachment" if attachment else "inline"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    mac = hmac.new(f"evidence-link:{secret}".encode(), payload.encode(), hashlib.sha256)
    return _b64(mac.digest())


def content_link(
    storage: Storage, settings: Settings, evidence: Evidence, *, attachment: bool
) -> ContentLink:
    """A link to the original that works for `evidence_link_seconds` (blocking: S3 may be asked
    its region once). Only pictures, sound and film may open in the browser; anything else (a
    PDF) is always a download, so it never renders as a document of the app's origin."""
    lifetime = timedelta(seconds=settings.evidence_link_seconds)
    expires_at = utcnow() + lifetime
    header = disposition(evidence.filename, attachment or not inline_safe(evidence.content_type))
    url = storage.presigned_url(
        evidence.storage_key,
        expires=lifetime,
        content_type=evidence.content_type,
        disposition=header,
    )
    if url is None:
        claim = {
            "k": evidence.storage_key,
            "t": evidence.content_type,
            "d": header,
            "e": int(expires_at.timestamp()),
        }
        payload = _b64(json.dumps(claim, separators=(",", ":")).encode())
        url = f"{BLOB_PATH}{payload}.{_sign(settings.secret_key, payload)}"
    return ContentLink(url, expires_at)


def verify_blob_token(settings: Settings, token: str) -> BlobClaim | None:
    """The claim of an app-signed link if its signature holds and it has not expired."""
    payload, _, signature = token.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(settings.secret_key, payload)):
        return None
    try:
        claim = json.loads(_unb64(payload))
        result = BlobClaim(str(claim["k"]), str(claim["t"]), str(claim["d"]), int(claim["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return result if result.expires > utcnow().timestamp() else None
