"""A merchant's QR code (一户一码): the unguessable token it carries, replaced at once when a code
is lost, copied or abused, and the code itself as SVG and PNG."""

import hashlib
import io
import secrets
import uuid
from collections.abc import Iterable

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import update
from sqlmodel import Session, select

from server.audit.service import Actor
from server.core.clock import utcnow
from server.core.errors import DomainError
from server.core.i18n import t
from server.merchants.models import Merchant, MerchantToken
from server.merchants.service import record_merchant

__all__ = [
    "QrInputError",
    "merchant_url",
    "new_token",
    "qr_png",
    "qr_svg",
    "qr_svgs",
    "rotate_token",
    "token_hash",
]


class QrInputError(DomainError):
    """Input a supervisor can fix (400); the message is user-facing."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 400)


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


def new_token() -> str:
    """192 random bits (32 URL-safe characters); nothing about the merchant goes into it."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_token(
    session: Session, merchant_id: uuid.UUID, *, reason: str, revoke: bool, actor: Actor
) -> str | None:
    """Give the merchant a new code; the old one stops working at once.

    `revoke` marks the old code as revoked (abused or copied) rather than simply replaced.
    Returns the new token, or None when there is no such merchant.
    """
    reason = reason.strip()
    if not reason:
        raise QrInputError(t("code.error.reason_required"))
    old = session.exec(select(Merchant.qr_token).where(Merchant.id == merchant_id)).first()
    if old is None:
        return None
    token = new_token()
    session.add(
        MerchantToken(
            merchant_id=merchant_id,
            token_hash=token_hash(old),
            status="revoked" if revoke else "replaced",
            reason=reason[:500],
            ended_by=actor.id,
        )
    )
    session.connection().execute(
        update(Merchant)
        .where(Merchant.id == merchant_id)
        .values(qr_token=token, updated_at=utcnow())
    )
    record_merchant(
        session,
        "code.revoke" if revoke else "code.rotate",
        merchant_id,
        actor,
        {"reason": reason[:500]},
    )
    return token
