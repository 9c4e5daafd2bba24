"""The page a one-time password link opens (/console/reset/{secret}): the officer sets a new
password; a used, replaced or expired link says so and what to do (server/auth/resets.py).

No session is needed: the secret in the address is the key, so the form is exempt from the
session's CSRF token (server/auth/middleware.py), as the sign-in form is; a post another site
sends is refused. The link is checked before the password is, and a password is hashed only for
a link that works.
"""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from server.auth.passwords import MIN_PASSWORD_LENGTH
from server.auth.resets import ResetRefused, open_reset, use_reset
from server.auth.user_fields import UserRefused
from server.auth.users import NewPassword
from server.console.schemas import PasswordBody
from server.core.clock import utcnow
from server.core.cpu import run_cpu
from server.core.db import AsyncSession, DbSession
from server.core.i18n import t
from server.core.inputs import TOKEN_PATH
from server.core.net import client_ip

__all__ = ["PasswordResetController"]

CROSS_SITE = ("cross-site", "same-site")


def _page(status: int = 200, **context: Any) -> Template:
    return Template(
        "users/reset.html",
        status_code=status,
        context={"min_length": MIN_PASSWORD_LENGTH, "error": None, **context},
        headers={"Cache-Control": "no-store"},
    )


async def _opened(db_session: AsyncSession, secret: str) -> dict[str, Any] | Template:
    """The link's user as the form shows it, or the page saying why the link does not work."""
    try:
        _, user = await db_session.run_sync(lambda s: open_reset(s, secret, utcnow()))
    except ResetRefused as exc:
        return _page(exc.status, refused=exc.detail)
    return {"username": user.username, "name": user.name}


class PasswordResetController(Controller):
    path = "/console/reset"
    include_in_schema = False

    @get("/{secret:str}", opt={TOKEN_PATH: True})
    async def form(self, db_session: DbSession, secret: FromPath[str]) -> Template:
        opened = await _opened(db_session, secret)
        return opened if isinstance(opened, Template) else _page(**opened)

    @post("/{secret:str}", opt={TOKEN_PATH: True}, status_code=200)
    async def submit(
        self, request: Request, db_session: DbSession, secret: FromPath[str], data: PasswordBody
    ) -> Template:
        if request.headers.get("sec-fetch-site", "") in CROSS_SITE:
            return _page(403, refused=t("users.reset.cross_site"))
        opened = await _opened(db_session, secret)
        if isinstance(opened, Template):
            return opened
        password = data.password
        if password != data.password_again:
            return _page(422, error=t("users.password.mismatch"), **opened)
        try:
            new = await run_cpu(NewPassword.from_plain, password)
        except UserRefused as exc:
            return _page(422, error=exc.detail, **opened)
        ip = client_ip(request)
        try:
            await db_session.run_sync(lambda s: use_reset(s, secret, new, utcnow(), ip))
        except ResetRefused as exc:  # used by another request in the meantime
            await db_session.rollback()
            return _page(exc.status, refused=exc.detail)
        return _page(done=True, **opened)
