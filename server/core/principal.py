"""Who is making a request, and the guards that check it."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from server.core.i18n import t

__all__ = [
    "Principal",
    "current_principal",
    "requires_role",
    "signed_in",
]


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the request sees it."""

    id: uuid.UUID
    username: str
    name: str
    role: str
    department_id: uuid.UUID | None
    street_id: uuid.UUID | None
    team_id: uuid.UUID | None
    session_id: uuid.UUID
    csrf_token: str


def current_principal(connection: ASGIConnection) -> Principal:
    """The request's principal, or 401."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException(detail=t("auth.required"))
    return user


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: any signed-in user."""
    current_principal(connection)


def requires_role(*roles: str) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    """Guard factory: the user must hold one of `roles` (administrators pass every guard)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = current_principal(connection)
        if principal.role != "admin" and principal.role not in roles:
            raise PermissionDeniedException(detail=t("auth.forbidden"))

    return guard
