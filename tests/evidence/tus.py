"""A small tus 1.0 client over any httpx-style client (the TestClient or a real connection)."""

import base64
import hashlib
import io
import os
from typing import Any

from PIL import Image

__all__ = ["create", "headers", "jpeg", "metadata", "mp4", "patch", "png", "upload_whole"]

TUS = {"Tus-Resumable": "1.0.0"}
OCTET = "application/offset+octet-stream"


def headers(csrf: str | None = None, **extra: str) -> dict[str, str]:
    out = dict(TUS)
    if csrf:
        out["X-CSRF-Token"] = csrf
    out.update(extra)
    return out


def metadata(**values: object) -> str:
    return ",".join(
        f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items()
    )


def create(
    client: Any,
    csrf: str,
    data: bytes,
    *,
    kind: str = "photo",
    filename: str = "photo.jpg",
    sha256: str | None = None,
    length: int | None = None,
    **meta: object,
) -> Any:
    """POST a new upload; returns the response (Location names the upload)."""
    values = {
        "filename": filename,
        "kind": kind,
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        **meta,
    }
    return client.post(
        "/api/v1/uploads/",
        headers=headers(
            csrf,
            **{"Upload-Length": str(len(data) if length is None else length)},
            **{"Upload-Metadata": metadata(**values)},
        ),
    )


def path_of(response: Any) -> str:
    location = response.headers["Location"]
    return location[location.index("/api/v1/uploads/") :]


def patch(client: Any, csrf: str, path: str, offset: int, body: bytes, **extra: str) -> Any:
    return client.patch(
        path,
        content=body,
        headers=headers(csrf, **{"Upload-Offset": str(offset), "Content-Type": OCTET}, **extra),
    )


def upload_whole(client: Any, csrf: str, data: bytes, chunk: int | None = None, **kw: Any) -> Any:
    """Create and send a file in chunks; returns the last PATCH response and the path."""
    created = create(client, csrf, data, **kw)
    assert created.status_code == 201, created.text
    path = path_of(created)
    offset, response = int(created.headers.get("Upload-Offset", 0)), created
    step = chunk or len(data) or 1
    while offset < len(data):
        response = patch(client, csrf, path, offset, data[offset : offset + step])
        if response.status_code != 204:
            return response, path
        offset = int(response.headers["Upload-Offset"])
    return response, path


def jpeg(
    size: tuple[int, int] = (640, 480),
    *,
    exif_orientation: int = 0,
    quality: int = 90,
    noise: bool = False,
) -> bytes:
    """A JPEG photo: a left half red, a right half blue (so turning it shows), or noise."""
    if noise:  # incompressible: the file is about as large as a real photo of that size
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
        image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def mp4(size: int) -> bytes:
    """Bytes that begin like an MP4 (an ftyp box) and run to `size` bytes."""
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return head + os.urandom(size - len(head))
