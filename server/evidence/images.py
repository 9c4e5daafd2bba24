"""Pillow work on photos: is it an image at all, its thumbnail, its watermarked display copy.

The original is never altered: derived copies are made from it on demand, are not evidence,
and are cached under `derived/` only to save work.

A picture's header says how many pixels decoding it will hold (3–4 bytes each): a 250 KB PNG
can say 9400×9400, almost 90 million. Every decode here is measured from the header first and
refused beyond its kind's ceiling, and at most `DECODES` of them run at once in a process.
"""

import io
import logging
import re
import struct
import warnings

import anyio
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

__all__ = [
    "DECODES",
    "MAX_PIXELS",
    "RENDER_MAX_PIXELS",
    "TooManyPixels",
    "check_pixels",
    "decodes",
    "display_copy",
    "mpx",
    "pixel_count",
    "thumbnail",
    "turned",
]

# The most pixels a picture of each kind may have. A phone photo is at most 50 million (the
# 50 MP mode of today's phones); a signature is drawn on a phone's screen.
MAX_PIXELS = {"photo": 50_000_000, "signature": 4_000_000, "document": 50_000_000}
# The most pixels a thumbnail or display copy decodes (a JPEG decodes at a reduced scale, so a
# larger one can still be shown; a PNG or WebP decodes whole).
RENDER_MAX_PIXELS = 50_000_000
# Decodes at once per process: each holds up to RENDER_MAX_PIXELS × 4 bytes, so parallel
# thumbnail requests wait their turn instead of exhausting memory.
DECODES = anyio.CapacityLimiter(2)
_BOMB_SIZE = re.compile(r"\((\d+) pixels\)")

log = logging.getLogger("onevisit")
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


class TooManyPixels(ValueError):
    """A picture whose decoded size is over the ceiling; the message names both."""

    def __init__(self, pixels: int, limit: int) -> None:
        super().__init__(f"{pixels} pixels, more than {limit}")
        self.pixels, self.limit = pixels, limit


def mpx(pixels: int) -> str:
    """A pixel count for messages, in 万 (10⁴): 88360000 → "8836"."""
    return f"{pixels / 10_000:.0f}"


def pixel_count(data: bytes) -> int | None:
    """How many pixels the picture decodes to, read from its header alone (None: not a
    picture Pillow knows)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:
        return _bomb_pixels(exc)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return width * height


def _bomb_pixels(exc: Image.DecompressionBombError) -> int:
    """The size of a picture past Pillow's own ceiling, from what Pillow says about it."""
    found = _BOMB_SIZE.search(str(exc))
    return int(found.group(1)) if found else 2 * (Image.MAX_IMAGE_PIXELS or 0) + 1


def check_pixels(data: bytes, limit: int) -> None:
    """Refuse (TooManyPixels) a picture whose header says it decodes to more than `limit`."""
    pixels = pixel_count(data)
    if pixels is not None and pixels > limit:
        raise TooManyPixels(pixels, limit)


# EXIF orientation → the turn that shows the picture as the camera was held.
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def turned(image: Image.Image) -> Image.Image:
    """The picture turned the way the camera was held (its EXIF orientation).

    Unlike ImageOps.exif_transpose this writes no EXIF back, which fails (TypeError) on a
    picture whose EXIF holds a tag of the wrong type; a picture is turned or not, never refused
    for its EXIF."""
    try:
        orientation = image.getexif().get(0x0112)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, struct.error):
        return image
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(turn) if turn is not None else image


def decodes(data: bytes) -> bool:
    """Whether the bytes decode as a whole image (a truncated or forged one does not)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (512, 512))  # JPEG: decode every block, at a small scale
            image.load()
    except _DECODE_ERRORS:
        return False
    return True


THUMB_SIZE = 320
DISPLAY_SIZE = 1600
_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def _upright(data: bytes, longest: int) -> Image.Image:
    """The image decoded, shrunk, turned the way the camera was held (EXIF orientation).

    Refuses (TooManyPixels) one that would decode to more than RENDER_MAX_PIXELS: a JPEG is
    measured at the reduced scale it is decoded at; shrinking comes before turning and
    converting, so only the decode itself is full size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(_bomb_pixels(exc), RENDER_MAX_PIXELS) from None
    image.draft("RGB", (longest, longest))
    pixels = image.size[0] * image.size[1]
    if pixels > RENDER_MAX_PIXELS:
        raise TooManyPixels(pixels, RENDER_MAX_PIXELS)
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return turned(image).convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    # Derived copies carry no metadata: Pillow would write the original's JPEG comment again.
    image.info.clear()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def thumbnail(data: bytes) -> bytes:
    """A small upright JPEG for lists."""
    return _jpeg(_upright(data, THUMB_SIZE))


def _font(size: int, path: str | None) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in (path, *_FONTS):
        if candidate:
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    log.warning("no TrueType font found for watermarks; set WATERMARK_FONT")
    return ImageFont.load_default(size)


def display_copy(data: bytes, lines: list[str], font_path: str | None = None) -> bytes:
    """An upright JPEG for viewing, with a visible band of who, when, where and for whom."""
    image = _upright(data, DISPLAY_SIZE)
    width, height = image.size
    size = max(14, width // 48)
    font = _font(size, font_path)
    pad, gap = size // 2, size // 4
    band = pad * 2 + len(lines) * (size + gap)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0, 150))
    y = height - band + pad
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 255, 255, 235))
        y += size + gap
    # A faint mark across the middle, so a crop of the band does not make a clean copy.
    mark = lines[-1] if lines else ""
    draw.text((width // 10, height // 2), mark, font=font, fill=(255, 255, 255, 90))
    return _jpeg(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
