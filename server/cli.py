"""The `onevisit` command line (also `python -m server`)."""

import sys

import click

from server.core.settings import load_settings

__all__ = ["main"]


@click.group(help="OneVisit: the field-inspection system of a joint-inspection district.")
def cli() -> None:
    from server.core.calendar_file import load_calendar_file
    from server.core.clock import CLOCK
    from server.core.settings import calendar_file, clock_settings
    from server.core.workdays import CALENDAR

    try:
        CLOCK.configure(*clock_settings())
        CALENDAR.configure(load_calendar_file(calendar_file()))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@cli.group(help="Database commands.")
def db() -> None:
    pass


@db.command("upgrade", help="Migrate the database at DATABASE_URL to the newest schema.")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    from server.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database migrated to {revision}")


@cli.command(help="Serve the web app and the API.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    import uvicorn

    try:
        proxies = load_settings().trusted_proxies
    except (ValueError, RuntimeError) as exc:
        raise click.UsageError(str(exc)) from None
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        # X-Forwarded-For is believed from TRUSTED_PROXIES only (the app applies the same list)
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) or None,
        log_level="info",
    )


def _register_domain_commands() -> None:
    """Commands that live with their domain."""
    from server.auth.cli import users
    from server.calendar_cli import calendar
    from server.colour.cli import codes
    from server.demo.cli import demo
    from server.evidence.cli import evidence
    from server.import_cli import export_group, import_group
    from server.planning.cli import plan

    cli.add_command(calendar)
    cli.add_command(codes)
    cli.add_command(demo)
    cli.add_command(evidence)
    cli.add_command(export_group)
    cli.add_command(import_group)
    cli.add_command(plan)
    cli.add_command(users)


def main() -> None:
    _register_domain_commands()
    try:
        cli(prog_name="onevisit")
    except KeyboardInterrupt:
        sys.exit(130)
