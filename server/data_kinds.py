"""The kinds of district data that come in and go out as files: one list, read by the command
line (server/import_cli.py) and the administrator's data page (server/console/data.py), so
that both offer the same kinds, templates and exports (docs/data-import.md)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from server.audit.service import Actor
from server.catalog.exporter import export_catalogue, write_catalogue_template
from server.catalog.importer import import_catalogue
from server.core.i18n import t
from server.core.import_report import ImportReport
from server.core.settings import Settings
from server.leniency.exporter import export_leniency, write_leniency_template
from server.leniency.importer import import_leniency
from server.merchants.import_file import write_merchant_template
from server.merchants.importer import import_merchants
from server.org.boundaries import import_boundaries
from server.org.exporter import export_org, write_org_template
from server.org.importer import import_org

__all__ = ["KINDS", "DataKind", "run_import"]

# An import on the caller's session, for the actor its audit rows name.
SessionImport = Callable[[Session, Path, Settings, Actor], ImportReport]


@dataclass(frozen=True)
class DataKind:
    name: str
    imports: SessionImport | None  # None: the kind imports on an engine of its own (merchants)
    template: Callable[[Path], None] | None = None
    export: Callable[[Session, Path], None] | None = None


KINDS: dict[str, DataKind] = {
    kind.name: kind
    for kind in (
        DataKind(
            "org",
            lambda s, path, settings, actor: import_org(
                s, path, bbox=settings.district_bbox, actor=actor
            ),
            write_org_template,
            export_org,
        ),
        DataKind(
            "catalogue",
            lambda s, path, _settings, actor: import_catalogue(s, path, actor=actor),
            write_catalogue_template,
            export_catalogue,
        ),
        DataKind(
            "boundaries", lambda s, path, _settings, actor: import_boundaries(s, path, actor=actor)
        ),
        DataKind("merchants", None, write_merchant_template),
        DataKind(
            "leniency",
            lambda s, path, _settings, actor: import_leniency(s, path, actor=actor),
            write_leniency_template,
            export_leniency,
        ),
    )
}


def run_import(
    engine: Engine, kind: str, path: Path, settings: Settings, actor: Actor
) -> ImportReport:
    """One import, committed, with its report (the merchants' in the same shape as the rest)."""
    imports = KINDS[kind].imports
    if imports is None:
        return _merchants(engine, path, settings, actor)
    with Session(engine) as session:
        report = imports(session, path, settings, actor)
        session.commit()
        return report


def _merchants(engine: Engine, path: Path, settings: Settings, actor: Actor) -> ImportReport:
    merchants = import_merchants(engine, path, settings=settings, actor=actor)
    sheet = t("console.data.kind.merchants")
    report = ImportReport(path.name)
    counts = report.counts(sheet)
    counts.added, counts.updated = merchants.imported, merchants.updated
    counts.unchanged = merchants.unchanged
    for rejected in merchants.rejected:
        report.reject(sheet, rejected.line, rejected.uscc, rejected.reason)
    return report
