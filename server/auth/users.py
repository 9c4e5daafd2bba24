"""Managing the people who sign in: accounts, roles, placement, certificates, passwords.

The command line (`onevisit users …`, server/auth/cli.py) and the administrators' console page
(`/console/users`, server/console/users.py) change users through these functions only (and list
them through server/auth/user_list.py; reset links: server/auth/resets.py). Each checks what it
is given (server/auth/user_fields.py, by the rules of server/org/user_rules.py, which the
organisation workbook's import keeps too), writes its audit row in the caller's transaction and
never commits. Ending a user's sessions deletes their rows, so the cookie is worthless at once
in every app process (the session cache hears of it through server/core/changefeed.py).
"""

import uuid
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from server.audit.service import Actor, record
from server.auth.models import PasswordReset, UserSession
from server.auth.passwords import hash_password, password_problem
from server.auth.user_fields import UserFacts, UserForm, UserRefused, resolve, role_input
from server.core.clock import utcnow
from server.core.i18n import t
from server.core.inputs import shown
from server.org.models import NO_PASSWORD, Department, Street, Team, User
from server.org.user_rules import keep_an_admin, new_username

__all__ = [
    "NewPassword",
    "activate_user",
    "create_user",
    "deactivate_user",
    "end_sessions",
    "find_user",
    "get_user",
    "set_password",
    "update_user",
    "user_form",
]


@dataclass(frozen=True)
class NewPassword:
    """A password that meets the rule (server/auth/passwords.py), hashed as sign-in checks it.
    Hashing takes a good fraction of a second of CPU: the console makes one in the CPU pool."""

    hash: str

    @classmethod
    def from_plain(cls, plain: str) -> "NewPassword":
        problem = password_problem(plain)
        if problem is not None:
            raise UserRefused(problem)
        return cls(hash_password(plain))

    @classmethod
    def unset(cls) -> "NewPassword":
        """No password yet: the officer sets theirs by a reset link. Sign-in treats the marker
        like a wrong password, at the same cost (server/auth/service.py)."""
        return cls(NO_PASSWORD)


def _audit(session: Session, action: str, user: User, actor: Actor, **detail: Any) -> None:
    record(
        session,
        action=action,
        entity="user",
        entity_id=user.id,
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail={"username": user.username, **detail},
    )


def end_sessions(session: Session, user_id: uuid.UUID) -> int:
    """End every session of the user, on every device; how many there were."""
    result = session.exec(delete(UserSession).where(col(UserSession.user_id) == user_id))
    return result.rowcount or 0


def find_user(session: Session, username: str) -> User:
    """The user of that username (sign-in's spelling: surrounding spaces dropped), or 404."""
    wanted = username.strip()
    user = session.exec(select(User).where(User.username == wanted)).first()
    if user is None:
        raise UserRefused(t("users.unknown", username=shown(wanted)), 404)
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserRefused(t("error.not_found"), 404)
    return user


def _apply(user: User, facts: UserFacts) -> None:
    for field in fields(UserFacts):
        setattr(user, field.name, getattr(facts, field.name))


def create_user(
    session: Session, username: str, form: UserForm, password: NewPassword, actor: Actor
) -> User:
    """A new active user. Refused: a username taken (letter case aside), or any field of
    `form` (see server/auth/user_fields.py)."""
    username = new_username(session, username)
    facts = resolve(session, form)
    user = User(username=username, name=facts.name, password_hash=password.hash, role=facts.role)
    _apply(user, facts)
    session.add(user)
    session.flush()
    _audit(session, "user.created", user, actor, **_described(session, user))
    return user


def update_user(session: Session, user: User, form: UserForm, actor: Actor) -> dict[str, list]:
    """Set the user's role, name, placement and certificate to what `form` says (all of it:
    an empty field clears it). Returns what changed, as the audit row records it."""
    facts = resolve(session, form, user_id=user.id)
    before = _described(session, user)
    if facts.role != user.role:
        keep_an_admin(session, user, actor)
    _apply(user, facts)
    session.flush()
    after = _described(session, user)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        _audit(session, "user.updated", user, actor, changes=changes)
    return changes


def set_password(session: Session, user: User, password: NewPassword, actor: Actor) -> int:
    """Give the user a new password and end their sessions everywhere; how many ended."""
    user.password_hash = password.hash
    ended = end_sessions(session, user.id)
    _audit(session, "user.password_set", user, actor, sessions_ended=ended)
    return ended


def deactivate_user(session: Session, user: User, actor: Actor) -> int | None:
    """Stop the user signing in, ending their sessions and any reset link not used yet at
    once; None when already stopped, else how many sessions ended."""
    if not user.active:
        return None
    keep_an_admin(session, user, actor)
    user.active = False
    ended = end_sessions(session, user.id)
    session.exec(
        update(PasswordReset)
        .where(
            col(PasswordReset.user_id) == user.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    _audit(session, "user.deactivated", user, actor, sessions_ended=ended)
    return ended


def activate_user(session: Session, user: User, actor: Actor) -> bool:
    """Let a stopped user sign in again (with the password they had); False when active."""
    if user.active:
        return False
    user.active = True
    _audit(session, "user.activated", user, actor)
    return True


def user_form(session: Session, user: User) -> UserForm:
    """The user's current values, as a form to edit them shows them."""
    described = _described(session, user)
    return UserForm(
        role=described["role"],
        name=user.name,
        street=described["street"],
        team=described["team"],
        department=described["department"],
        cert_no=described["cert_no"],
        cert_from=described["cert_from"],
        cert_until=described["cert_until"],
    )


def _described(session: Session, user: User) -> dict[str, str]:
    """The user's role, name, placement and certificate in the words people type them."""
    street = session.get(Street, user.street_id) if user.street_id else None
    team = session.get(Team, user.team_id) if user.team_id else None
    department = session.get(Department, user.department_id) if user.department_id else None
    return {
        "role": role_input(user.role, user.street_id),
        "name": user.name,
        "street": street.code if street else "",
        "team": team.name if team else "",
        "department": department.code if department else "",
        "cert_no": user.cert_no or "",
        "cert_from": user.cert_valid_from.isoformat() if user.cert_valid_from else "",
        "cert_until": user.cert_valid_until.isoformat() if user.cert_valid_until else "",
    }
