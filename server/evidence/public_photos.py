"""Photos sent by the public and by merchants: checked to be real images, then stored."""

import io
import warnings
from dataclasses import dataclass

import anyio
from PIL import Image, ImageCms, UnidentifiedImageError

from server.core.i18n import t
from server.evidence.images import MAX_PIXELS, mpx, pixel_count, turned
from server.storage import Storage, StoredObject

__all__ = ["CheckedPhoto", "PhotoRejected", "PhotoTooLarge", "check_photo", "mb", "store_photo"]

# The formats every phone camera and browser produce; anything else is refused.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


class PhotoRejected(ValueError):
    """A photo that cannot be taken; the message says why, in words the sender understands."""


class PhotoTooLarge(PhotoRejected):
    """Over the size limit, in bytes or in pixels."""


# A phone photo: at most 50 million pixels, read from the header before anything is decoded.
PHOTO_MAX_PIXELS = MAX_PIXELS["photo"]


def mb(size: int) -> str:
    """A byte count for messages: 10485760 → "10 MB", 51200 → "50 KB"."""
    if size >= 2**20:
        return f"{round(size / 2**20, 1):g} MB"
    return f"{max(1, round(size / 1024))} KB"


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    content_type: str
    extension: str


def check_photo(data: bytes, max_bytes: int, *, anonymous: bool = False) -> CheckedPhoto:
    """Refuse photos over `max_bytes` and anything that is not a JPEG, PNG or WebP image.

    A multi-picture JPEG (MPO: what many phones write, a second picture for depth or a preview
    appended) is taken as its first picture. With `anonymous` (a passer-by's complaint) the
    photo is drawn again from its pixels alone: camera EXIF, GPS, XMP, JPEG comments and every
    other segment can carry where the sender stood, which phone they hold, their number."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(t("complaint.error.photo_too_large", max=mb(max_bytes)))
    pixels = pixel_count(data)
    if pixels is not None and pixels > PHOTO_MAX_PIXELS:
        raise PhotoTooLarge(
            t(
                "complaint.error.photo_too_many_pixels",
                pixels=mpx(pixels),
                max=mpx(PHOTO_MAX_PIXELS),
            )
        )
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not just warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                found = image.format or ""
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise PhotoRejected(t("complaint.error.photo_not_image")) from None
    if found not in FORMATS and found not in _FIRST_PICTURE:
        raise PhotoRejected(t("complaint.error.photo_not_image"))
    kind = _FIRST_PICTURE.get(found, found)
    content_type, extension = FORMATS[kind]
    try:
        if anonymous:
            data = _without_metadata(data, kind)
        elif found != kind:
            data = _first_picture(data)
    except (OSError, SyntaxError, ValueError):  # verify() passed, the pixels do not decode
        raise PhotoRejected(t("complaint.error.photo_not_image")) from None
    return CheckedPhoto(data, content_type, extension)


# Formats taken as another: a multi-picture JPEG is its first picture, a plain JPEG.
_FIRST_PICTURE = {"MPO": "JPEG"}


def _first_picture(data: bytes) -> bytes:
    """The first picture of a multi-picture JPEG as a plain JPEG, its EXIF kept."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        exif = image.info.get("exif", b"")
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=95, exif=exif)
    return out.getvalue()


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """The first picture, upright and in sRGB, in a new image that carries nothing but pixels."""
    image.seek(0)
    icc = image.info.get("icc_profile")
    upright = turned(image)
    keyed = "transparency" in upright.info  # a PNG colour key becomes an alpha channel
    if kind == "JPEG":
        mode = "L" if upright.mode == "L" else "RGB"
    elif kind == "PNG" and upright.mode in ("L", "LA", "RGB", "RGBA") and not keyed:
        mode = upright.mode
    else:
        mode = "RGBA" if keyed or "A" in upright.getbands() else "RGB"
    if icc and mode in ("RGB", "RGBA") and upright.mode in ("RGB", "RGBA", "CMYK"):
        upright = _as_srgb(upright, icc, mode)
    pixels = upright if upright.mode == mode else upright.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    return clean


def _as_srgb(image: Image.Image, icc: bytes, mode: str) -> Image.Image:
    """The colours converted from the photo's embedded profile, so dropping it changes none."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: the pixels as they are
    return converted if converted is not None else image


def _without_metadata(data: bytes, kind: str) -> bytes:
    """The same picture, upright, with nothing but its pixels: no EXIF, GPS, XMP, ICC, comment
    or any other segment or chunk."""
    with Image.open(io.BytesIO(data)) as image:
        clean = _pixels_only(image, kind)
    out = io.BytesIO()
    options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
    clean.save(out, format=kind, **options)
    return out.getvalue()


async def store_photo(storage: Storage, key: str, photo: CheckedPhoto) -> StoredObject:
    """Write the photo under `key` (write-once) from a worker thread."""
    return await anyio.to_thread.run_sync(
        lambda: storage.put(
            key, io.BytesIO(photo.data), content_type=photo.content_type, length=len(photo.data)
        )
    )
