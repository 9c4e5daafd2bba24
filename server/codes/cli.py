"""`onevisit codes …`: recompute every merchant's colour; check a policy file."""

import sys
from datetime import UTC, datetime, time, timedelta

import click
from rich.console import Console
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from server.codes.clock import district_timezone, local_today, set_district_timezone
from server.codes.policy_file import PolicyFileError, load_policy
from server.codes.recompute import recompute_all
from server.db import make_sync_engine
from server.i18n import t
from server.inspections.packets import warm_packets
from server.settings import load_settings

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
    settings = load_settings()
    set_district_timezone(settings.local_timezone)
    try:
        policy = load_policy(settings.policy_file)
    except PolicyFileError as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(2)
    now = None
    if as_of is not None:  # noon of that day in the district
        now = datetime.combine(as_of.date(), time(12), district_timezone()).astimezone(UTC)
    engine = make_sync_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            report = recompute_all(conn, policy, now=now)
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        if not dry_run:  # the phones' packets show colours: build today's and tomorrow's again
            with Session(engine) as session:
                today = local_today()
                for day in (today, today + timedelta(days=1)):
                    warm_packets(session, day)
    except OperationalError as exc:
        console.print(f"[red]Cannot use the database:[/red] {exc.orig}")
        sys.exit(2)
    finally:
        engine.dispose()
    colours = "  ".join(f"{t('colour.' + c)} {n}" for c, n in sorted(report.colours.items()))
    verb = "would change" if dry_run else "changed"
    console.print(
        f"recomputed {report.merchants} merchants as of {report.today} "
        f"in {sum(report.seconds.values()):.1f}s: {verb} {report.colour_changes} colours, "
        f"{report.due_changes} due dates; {report.events} colour events; "
        f"{report.overdue_orders} rectification orders now overdue\n{colours}"
    )


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
