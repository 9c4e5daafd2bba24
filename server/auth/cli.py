"""`onevisit users …`: add the people who sign in, set their passwords, stop and restart their
sign-in, list them (the console's page for administrators does the same: /console/users).

A password comes only from standard input (`--password-stdin`: one line, or a prompt that does
not echo when standard input is a terminal), never from the command line, where the machine's
other users and the shell's history would see it. Each command is one transaction with its audit
row; a refusal changes nothing and exits 1 naming the problem.
"""

import sys
from collections.abc import Callable
from getpass import getpass
from typing import NoReturn, TypeVar

import click
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session

from server.audit.service import Actor
from server.auth.user_fields import UserForm, UserRefused, role_input
from server.auth.user_list import UserRow, list_users
from server.auth.users import (
    NewPassword,
    activate_user,
    create_user,
    deactivate_user,
    find_user,
    set_password,
)
from server.core.i18n import t
from server.core.settings import load_settings

__all__ = ["users"]

T = TypeVar("T")
CLI_ACTOR = Actor("cli")


def _fail(message: str, status: int = 1) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


def _in_transaction(work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction of the database at DATABASE_URL and commit it."""
    from server.core.db import make_sync_engine

    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            done = work(session)
            session.commit()
            return done
    except UserRefused as exc:
        _fail(exc.detail)
    except IntegrityError:  # a username or number taken between our check and the write
        _fail(t("users.cli.conflict"))
    except (OperationalError, ProgrammingError) as exc:
        _fail(t("users.cli.no_schema", error=str(exc.orig).strip().splitlines()[0]), 2)
    finally:
        engine.dispose()


def _read_password(password_stdin: bool) -> NewPassword:
    """The new password from standard input, checked and hashed."""
    if not password_stdin:
        _fail(t("users.cli.password_stdin"))
    if sys.stdin.isatty():
        plain = getpass(t("users.cli.prompt"))
        if getpass(t("users.cli.prompt_again")) != plain:
            _fail(t("users.password.mismatch"))
    else:
        line = sys.stdin.readline()
        if not line:
            _fail(t("users.cli.no_input"))
        plain = line.removesuffix("\n").removesuffix("\r")
    try:
        return NewPassword.from_plain(plain)
    except UserRefused as exc:
        _fail(exc.detail)


_PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (one line); never pass it as an argument.",
)


@click.group(help="People who sign in: add them, set passwords, deactivate, activate, list.")
def users() -> None:
    pass


@users.command("add", help="Add a user who signs in with the password read from stdin.")
@click.argument("username")
@click.option(
    "--role",
    default="",
    help="admin, district_supervisor, street_supervisor (needs --street), inspector (needs "
    "--team), legal or oversight.",
)
@click.option("--name", default="", help="The person's name, as pages show it.")
@click.option("--street", default="", help="Street code or name.")
@click.option("--team", default="", help="Team name (gives its street and department).")
@click.option("--department", default="", help="Department code or name.")
@click.option("--cert-no", default="", help="Enforcement certificate number (执法证号).")
@click.option("--cert-from", default="", help="Certificate valid from, YYYY-MM-DD.")
@click.option("--cert-until", default="", help="Certificate valid until, YYYY-MM-DD.")
@_PASSWORD_STDIN
def add(username: str, password_stdin: bool, **typed: str) -> None:
    form = UserForm(**typed)
    password = _read_password(password_stdin)
    user = _in_transaction(lambda s: create_user(s, username, form, password, CLI_ACTOR))
    role = t(f"role.{role_input(user.role, user.street_id)}")
    click.echo(t("users.cli.added", username=user.username, role=role))


@users.command("set-password", help="Give a user a new password (read from stdin).")
@click.argument("username")
@_PASSWORD_STDIN
def set_password_command(username: str, password_stdin: bool) -> None:
    password = _read_password(password_stdin)
    ended = _in_transaction(lambda s: set_password(s, find_user(s, username), password, CLI_ACTOR))
    click.echo(t("users.cli.password_set", username=username.strip(), n=ended))


@users.command(help="Stop a user signing in; their sessions end at once.")
@click.argument("username")
def deactivate(username: str) -> None:
    ended = _in_transaction(lambda s: deactivate_user(s, find_user(s, username), CLI_ACTOR))
    if ended is None:
        click.echo(t("users.cli.already_inactive", username=username.strip()))
    else:
        click.echo(t("users.cli.deactivated", username=username.strip(), n=ended))


@users.command(help="Let a deactivated user sign in again.")
@click.argument("username")
def activate(username: str) -> None:
    changed = _in_transaction(lambda s: activate_user(s, find_user(s, username), CLI_ACTOR))
    key = "users.cli.activated" if changed else "users.cli.already_active"
    click.echo(t(key, username=username.strip()))


COLUMNS = ("username", "role", "name", "street", "team", "department", "cert_no")


def _line(row: UserRow) -> str:
    values = [str(getattr(row, column)) for column in COLUMNS]
    values += [
        row.cert_from.isoformat() if row.cert_from else "",
        row.cert_until.isoformat() if row.cert_until else "",
        t("users.active") if row.active else t("users.inactive"),
    ]
    return "\t".join(values)


@users.command("list", help="List users, tab-separated, by username.")
@click.option("--role", default="", help="Only this role (as `add` takes it).")
@click.option("--street", default="", help="Only this street (code or name).")
@click.option("--inactive", is_flag=True, help="The deactivated users instead of the active.")
def list_command(role: str, street: str, inactive: bool) -> None:
    rows = _in_transaction(
        lambda s: list_users(s, role=role or None, street=street or None, active=not inactive)
    )
    header = (*COLUMNS, "cert_from", "cert_until", "status")
    click.echo("\t".join(t(f"users.column.{column}") for column in header))
    for row in rows:
        click.echo(_line(row))
    if not rows:
        click.echo(t("users.cli.none"), err=True)
