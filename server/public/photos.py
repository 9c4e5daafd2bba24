"""Photos sent by the public and by merchants: checked to be real images, then stored."""

import io
import warnings
from dataclasses import dataclass

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError

from server.i18n import t
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
    """Over the size limit."""


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

    With `anonymous` (a passer-by's complaint) the photo is drawn again without its metadata:
    camera EXIF carries where the sender stood and which phone they hold."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(t("complaint.error.photo_too_large", max=mb(max_bytes)))
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not just warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
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
    if kind not in FORMATS:
        raise PhotoRejected(t("complaint.error.photo_not_image"))
    content_type, extension = FORMATS[kind]
    if anonymous:
        data = _without_metadata(data, kind)
    return CheckedPhoto(data, content_type, extension)


def _without_metadata(data: bytes, kind: str) -> bytes:
    """The same picture, upright, with no EXIF, XMP, ICC comments or GPS."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        if kind == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
        upright.save(out, format=kind, **options)
    return out.getvalue()


async def store_photo(storage: Storage, key: str, photo: CheckedPhoto) -> StoredObject:
    """Write the photo under `key` (write-once) from a worker thread."""
    return await anyio.to_thread.run_sync(
        lambda: storage.put(
            key, io.BytesIO(photo.data), content_type=photo.content_type, length=len(photo.data)
        )
    )
