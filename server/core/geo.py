"""Coordinates: WGS-84 is stored; GCJ-02 (AMap, Tencent) and BD-09 (Baidu) convert on entry."""

import math

__all__ = [
    "CRS_NAMES",
    "bd09_to_gcj02",
    "gcj02_to_wgs84",
    "haversine_m",
    "parse_crs",
    "to_wgs84",
    "wgs84_to_gcj02",
]

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Names people write in a coordinate-system column, mapped to one of wgs84 / gcj02 / bd09.
CRS_NAMES = {
    "": "wgs84",
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "wgs 84": "wgs84",
    "gps": "wgs84",
    "epsg:4326": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "火星坐标": "gcj02",
    "高德": "gcj02",
    "amap": "gcj02",
    "腾讯": "gcj02",
    "tencent": "gcj02",
    "国测局": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "百度": "bd09",
    "baidu": "bd09",
}


def parse_crs(raw: str | None) -> str:
    """Normalise a coordinate-system label; raise ValueError for one we do not know."""
    key = (raw or "").strip().lower()
    if key not in CRS_NAMES:
        raise ValueError(f"未知坐标系“{raw}”（可用 WGS84、GCJ02、BD09）")
    return CRS_NAMES[key]


def _outside_china(lat: float, lng: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if _outside_china(lat, lng):
        return lat, lng
    dlat, dlng = _delta(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Invert the GCJ-02 offset by fixed-point iteration (error well under a metre)."""
    if _outside_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _ in range(10):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < 1e-9 and abs(dlng) < 1e-9:
            break
    return wlat, wlng


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def to_wgs84(lat: float, lng: float, crs: str) -> tuple[float, float]:
    """Convert a point in `crs` (wgs84, gcj02 or bd09) to WGS-84."""
    if crs == "wgs84":
        return lat, lng
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lng)
    if crs == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))
    raise ValueError(f"unknown coordinate system {crs!r}")


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
