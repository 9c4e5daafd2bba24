"""What a signature on the record must be: a small PNG, JPEG or WebP drawn on the phone, not blank.

The signature travels inside the record as a data URL, so the action code's hash covers it; the
server checks it is an image a person could read before the record is accepted. Decoding one takes
up to a second of CPU (a pad of 4000 pixels a side), so a request judges its record's signatures
in the CPU pool (`judge_signatures`, server.core.cpu) before it reads the database, and the check
that names the signers looks the verdicts up (`signature_problem`).
"""

import base64
import binascii
import io
from collections.abc import Iterable, Mapping

from PIL import Image, ImageOps, UnidentifiedImageError

from server.core.i18n import t

__all__ = [
    "MAX_SIGNATURE_BYTES",
    "Verdicts",
    "is_signed",
    "judge_signatures",
    "signature_fault",
    "signature_problem",
]

MAX_SIGNATURE_BYTES = 300 * 1024
PREFIXES = {
    "data:image/png;base64,": "PNG",
    "data:image/jpeg;base64,": "JPEG",
    "data:image/webp;base64,": "WEBP",
}
SMALLEST_SIDE, LARGEST_SIDE = 40, 4000
# Fewer drawn pixels than this (on a pad a phone's width) is a tap, not a signature.
LEAST_INK = 30


def is_signed(value: str | None) -> bool:
    """Something was sent in the signature's place (whether it holds up is signature_problem's)."""
    return bool(value and value.strip())


def _decode(value: str) -> tuple[bytes, str] | None:
    for prefix, kind in PREFIXES.items():
        if value.startswith(prefix):
            try:
                return base64.b64decode(value[len(prefix) :], validate=True), kind
            except (binascii.Error, ValueError):
                return None
    return None


def _ink(image: Image.Image) -> int:
    """How many pixels differ from the pad's background (transparent or the corner's colour)."""
    image.thumbnail((400, 400))
    if image.mode in ("RGBA", "LA", "P"):
        alpha = image.convert("RGBA").getchannel("A")
        if alpha.getextrema()[0] < 255:
            return sum(alpha.point(lambda a: 255 if a > 64 else 0).histogram()[255:])
    grey = ImageOps.grayscale(image.convert("RGB"))
    background = grey.getpixel((0, 0))
    return sum(grey.point(lambda v: 255 if abs(v - background) > 64 else 0).histogram()[255:])


# What is wrong with a signature, as a key of server.core.i18n (None: nothing).
FORMAT, SIZE, BLANK = "format", "size", "blank"
Verdicts = Mapping[str, str | None]  # a signature's value: its fault


def signature_fault(value: str) -> str | None:
    """What is wrong with `value` as a signature (FORMAT, SIZE or BLANK), None if it is readable.
    CPU-heavy: request handlers call it through `judge_signatures` in the CPU pool."""
    decoded = _decode(value)
    if decoded is None:
        return FORMAT
    data, kind = decoded
    if len(data) > MAX_SIGNATURE_BYTES:
        return SIZE
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != kind:
                return FORMAT
            width, height = image.size
            if not (min(width, height) >= SMALLEST_SIDE and max(width, height) <= LARGEST_SIDE):
                return FORMAT
            image.load()
            if _ink(image) < LEAST_INK:
                return BLANK
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return FORMAT
    return None


def judge_signatures(values: Iterable[str]) -> dict[str, str | None]:
    """Each distinct signature's fault, for `signature_problem` to look up."""
    return {value: signature_fault(value) for value in dict.fromkeys(values)}


def signature_problem(value: str, who: str, verdicts: Verdicts | None = None) -> str | None:
    """None if `value` is a readable signature; otherwise what is wrong, naming whose it is.
    The fault is looked up in `verdicts` when judged ahead, else judged here."""
    if verdicts is not None and value in verdicts:
        fault = verdicts[value]
    else:
        fault = signature_fault(value)
    if fault is None:
        return None
    if fault == SIZE:
        return t("inspection.error.signature_size", who=who, kb=MAX_SIGNATURE_BYTES // 1024)
    return t(f"inspection.error.signature_{fault}", who=who)
