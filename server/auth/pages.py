"""The console's pages: staff whose role may use a page see it; anyone else is sent to sign in.

A page handler takes `guards=[console_page()]` (or `console_page(DOCK_ROLES)`); the app answers
its refusal with the way to sign in (SIGN_IN_FIRST, in the app's one map of exception handlers),
and the handler finds the signed-in `Principal` in `request.user`. Partials and actions answer as
their own rules say (server/auth/access.py).
"""

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from litestar.types import Guard

from server.auth.access import CONSOLE_ROLES, console_principal

__all__ = ["LOGIN_PATH", "SIGN_IN_FIRST", "SignInFirst", "console_page"]

LOGIN_PATH = "/console/login"


class SignInFirst(NotAuthorizedException):
    """Not signed in as staff who may use this page."""


def console_page(roles: tuple[str, ...] = CONSOLE_ROLES) -> Guard:
    """A guard letting through principals of `roles` only."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if console_principal(connection.scope.get("user"), roles) is None:
            raise SignInFirst()

    return guard


def _to_sign_in(_: Request, __: SignInFirst) -> Response:
    return Redirect(LOGIN_PATH)


SIGN_IN_FIRST = {SignInFirst: _to_sign_in}
