"""Coordinates: points from Chinese map services land where they really are."""

import math

import pytest

from server.core.geo import haversine_m, parse_crs, to_wgs84, wgs84_to_gcj02

# Shopfronts across the district (WGS-84): Hubin, Nanxing, Jiubao, Dinglan.
POINTS = [(30.2590, 120.1680), (30.2230, 120.1760), (30.3030, 120.2700), (30.3380, 120.2010)]
_X_PI = math.pi * 3000.0 / 180.0


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """Baidu's published forward transform, to make BD-09 test points."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


@pytest.mark.parametrize(("lat", "lng"), POINTS)
def test_a_gcj02_point_converts_back_to_within_a_couple_of_metres(lat, lng):
    back = to_wgs84(*wgs84_to_gcj02(lat, lng), "gcj02")
    assert haversine_m(lat, lng, *back) < 2


@pytest.mark.parametrize(("lat", "lng"), POINTS)
def test_a_bd09_point_converts_back_to_within_a_couple_of_metres(lat, lng):
    back = to_wgs84(*gcj02_to_bd09(*wgs84_to_gcj02(lat, lng)), "bd09")
    assert haversine_m(lat, lng, *back) < 2


@pytest.mark.parametrize(("lat", "lng"), POINTS)
def test_gcj02_is_about_500_metres_off_in_hangzhou(lat, lng):
    offset = haversine_m(lat, lng, *wgs84_to_gcj02(lat, lng))
    assert 300 < offset < 700


def test_wgs84_is_left_alone():
    assert to_wgs84(30.259, 120.168, "wgs84") == (30.259, 120.168)


@pytest.mark.parametrize(
    ("label", "crs"),
    [
        ("", "wgs84"),
        ("WGS84", "wgs84"),
        ("GCJ-02", "gcj02"),
        (" 高德 ", "gcj02"),
        ("bd09", "bd09"),
        ("百度", "bd09"),
    ],
)
def test_coordinate_system_labels_people_write_are_understood(label, crs):
    assert parse_crs(label) == crs


def test_an_unknown_coordinate_system_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"未知坐标系“火星”.*WGS84、GCJ02、BD09"):
        parse_crs("火星")
