"""Importing the streets' boundaries (`onevisit import boundaries FILE.geojson`), and reading them.

The file is a GeoJSON FeatureCollection of Polygons or MultiPolygons, each with a `code`
property naming its street (its code or name). Coordinates are WGS-84 unless the collection or
the feature has a `crs` property saying GCJ-02 (AMap, Tencent) or BD-09 (Baidu). Each good
feature replaces its street's territory; a bad one is reported by its number in the file (1 for
the first feature) and left out. The caller commits.
"""

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from server.audit.service import Actor, record
from server.core.clock import utcnow
from server.core.geo import parse_crs
from server.core.i18n import t
from server.core.import_report import ImportReport, RowError
from server.core.workbook import WorkbookError
from server.org.models import Street, StreetBoundary
from server.org.territory import Territories, Territory, polygons_of

__all__ = ["SHEET", "import_boundaries", "load_territories"]

SHEET = "边界"


def _features(path: Path) -> tuple[list[Any], Any]:
    if not path.is_file():
        raise WorkbookError(t("import.no_file", path=path))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkbookError(t("import.not_geojson", reason=str(exc))) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise WorkbookError(t("import.not_geojson", reason="type 不是 FeatureCollection"))
    features = data.get("features")
    if not isinstance(features, list):
        raise WorkbookError(t("import.not_geojson", reason="缺少 features"))
    return features, (data.get("properties") or {}).get("crs") or data.get("crs")


def _crs(raw: Any) -> str:
    try:
        return parse_crs(raw if isinstance(raw, str) else None)
    except ValueError as exc:
        raise RowError("import.bad_crs", reason=str(exc)) from None


def import_boundaries(session: Session, path: str | Path, *, actor: Actor) -> ImportReport:
    """Replace the territories of the streets the file names; raise WorkbookError if it is not
    a GeoJSON FeatureCollection."""
    path = Path(path)
    features, default_crs = _features(path)
    report = ImportReport(path.name)
    counts = report.counts(SHEET)
    streets: dict[str, Street] = {}
    for street in session.exec(select(Street)):
        streets[street.code] = streets[street.name] = street
    kept = {b.street_id: b for b in session.exec(select(StreetBoundary))}
    seen: dict[Any, int] = {}  # street id → the feature that gave its shape
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            feature = {}
        properties = feature.get("properties") or {}
        code = str(properties.get("code") or "").strip() if isinstance(properties, dict) else ""
        try:
            if not code:
                raise RowError("import.no_code")
            street = streets.get(code)
            if street is None:
                raise RowError("import.unknown", what="街道", value=code)
            if street.id in seen:  # by code or by name, the same street twice
                raise RowError("import.repeated", line=seen[street.id])
            crs = _crs(properties.get("crs") or default_crs)
            polygons = polygons_of(feature.get("geometry"), crs)
        except RowError as exc:
            report.reject(SHEET, number, code, str(exc))
            continue
        seen[street.id] = number
        counts_name = _store(session, kept, street, polygons)
        setattr(counts, counts_name, getattr(counts, counts_name) + 1)
    record(
        session,
        action="org.boundaries.import",
        entity="street",
        actor=actor.name,
        actor_id=actor.id,
        ip=actor.ip,
        detail=report.as_dict(),
    )
    return report


def _store(
    session: Session, kept: dict[Any, StreetBoundary], street: Street, polygons: list[Any]
) -> str:
    shape = [[[list(p) for p in ring] for ring in polygon] for polygon in polygons]
    south, west, north, east = Territory(street.id, polygons).bbox
    row = kept.get(street.id)
    if row is not None and row.polygons == shape:
        return "unchanged"
    if row is None:
        row = kept[street.id] = StreetBoundary(
            street_id=street.id,
            polygons=shape,
            min_lat=south,
            min_lng=west,
            max_lat=north,
            max_lng=east,
        )
        outcome = "added"
    else:
        row.polygons, row.updated_at = shape, utcnow()
        row.min_lat, row.min_lng, row.max_lat, row.max_lng = south, west, north, east
        outcome = "updated"
    session.add(row)
    return outcome


def load_territories(rows: list[tuple[Any, Any]]) -> Territories:
    """Territories from (street id, polygons) rows as the table stores them (JSON text on the
    driver, or already decoded)."""
    territories = []
    for street_id, raw in rows:
        polygons = json.loads(raw) if isinstance(raw, str | bytes) else raw
        territories.append(
            Territory(street_id, [[[tuple(p) for p in ring] for ring in poly] for poly in polygons])
        )
    return Territories(territories)
