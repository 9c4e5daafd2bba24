"""The coverage figures as `onevisit plan coverage` prints them: tables a supervisor reads, or
JSON (docs/domain.md, "Coverage")."""

from typing import Any

from rich.console import Console
from rich.table import Table

from server.core.i18n import DEFAULT_LOCALE, MESSAGES, t
from server.planning.coverage import BANDS, CLASSES, COLOURS, Coverage, DayCoverage, Tally, Visits

__all__ = ["coverage_json", "print_coverage", "share_text", "unassigned_label"]


def share_text(tally: Tally) -> str:
    """The routed share as a percentage, one decimal; a dash when nothing was due."""
    return "—" if tally.share is None else f"{tally.share:.1%}"


def unassigned_label(code: str) -> str:
    """A short name of why visits were left off the routes (the code itself when unknown)."""
    key = f"coverage.unassigned.{code}"
    return t(key) if key in MESSAGES[DEFAULT_LOCALE] else code


def _tally_json(tally: Tally) -> dict[str, Any]:
    share = None if tally.share is None else round(tally.share, 4)
    return {
        "due": tally.due,
        "routed": tally.routed,
        "unassigned": tally.unassigned,
        "share": share,
    }


def _visits_json(visits: Visits) -> dict[str, Any]:
    return {
        "plans": visits.plans,
        "published": visits.published,
        "visits": _tally_json(visits.total),
        "classes": {name: _tally_json(visits.classes[name]) for name in CLASSES},
        "unassigned": dict(sorted(visits.unassigned.items())),
    }


def _day_json(figures: DayCoverage) -> dict[str, Any]:
    overdue: dict[str, Any] = {
        colour: {**figures.overdue[colour], "total": sum(figures.overdue[colour].values())}
        for colour in COLOURS
    }
    return {
        "date": figures.day.isoformat(),
        **_visits_json(figures.visits),
        "overdue": {**overdue, "total": figures.overdue_total},
        "orders_past_deadline": figures.orders_past_deadline,
    }


def coverage_json(figures: Coverage, street: str | None) -> dict[str, Any]:
    """The span as JSON: each day's figures, and the visits summed over the span."""
    return {
        "from": figures.start.isoformat(),
        "to": figures.end.isoformat(),
        "street": street,
        "classes": list(CLASSES),
        "bands": [band.name for band in BANDS],
        "days": [_day_json(day) for day in figures.days],
        "totals": _visits_json(figures.totals),
    }


def _table(title: str, caption: str | None = None) -> Table:
    """A table whose cells fold rather than cut off when the terminal is narrow: a figure is
    never shown in part."""
    return Table(title=title, caption=caption, caption_justify="left")


def _column(table: Table, header: str, *, number: bool = True) -> None:
    if number:
        table.add_column(header, justify="right", overflow="fold")
    else:  # the row's day or colour: kept whole, the figures share what is left
        table.add_column(header, no_wrap=True)


def _cell(tally: Tally) -> str:
    return f"{tally.routed}/{tally.due}"


def _visits_row(label: str, visits: Visits) -> list[str]:
    planned = str(visits.plans) if visits.plans else t("coverage.no_plan")
    return [
        label,
        planned,
        _cell(visits.total),
        share_text(visits.total),
        *(_cell(visits.classes[name]) for name in CLASSES),
    ]


def _visits_table(figures: Coverage) -> Table:
    table = _table(t("coverage.visits_title"), t("coverage.visits_note"))
    _column(table, t("coverage.day"), number=False)
    for key in ("coverage.plans", "coverage.all", "coverage.share"):
        _column(table, t(key))
    for name in CLASSES:
        _column(table, t(f"coverage.class.{name}"))
    for day in figures.days:
        table.add_row(*_visits_row(day.day.isoformat(), day.visits))
    if len(figures.days) > 1:
        table.add_section()
        table.add_row(*_visits_row(t("coverage.total"), figures.totals))
    return table


def _overdue_table(figures: Coverage) -> Table:
    table = _table(t("coverage.overdue_title"), t("coverage.overdue_note"))
    _column(table, t("coverage.day"), number=False)
    for colour in COLOURS:
        _column(table, t(f"colour.{colour}"))
    for band in BANDS:
        _column(table, t(f"coverage.band.{band.name}"))
    _column(table, t("coverage.all"))
    _column(table, t("coverage.orders"))
    for day in figures.days:
        table.add_row(
            day.day.isoformat(),
            *(str(sum(day.overdue[colour].values())) for colour in COLOURS),
            *(str(sum(day.overdue[c][band.name] for c in COLOURS)) for band in BANDS),
            str(day.overdue_total),
            str(day.orders_past_deadline),
        )
    return table


def _bands_table(day: DayCoverage) -> Table:
    """One day's overdue merchants, colour by band."""
    table = _table(t("coverage.bands_title", day=day.day.isoformat()))
    _column(table, t("coverage.colour"), number=False)
    for band in BANDS:
        _column(table, t(f"coverage.band.{band.name}"))
    _column(table, t("coverage.all"))
    for colour in COLOURS:
        bands = day.overdue[colour]
        table.add_row(
            t(f"colour.{colour}"), *(str(bands[b.name]) for b in BANDS), str(sum(bands.values()))
        )
    return table


def print_coverage(console: Console, figures: Coverage, street: str) -> None:
    """The span's tables: visits by day and class, overdue by day, the last day's bands."""
    console.print(
        t(
            "coverage.title_span",
            start=figures.start.isoformat(),
            end=figures.end.isoformat(),
            street=street,
        )
    )
    console.print(_visits_table(figures))
    totals = figures.totals
    console.print(
        t(
            "coverage.summary",
            days=len(figures.days),
            due=totals.total.due,
            routed=totals.total.routed,
            share=share_text(totals.total),
            unassigned=totals.total.unassigned,
        )
    )
    for code, count in sorted(totals.unassigned.items(), key=lambda c: (-c[1], c[0])):
        console.print(f"  {t('coverage.unassigned')}：{count} × {unassigned_label(code)}")
    console.print(_overdue_table(figures))
    console.print(_bands_table(figures.days[-1]))
