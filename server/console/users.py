"""The administrators' users page (/console/users): the list with its filters, adding a user,
editing role, placement and certificate, deactivating and activating, and one-time links to set
a password (server/console/password_reset.py is where the officer opens one).

Administrators alone reach it (server/auth/access.py, USER_ADMIN_ROLES): the pages send anyone
else to sign in, the forms answer 403. Forms post with htmx and the session's X-CSRF-Token; a
refusal comes back as its 4xx with the reason, which the page shows next to the form. Every
change goes through server/auth/users.py and server/auth/resets.py, as `onevisit users` does.
"""

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from markupsafe import escape
from sqlmodel import Session

from server.audit.service import Actor, actor_of
from server.auth.access import USER_ADMIN_ROLES, console_principal
from server.auth.pages import console_page
from server.auth.resets import RESET_HOURS, IssuedReset, issue_reset_link, reset_url
from server.auth.user_fields import UserForm, UserRefused
from server.auth.user_list import form_choices, list_users
from server.auth.users import (
    NewPassword,
    activate_user,
    create_user,
    deactivate_user,
    get_user,
    update_user,
    user_form,
)
from server.console.password_reset import PasswordResetController
from server.console.schemas import UserBody
from server.core.clock import utcnow
from server.core.db import AsyncSession, DbSession
from server.core.i18n import t
from server.core.principal import Principal
from server.org.models import User

__all__ = ["USER_PAGES", "UsersConsoleController"]

STATUSES = {"active": True, "inactive": False, "all": None}


def _admin(request: Request) -> Principal | None:
    return console_principal(request.scope.get("user"), USER_ADMIN_ROLES)


def _message(text: str, status: int) -> Response[str]:
    return Response(
        f'<p class="error" role="alert">{escape(text)}</p>',
        media_type="text/html",
        status_code=status,
    )


async def _refused(db_session: AsyncSession, exc: UserRefused) -> Response[str]:
    await db_session.rollback()  # nothing of a refused change stays
    return _message(exc.detail, exc.status)


def _forbidden() -> Response[str]:
    return _message(t("auth.forbidden"), 403)


def _reload(user_id: uuid.UUID, done: str) -> Response[str]:
    return Response("", headers={"HX-Redirect": f"/console/users/{user_id}?done={done}"})


def _link(issued: IssuedReset, state: State, person: User, status: int, **extra: Any) -> Template:
    return Template(
        "users/_link.html",
        status_code=status,
        context={
            "person": person,
            "url": reset_url(state.settings.public_base_url, issued.secret),
            "expires": issued.expires_at,
            "hours": RESET_HOURS,
            **extra,
        },
        headers={"Cache-Control": "no-store", "HX-Trigger": "users-changed"},
    )


def _create(
    session: Session, username: str, form: UserForm, password: NewPassword, actor: Actor
) -> tuple[User, IssuedReset]:
    user = create_user(session, username, form, password, actor)
    return user, issue_reset_link(session, user, actor, utcnow())


class UsersConsoleController(Controller):
    path = "/console/users"
    include_in_schema = False

    def _page(self, name: str, user: Principal, status: int = 200, **context: Any) -> Template:
        return Template(
            name,
            status_code=status,
            context={"user": user, "csrf_token": user.csrf_token, **context},
        )

    @get("/", guards=[console_page(USER_ADMIN_ROLES)])
    async def index(
        self,
        request: Request,
        db_session: DbSession,
        role: FromQuery[str] = "",
        street: FromQuery[str] = "",
        status: FromQuery[str] = "active",
    ) -> Template:
        error, rows = None, []
        try:
            if status not in STATUSES:
                raise UserRefused(t("users.status.unknown"))
            rows = await db_session.run_sync(
                lambda s: list_users(
                    s, role=role or None, street=street or None, active=STATUSES[status]
                )
            )
        except UserRefused as exc:
            error = exc.detail
        choices = await db_session.run_sync(form_choices)
        return self._page(
            "users/index.html",
            request.user,
            422 if error else 200,
            rows=rows,
            error=error,
            filters={"role": role, "street": street, "status": status},
            **choices,
        )

    @post("/", status_code=201)
    async def create(
        self, request: Request, db_session: DbSession, state: State, data: UserBody
    ) -> Response[str] | Template:
        if _admin(request) is None:
            return _forbidden()
        password = NewPassword.unset()
        form, username, actor = data.user_form(), data.username, actor_of(request)
        try:
            user, issued = await db_session.run_sync(
                lambda s: _create(s, username, form, password, actor)
            )
        except UserRefused as exc:
            return await _refused(db_session, exc)
        return _link(issued, state, user, 201, created=True)

    @get("/{user_id:uuid}", guards=[console_page(USER_ADMIN_ROLES)])
    async def edit(
        self,
        request: Request,
        db_session: DbSession,
        user_id: FromPath[uuid.UUID],
        done: FromQuery[str] = "",
    ) -> Template:
        def read(s: Session) -> dict[str, Any] | None:
            person = s.get(User, user_id)
            if person is None:
                return None
            return {"person": person, "form": user_form(s, person), **form_choices(s)}

        context = await db_session.run_sync(read)
        if context is None:
            return self._page("users/missing.html", request.user, 404)
        done = done if done in ("saved", "deactivated", "activated") else ""
        return self._page("users/edit.html", request.user, done=done, **context)

    @post("/{user_id:uuid}", status_code=200)
    async def update(
        self, request: Request, db_session: DbSession, user_id: FromPath[uuid.UUID], data: UserBody
    ) -> Response[str]:
        if _admin(request) is None:
            return _forbidden()
        form, actor = data.user_form(), actor_of(request)
        try:
            await db_session.run_sync(lambda s: update_user(s, get_user(s, user_id), form, actor))
        except UserRefused as exc:
            return await _refused(db_session, exc)
        return _reload(user_id, "saved")

    @post("/{user_id:uuid}/deactivate", status_code=200)
    async def deactivate(
        self, request: Request, db_session: DbSession, user_id: FromPath[uuid.UUID]
    ) -> Response[str]:
        if _admin(request) is None:
            return _forbidden()
        actor = actor_of(request)
        try:
            await db_session.run_sync(lambda s: deactivate_user(s, get_user(s, user_id), actor))
        except UserRefused as exc:
            return await _refused(db_session, exc)
        return _reload(user_id, "deactivated")

    @post("/{user_id:uuid}/activate", status_code=200)
    async def activate(
        self, request: Request, db_session: DbSession, user_id: FromPath[uuid.UUID]
    ) -> Response[str]:
        if _admin(request) is None:
            return _forbidden()
        actor = actor_of(request)
        try:
            await db_session.run_sync(lambda s: activate_user(s, get_user(s, user_id), actor))
        except UserRefused as exc:
            return await _refused(db_session, exc)
        return _reload(user_id, "activated")

    @post("/{user_id:uuid}/reset-link", status_code=201)
    async def reset_link(
        self, request: Request, db_session: DbSession, state: State, user_id: FromPath[uuid.UUID]
    ) -> Response[str] | Template:
        if _admin(request) is None:
            return _forbidden()
        actor = actor_of(request)

        def issue(s: Session) -> tuple[User, IssuedReset]:
            person = get_user(s, user_id)
            return person, issue_reset_link(s, person, actor, utcnow())

        try:
            user, issued = await db_session.run_sync(issue)
        except UserRefused as exc:
            return await _refused(db_session, exc)
        return _link(issued, state, user, 201)


# The routes app.py registers: the administrators' page and the page a reset link opens.
USER_PAGES = [UsersConsoleController, PasswordResetController]
