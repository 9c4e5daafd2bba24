"""Pillow work on photos: is it an image at all, its thumbnail, its watermarked display copy.

The original is never altered: derived copies are made from it on demand, are not evidence,
and are cached under `derived/` only to save work.
"""

import io
import logging

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

__all__ = ["decodes", "display_copy", "thumbnail"]

log = logging.getLogger("onevisit")
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


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
    """The image decoded, turned the way the camera was held (EXIF orientation), shrunk."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (longest, longest))
    image = ImageOps.exif_transpose(image) or image
    image = image.convert("RGB")
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no EXIF: derived copies carry none
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
