"""`onevisit codes …`: recompute every merchant's colour; check a policy file."""

import logging
import sys
from datetime import UTC, datetime, time

import click
from rich.console import Console
from sqlalchemy.exc import OperationalError

from server.colour.nightly import recompute_and_warm, run_if_due, serve_nightly
from server.core.clock import district_timezone
from server.core.db import make_sync_engine
from server.core.i18n import t
from server.core.settings import Settings, load_settings
from server.policy.file import PolicyFileError, load_policy
from server.policy.rules import Policy

__all__ = ["codes"]


@click.group(help="Colour codes (三色码) and merchant QR codes.")
def codes() -> None:
    pass


@codes.command(help="Recompute every merchant's colour and due date from the records.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Recompute as on this day (default: today).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
def recompute(as_of: datetime | None, dry_run: bool) -> None:
    console = Console()
    settings, policy = _settings_and_policy(console)
    now = None
    if as_of is not None:  # noon of that day in the district
        now = datetime.combine(as_of.date(), time(12), district_timezone()).astimezone(UTC)
    engine = make_sync_engine(settings.database_url)
    try:
        report = recompute_and_warm(engine, policy, now=now, dry_run=dry_run)
    except OperationalError as exc:
        console.print(f"[red]Cannot use the database:[/red] {exc.orig}")
        sys.exit(2)
    finally:
        engine.dispose()
    colours = "  ".join(f"{t('colour.' + c)} {n}" for c, n in sorted(report.colours.items()))
    verb = "would change" if dry_run else "changed"
    console.print(f"{report.describe(verb)}\n{colours}")


def _settings_and_policy(console: Console) -> tuple[Settings, Policy]:
    settings = load_settings()
    try:
        return settings, load_policy(settings.policy_file)
    except PolicyFileError as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(2)


@codes.command(help="Recompute every merchant each night at NIGHTLY_AT (district time).")
@click.option(
    "--at",
    "at_text",
    metavar="HH:MM",
    help="District time of the run (default: NIGHTLY_AT, else 00:30).",
)
@click.option("--once", is_flag=True, help="Run today's recompute if it is due and not done; exit.")
def nightly(at_text: str | None, once: bool) -> None:
    console = Console()
    settings, policy = _settings_and_policy(console)
    at = settings.nightly_at
    if at_text is not None:
        try:
            at = datetime.strptime(at_text, "%H:%M").time()
        except ValueError:
            raise click.BadParameter("a time of day as HH:MM", param_hint="--at") from None
    engine = make_sync_engine(settings.database_url)
    try:
        if not once:
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
            )
            serve_nightly(engine, policy, at)
            return
        outcome = run_if_due(engine, policy, at)
    except KeyboardInterrupt:
        return
    except OperationalError as exc:
        console.print(f"[red]Cannot use the database:[/red] {exc.orig}")
        sys.exit(2)
    finally:
        engine.dispose()
    if outcome.day is None:
        console.print(f"not yet: the nightly recompute runs at {at:%H:%M} district time")
    elif outcome.error:
        console.print(f"[red]the recompute of {outcome.day} failed:[/red] {outcome.error}")
        sys.exit(1)
    elif outcome.report is None:
        console.print(f"{outcome.day}: already run (or running elsewhere)")
    else:
        console.print(outcome.report.describe())


@codes.command("check-policy", help="Check a policy file (YAML or TOML) and print its values.")
@click.argument("path", type=click.Path(dir_okay=False))
def check_policy(path: str) -> None:
    try:
        policy = load_policy(path)
    except PolicyFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    for name, value in vars(policy).items():
        click.echo(f"{name} = {dict(value) if hasattr(value, 'items') else value}")
