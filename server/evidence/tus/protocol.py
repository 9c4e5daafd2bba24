"""The tus 1.0 wire format: headers in, headers out; no rules about evidence here (what offset
an upload may take is server/evidence/tus/offsets.py's to say)."""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from server.core.clock import as_utc

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "EXTENSIONS",
    "OFFSET_OCTET_STREAM",
    "TUS_VERSION",
    "BadHeader",
    "Checksum",
    "http_date",
    "parse_checksum",
    "parse_metadata",
    "parse_offset",
]

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only: "²" or "١" is no number here
MAX_OFFSET = 2**63 - 1


class BadHeader(ValueError):
    """A tus header that cannot be read; `key` names the message, `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Checksum:
    """The Upload-Checksum of one PATCH body."""

    algorithm: str
    digest: bytes


def parse_metadata(header: str | None) -> dict[str, str]:
    """Decode `Upload-Metadata: key base64,key base64,...` (values UTF-8)."""
    values: dict[str, str] = {}
    if not header or not header.strip():
        return values
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not _KEY.match(key) or key in values:
            raise BadHeader("upload.metadata_invalid", detail=key[:64] or "?")
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise BadHeader("upload.metadata_invalid", detail=key) from None
    return values


def parse_offset(header: str | None) -> int:
    """A non-negative whole number from Upload-Offset or Upload-Length (ASCII digits that fit
    a 64-bit integer)."""
    if header is None or not _DIGITS.fullmatch(header.strip()):
        raise BadHeader("upload.offset_required")
    value = int(header.strip())
    if value > MAX_OFFSET:
        raise BadHeader("upload.offset_required")
    return value


def parse_checksum(header: str | None) -> Checksum | None:
    """`Upload-Checksum: <algorithm> <base64 digest>`, or None when absent."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadHeader("upload.checksum_unsupported", value=algorithm[:16])
    try:
        return Checksum(algorithm, base64.b64decode(encoded.strip(), validate=True))
    except (binascii.Error, ValueError):
        raise BadHeader("upload.checksum_unsupported", value=algorithm) from None


def http_date(moment: datetime) -> str:
    """An RFC 9110 date, as Upload-Expires wants it."""
    return format_datetime(as_utc(moment).astimezone(UTC), usegmt=True)
