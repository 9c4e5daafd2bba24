"""Merchant QR codes (一户一码) as SVG and PNG.

Drawing a code is pure Python and takes a few tens of milliseconds (a page of 100 posters, seconds):
request handlers draw them in the CPU pool (`run_cpu`, server.core.cpu), after ending their
database transaction.
"""

import io
from collections.abc import Iterable

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

__all__ = ["merchant_url", "qr_png", "qr_svg", "qr_svgs"]


def merchant_url(public_base_url: str, token: str) -> str:
    """What a merchant's code encodes: its public page."""
    return f"{public_base_url.rstrip('/')}/m/{token}"


def _code(data: str, box_size: int = 10) -> qrcode.QRCode:
    # Level M survives a scuffed or partly covered poster; a 4-module quiet zone is the standard.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str) -> str:
    """A scalable SVG (one path), for screens and print."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def qr_svgs(data: Iterable[str]) -> list[str]:
    """`qr_svg` of each, in order (a page of posters in one go)."""
    return [qr_svg(each) for each in data]


def qr_png(data: str, size: int = 480) -> bytes:
    """A PNG about `size` pixels wide, with whole pixels per module so scanners read it cleanly."""
    code = _code(data, box_size=1)
    modules = code.modules_count + 2 * code.border
    code.box_size = max(1, size // modules)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
