"""`onevisit evidence …`: recorder ingest, recorders and who carried them, legal holds, and the
scheduled jobs (expiring abandoned uploads, deleting evidence past its retention)."""

import asyncio
import hashlib
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import click

from server.core.clock import local_today
from server.core.settings import load_settings

__all__ = ["evidence"]

T = TypeVar("T")
CHUNK = 1024 * 1024


def _run(work: Callable[..., Awaitable[T]]) -> T:
    """Run `work(session, storage, settings)` against the configured database and storage."""
    from server.core.db import make_async_engine, session_factory
    from server.storage import storage_from_url

    settings = load_settings()

    async def main() -> T:
        engine = make_async_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            storage = storage_from_url(settings.storage_url)
            storage.ensure_ready()
            return await work(sessions, storage, settings)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@click.group(help="Evidence: recorder clips, holds, retention and upload housekeeping.")
def evidence() -> None:
    pass


def _clips(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


@evidence.command(help="Take in a recorder's clips from FOLDER and link them to their visits.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--device", "device_id", required=True, help="The recorder's device id.")
def ingest(folder: Path, device_id: str) -> None:
    from server.audit.service import Actor
    from server.core.i18n import t
    from server.evidence.recorders.ingest import ingest_clip
    from server.evidence.recorders.registry import find_recorder

    async def work(sessions, storage, settings) -> int:
        async with sessions() as session:
            recorder = await find_recorder(session, device_id)
        if recorder is None:
            click.echo(t("recorder.unknown_named", device=device_id), err=True)
            return 2
        failed = 0
        for path in _clips(folder):
            digest = hashlib.sha256()
            for chunk in _file_chunks(path):
                digest.update(chunk)
            async with sessions() as session, session.begin():
                result = await ingest_clip(
                    session,
                    storage,
                    settings,
                    recorder=recorder,
                    filename=path.name,
                    chunks=_file_chunks(path),
                    actor=Actor(),
                    expected_sha256=digest.hexdigest(),
                )
            failed += result.status == "rejected"
            when = result.started_at.isoformat() if result.started_at else "-"
            line = f"{t('clip.status.' + result.status)}\t{path.name}\t{when}\t{result.reason}"
            click.echo(line.rstrip())
        return 1 if failed else 0

    sys.exit(_run(work))


@evidence.group(help="Body-worn recorders and who carried them.")
def recorder() -> None:
    pass


@recorder.command("add", help="Register a recorder by its device id (idempotent).")
@click.argument("device_id")
@click.option("--label", default="")
@click.option("--street", "street_code", default=None, help="Street code the recorder belongs to.")
def recorder_add(device_id: str, label: str, street_code: str | None) -> None:
    from sqlmodel import select

    from server.audit.service import Actor
    from server.evidence.recorders.registry import register_recorder
    from server.org.models import Street

    async def work(sessions, storage, settings) -> None:
        async with sessions() as session, session.begin():
            street = None
            if street_code:
                street = (
                    await session.exec(select(Street).where(Street.code == street_code))
                ).first()
                if street is None:
                    raise click.BadParameter(f"unknown street {street_code!r}")
            await register_recorder(
                session,
                device_id,
                label=label,
                street_id=street.id if street else None,
                actor=Actor(),
            )

    _run(work)
    click.echo(f"recorder {device_id} registered")


@recorder.command("assign", help="Record that USERNAME carried DEVICE_ID on a day.")
@click.argument("device_id")
@click.argument("username")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: today."
)
def recorder_assign(device_id: str, username: str, day) -> None:
    from sqlmodel import select

    from server.audit.service import Actor
    from server.evidence.recorders.registry import (
        AssignmentConflict,
        assign_recorder,
        find_recorder,
    )
    from server.org.models import User

    on = day.date() if day else local_today()

    async def work(sessions, storage, settings) -> None:
        async with sessions() as session, session.begin():
            found = await find_recorder(session, device_id)
            officer = (await session.exec(select(User).where(User.username == username))).first()
            if found is None or officer is None:
                raise click.ClickException(f"unknown recorder {device_id!r} or user {username!r}")
            try:
                await assign_recorder(session, found, officer, on, Actor())
            except AssignmentConflict as exc:
                raise click.ClickException(
                    f"{device_id} is recorded as carried by {exc.officer} on {on}"
                ) from None

    _run(work)
    click.echo(f"{username} carries {device_id} on {on}")


@evidence.command(
    "expire-uploads", help="End abandoned uploads past their expiry; free their bytes."
)
def expire_uploads_command() -> None:
    from server.evidence.tus.discard import expire_uploads, sweep_orphan_multiparts
    from server.evidence.tus.env import UploadEnv
    from server.evidence.tus.spool import SpoolBudget

    async def work(sessions, storage, settings) -> tuple[int, int]:
        expired = await expire_uploads(UploadEnv(sessions, storage, settings, SpoolBudget(1)))
        hours = timedelta(hours=settings.upload_expiry_hours)
        return expired, await sweep_orphan_multiparts(sessions, storage, hours)

    expired, orphans = _run(work)
    click.echo(f"{expired} abandoned uploads expired, {orphans} orphaned multipart uploads aborted")


@evidence.command(help="Delete evidence past its retention: unreferenced, unheld only; logged.")
@click.option("--dry-run", is_flag=True, help="List what would go; change nothing.")
def purge(dry_run: bool) -> None:
    from server.evidence.jobs import purge_expired

    async def work(sessions, storage, settings):
        return await purge_expired(sessions, storage, settings, local_today(), dry_run=dry_run)

    for candidate in _run(work):
        verb = "would delete" if dry_run else "deleted"
        created = f"{candidate.created_at:%Y-%m-%d}"
        click.echo(f"{verb}\t{candidate.id}\t{candidate.kind}\t{created}")
