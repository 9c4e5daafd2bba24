"""What an arriving file must pass before it may become evidence: its type, read from its first
bytes, fits its kind and the type the phone declared; its bytes hash to the SHA-256 the phone
declared; a picture is not too large in pixels and decodes. Each check answers with the
Rejection to make, or None; when each runs is up to the receiver and server/evidence/tus/finish.py.
"""

from server.core.cpu import run_cpu
from server.core.i18n import t
from server.evidence.images import DECODES, MAX_PIXELS, TooManyPixels, check_pixels, decodes, mpx
from server.evidence.sniff import ALLOWED_TYPES, compatible
from server.evidence.tus.errors import Rejection

__all__ = [
    "IMAGE_KINDS",
    "checked_image",
    "hash_rejection",
    "image_rejection",
    "type_rejection",
]

IMAGE_KINDS = ("photo", "signature")


def type_rejection(found: str | None, kind: str, declared: str | None) -> Rejection | None:
    """Why a file whose first bytes say `found` cannot be evidence of `kind` (None: it can)."""
    allowed = ALLOWED_TYPES[kind]
    named = {"kind": t(f"evidence.kind.{kind}"), "allowed": "、".join(sorted(allowed))}
    if found is None:
        return Rejection("type_unknown", 415, named)
    if found not in allowed:
        return Rejection("type_not_allowed", 415, {"found": found, **named})
    if not compatible(declared, found):
        return Rejection("type_mismatch", 415, {"found": found, "declared": declared})
    return None


def hash_rejection(declared: str, actual: str | None) -> Rejection | None:
    """The bytes' SHA-256 must be the one the phone declared when it began."""
    if actual == declared:
        return None
    return Rejection("sha256_mismatch", 422, {"declared": declared, "actual": actual})


def _image_problem(data: bytes, kind: str) -> TooManyPixels | str | None:
    """Why a picture cannot be taken (None: it can). The header's size is checked first, so
    a small file that would decode to a huge picture is never decoded."""
    try:
        check_pixels(data, MAX_PIXELS[kind])
    except TooManyPixels as exc:
        return exc
    return None if decodes(data) else "undecodable"


async def checked_image(data: bytes, kind: str) -> TooManyPixels | str | None:
    """`_image_problem` in the CPU pool, in one of the process's few decode slots."""
    async with DECODES:
        return await run_cpu(_image_problem, data, kind)


def image_rejection(problem: TooManyPixels | str | None, kind: str) -> Rejection | None:
    """The rejection a picture's problem (from `checked_image`) calls for."""
    if isinstance(problem, TooManyPixels):
        values = {
            "pixels": mpx(problem.pixels),
            "kind": t(f"evidence.kind.{kind}"),
            "limit": mpx(problem.limit),
        }
        return Rejection("too_many_pixels", 413, values)
    if problem is not None:
        return Rejection("undecodable", 415)
    return None
