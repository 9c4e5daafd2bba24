"""`onevisit plan`: build the day's plan, publish the draw seed, verify the draws, and read the
coverage figures of a span of days."""

import json
import sys
from datetime import date

import click
import msgspec
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from server.audit.service import Actor
from server.core.clock import local_today
from server.core.db import make_sync_engine
from server.core.i18n import t
from server.core.inputs import sane_day
from server.core.settings import load_settings
from server.packets.store import warm_packets
from server.planning.coverage import check_span, coverage
from server.planning.coverage_text import coverage_json, print_coverage
from server.planning.draws import SeedAlreadyPublished, publish_seed, verify_draws
from server.planning.read import plan_document
from server.planning.schemas import PlanDocument
from server.planning.service import (
    PlanConflict,
    PlanRefused,
    build_plan,
    check_day,
    planning_policy,
    resolve_streets,
)

__all__ = ["plan"]

# The columns of a printout that goes to a file or a pipe rather than a terminal.
WIDE = 120


def _day(value: str | None, option: str = "--date") -> date:
    """The day an option names; a usage error (exit 2) for one that is no date or out of the
    years the app keeps."""
    if not value:
        raise click.UsageError(f"{option} YYYY-MM-DD is required")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not sane_day(day):
        raise click.BadParameter(t("plan.bad_date", value=value), param_hint=option)
    return day


@click.group(invoke_without_command=True, help="Build the day's joint visits, teams and routes.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day to plan.")
@click.option("--street", help="One street's code or name (default: every street).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (docs/http.md).")
@click.option(
    "--allow-non-working-day",
    "any_day",
    is_flag=True,
    help="Plan a weekend or a holiday of the district's calendar too (refused otherwise).",
)
@click.pass_context
def plan(
    ctx: click.Context, day: str | None, street: str | None, as_json: bool, any_day: bool
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    target = _day(day)
    console = Console(stderr=as_json)
    engine = make_sync_engine(settings.database_url)
    try:
        with Session(engine) as session:
            # The seed is published in its own transaction, before anything is drawn with it.
            check_day(target, local_today(), working_only=not any_day)
            resolve_streets(session, street)
            publish_seed(session, target)
            session.commit()
        with Session(engine) as session:
            plans = build_plan(
                session,
                target,
                settings=settings.planning,
                street=street,
                policy=planning_policy(settings.policy_file),
                actor=Actor("cli"),
                non_working_day=any_day,
            )
            session.commit()
            document = plan_document(session, target, street_ids=[p.street_id for p in plans])
    except PlanRefused as exc:
        console.print(f"[red]{t(exc.key, **exc.values)}[/red]")
        sys.exit(2)
    except PlanConflict:
        console.print(f"[red]{t('plan.conflict', version='?')}[/red]")
        sys.exit(1)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(msgspec.to_builtins(document), ensure_ascii=False, indent=1))
        return
    _summary(console, document)


def _summary(console: Console, document: PlanDocument) -> None:
    table = Table(title=f"{t('plan.title')} {document.date.isoformat()}")
    for column in ("street", "version", "status", "teams", "visits", "unassigned"):
        table.add_column(column)
    for street in document.streets:
        routes = [r for r in document.routes if r.street == street.street]
        unassigned = [u for u in document.unassigned if u.street == street.street]
        table.add_row(
            street.name,
            str(street.version),
            street.status,
            str(len(routes)),
            str(sum(len(r.visits) for r in routes)),
            str(len(unassigned)),
        )
    console.print(table)
    console.print(t("plan.summary", **msgspec.structs.asdict(document.stats)))
    reasons: dict[str, int] = {}
    for entry in document.unassigned:
        reasons[entry.reason] = reasons.get(entry.reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda r: -r[1]):
        console.print(f"  {t('plan.unassigned')}: {count} × {reason}")


@plan.command("verify", help="Replay the day's recorded draws from the published seed.")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD")
def verify(day: str) -> None:
    target = _day(day)
    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            seed, checks = verify_draws(session, target)
    finally:
        engine.dispose()
    if not checks:
        click.echo(t("plan.verify_none", day=target.isoformat()))
        sys.exit(1)
    for check in checks:
        state = "ok" if check.ok else "MISMATCH: " + "; ".join(check.problems)
        click.echo(f"{check.kind:<12} {check.scope:<12} #{check.seq}  {state}")
    bad = sum(1 for c in checks if not c.ok)
    if bad:
        click.echo(t("plan.verify_failed", day=target.isoformat(), bad=bad))
        sys.exit(1)
    published = seed.published_at.isoformat() if seed else "?"
    click.echo(t("plan.verify_ok", day=target.isoformat(), count=len(checks), published=published))


@plan.command("seed", help="Publish the day's draw seed ahead of the draw (once; never changed).")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD")
@click.option("--seed", "value", help="A public value to use, e.g. a lottery result (hex).")
def seed(day: str, value: str | None) -> None:
    target = _day(day)
    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            row = publish_seed(session, target, seed=value, actor="cli")
            session.commit()
            click.echo(f"{row.day.isoformat()} seed {row.seed} published {row.published_at}")
    except SeedAlreadyPublished:
        click.echo(t("draw.seed_published", day=target.isoformat()))
        sys.exit(1)
    finally:
        engine.dispose()


@plan.command("warm", help="Build the phones' day packets of the published plans ahead.")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD")
def warm(day: str) -> None:
    target = _day(day)
    settings = load_settings()
    engine = make_sync_engine(settings.database_url)
    try:
        with Session(engine) as session:
            built = warm_packets(session, target, policy=planning_policy(settings.policy_file))
    finally:
        engine.dispose()
    click.echo(t("plan.warmed", day=target.isoformat(), count=built))


@plan.command(
    "coverage",
    help="Each day's coverage: visits due per class and how many are routed, overdue merchants "
    "by colour and days, orders past their deadline (docs/domain.md, Coverage).",
)
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD", help="The span's first day.")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD", help="Its last day (included).")
@click.option("--street", help="One street's code or name (default: every street).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def coverage_command(first: str, last: str, street: str | None, as_json: bool) -> None:
    start, end = _day(first, "--from"), _day(last, "--to")
    try:
        check_span(start, end)
    except PlanRefused as exc:
        raise click.BadParameter(t(exc.key, **exc.values), param_hint="--from/--to") from None
    engine = make_sync_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            streets = resolve_streets(session, street) if street else None
            ids = [s.id for s in streets] if streets is not None else None
            figures = coverage(session, start, end, ids)
    except PlanRefused as exc:
        raise click.BadParameter(t(exc.key, **exc.values), param_hint="--street") from None
    finally:
        engine.dispose()
    code = ",".join(s.code for s in streets) if streets else None
    if as_json:
        click.echo(json.dumps(coverage_json(figures, code), ensure_ascii=False, indent=1))
        return
    name = "、".join(s.name for s in streets) if streets else t("plan.all_streets")
    console = Console()
    if not console.is_terminal:  # a file or a pipe: wide enough for every column
        console = Console(width=max(console.width, WIDE))
    print_coverage(console, figures, name)
