"""Streets' territories as polygons: which street a point lies in.

A district that has its streets' boundaries (GeoJSON, `onevisit import boundaries`) places
merchants by them; without them, no territory is known and the merchant list's 街道 column is
taken as it is. Coordinates are WGS-84 (lng, lat), rings as GeoJSON writes them: the first ring
of a polygon is its outline, any further rings are holes.
"""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from server.core.geo import to_wgs84
from server.core.import_report import RowError

__all__ = ["GeometryError", "Territories", "Territory", "polygons_of"]

Ring = list[tuple[float, float]]
Polygon = list[Ring]


class GeometryError(RowError):
    """A geometry that cannot be a street's territory; the message says why."""


def _ring(raw: object, crs: str) -> Ring:
    if not isinstance(raw, list) or len(raw) < 4:
        raise GeometryError("import.ring_short")
    ring: Ring = []
    for point in raw:
        if not (isinstance(point, list | tuple) and len(point) >= 2):
            raise GeometryError("import.point_shape")
        lng, lat = point[0], point[1]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lng, lat)):
            raise GeometryError("import.point_shape")
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise GeometryError("import.out_of_range", lng=lng, lat=lat)
        wlat, wlng = to_wgs84(lat, lng, crs)
        ring.append((round(wlng, 7), round(wlat, 7)))
    if ring[0] != ring[-1]:
        raise GeometryError("import.ring_open")
    return ring


def polygons_of(geometry: object, crs: str = "wgs84") -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon, in WGS-84."""
    if not isinstance(geometry, dict):
        raise GeometryError("import.no_geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        raw_polygons = [coordinates]
    elif kind == "MultiPolygon":
        raw_polygons = coordinates if isinstance(coordinates, list) else []
    else:
        raise GeometryError("import.not_polygon", kind=kind)
    polygons: list[Polygon] = []
    for raw in raw_polygons:
        if not isinstance(raw, list) or not raw:
            raise GeometryError("import.no_geometry")
        polygons.append([_ring(ring, crs) for ring in raw])
    if not polygons:
        raise GeometryError("import.no_geometry")
    return polygons


def _inside(ring: Ring, lng: float, lat: float) -> bool:
    """Even-odd rule: a ray east from the point crosses the ring an odd number of times."""
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > lat) != (y0 > lat) and lng < (x0 - x1) * (lat - y1) / (y0 - y1) + x1:
            inside = not inside
        x0, y0 = x1, y1
    return inside


@dataclass(frozen=True)
class Territory:
    street_id: uuid.UUID
    polygons: list[Polygon]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min lat, min lng, max lat, max lng) of the outlines."""
        points = [p for polygon in self.polygons for p in polygon[0]]
        lngs, lats = [p[0] for p in points], [p[1] for p in points]
        return min(lats), min(lngs), max(lats), max(lngs)

    def contains(self, lat: float, lng: float) -> bool:
        return any(
            _inside(polygon[0], lng, lat) and not any(_inside(h, lng, lat) for h in polygon[1:])
            for polygon in self.polygons
        )


class Territories:
    """Which street a point lies in; a box test first, so a point meets few polygons."""

    def __init__(self, territories: Iterable[Territory]) -> None:
        self._items = [(t.bbox, t) for t in territories]

    def __bool__(self) -> bool:
        return bool(self._items)

    def street_at(self, lat: float, lng: float) -> uuid.UUID | None:
        for (south, west, north, east), territory in self._items:
            if south <= lat <= north and west <= lng <= east and territory.contains(lat, lng):
                return territory.street_id
        return None
