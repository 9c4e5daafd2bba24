"""`onevisit demo`: load the demo district into the database at DATABASE_URL."""

import sys
from pathlib import Path

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from server.core.db import make_sync_engine
from server.core.i18n import t
from server.core.settings import Settings, load_settings
from server.demo.loader import DEFAULT_MERCHANTS, DEFAULT_SEED, DemoSummary, load_demo
from server.demo.today import Crew, publish_today
from server.merchants.models import Merchant
from server.migrate import alembic_config
from server.org.models import User
from server.planning.service import PlanRefused

__all__ = ["demo"]

_COLOUR_NAMES = {"green": "绿码", "yellow": "黄码", "red": "红码"}
SHOWN_CREWS = 8
_ROLE_NAMES = {"admin": "管理员", "supervisor": "指挥调度", "inspector": "执法人员"}


def _schema_is_current(engine: Engine, database_url: str) -> bool:
    """Whether the database has been migrated to the newest revision."""
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def _holds_other_data(engine: Engine) -> bool:
    """Users or merchants that are not the demo's: a real installation the demo must not touch."""
    with engine.connect() as connection:
        demo = connection.execute(select(User.id).where(User.username == "admin")).first()
        users = connection.execute(select(func.count()).select_from(User)).scalar_one()
        shops = connection.execute(select(func.count()).select_from(Merchant)).scalar_one()
    return demo is None and (users > 0 or shops > 0)


@click.command(help="Load the demo district: streets, catalogue, people, merchants, history.")
@click.option(
    "--merchants",
    default=DEFAULT_MERCHANTS,
    show_default=True,
    type=click.IntRange(0, 200_000),
    help="How many merchants to create.",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    type=int,
    help="The same seed always gives the same district.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Leave a database holding other users or merchants alone (what `make run` does).",
)
@click.option(
    "--workbooks",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the organisation and catalogue workbooks the demo imports in this folder: a "
    "filled-in example of a district's own.",
)
def demo(merchants: int, seed: int, if_empty: bool, workbooks: Path | None) -> None:
    settings = load_settings()
    console = Console()
    engine = make_sync_engine(settings.database_url)
    try:
        if not _schema_is_current(engine, settings.database_url):
            console.print(
                "[red]The database is not migrated to the newest schema.[/red] "
                "Run [bold]onevisit db upgrade[/bold] first."
            )
            sys.exit(2)
        if if_empty and _holds_other_data(engine):
            console.print("The database already holds data; the demo district was not loaded.")
            return
        with Progress(
            TextColumn("loading the demo district"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("demo", total=None)
            summary = load_demo(
                engine,
                merchants=merchants,
                seed=seed,
                bbox=settings.district_bbox,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                workbooks=workbooks,
            )
        today = _plan_today(engine, settings, console) if summary.merchants else []
    except OperationalError as exc:
        console.print(f"[red]Cannot use the database:[/red] {exc.orig}")
        sys.exit(2)
    finally:
        engine.dispose()
    _print_summary(console, summary)
    _print_today(console, today)


def _plan_today(engine: Engine, settings: Settings, console: Console) -> list[Crew]:
    """Today's plans, published, so the phone app has routes to download at once."""
    try:
        return publish_today(engine, settings)
    except PlanRefused as exc:  # the demo still works: a supervisor plans in the console
        console.print(f"[yellow]{t(exc.key, **exc.values)}[/yellow]")
        return []


def _print_today(console: Console, today: list[Crew]) -> None:
    working = [crew for crew in today if crew.visits]
    if not working:
        return
    table = Table(title="Today's published routes: sign in to /app/ as one of their officers")
    for column in ("street", "team", "officers", "visits"):
        table.add_column(column)
    for crew in working[:SHOWN_CREWS]:
        table.add_row(crew.street, crew.team, ", ".join(crew.usernames), str(crew.visits))
    if len(working) > SHOWN_CREWS:
        table.caption = f"… and {len(working) - SHOWN_CREWS} more routes (/console/plans)"
    console.print(table)


def _print_summary(console: Console, summary: DemoSummary) -> None:
    if summary.loaded:
        console.print("[green]Demo district loaded.[/green]")
        for report in summary.imports:  # the importers a district uses, on the demo's workbooks
            console.print(f"{report.file}：{report.summary()}", highlight=False)
    else:
        console.print("The demo district is already loaded; nothing changed.")
    colours = "  ".join(
        f"{_COLOUR_NAMES[c]} {n} ({n * 100 / max(summary.merchants, 1):.0f}%)"
        for c, n in summary.colours.items()
    )
    console.print(
        f"merchants {summary.merchants} · inspections {summary.inspections} · "
        f"users {summary.users}\n{colours}"
    )
    table = Table(title=f"Demo logins (password: {summary.password})")
    for column in ("username", "role", "name", "team"):
        table.add_column(column)
    for login in summary.logins:
        table.add_row(
            login.username, _ROLE_NAMES.get(login.role, login.role), login.name, login.where
        )
    console.print(table)
