"""`onevisit import boundaries FILE.geojson`: the streets' own territories, and merchants placed
by them — a merchant outside every street is refused by the merchant import."""

import json
import random

from sqlmodel import Session, select

from server.org.models import StreetBoundary
from server.org.territory import Territories, Territory, polygons_of
from tests.merchants.factories import merchant, write_csv
from tests.org.test_import import invoke

# Two squares side by side over 湖滨 and 清波 (WGS-84), 湖滨's with a hole in it.
HUBIN = [
    [[120.15, 30.25], [120.18, 30.25], [120.18, 30.27], [120.15, 30.27], [120.15, 30.25]],
    [[120.16, 30.255], [120.17, 30.255], [120.17, 30.26], [120.16, 30.26], [120.16, 30.255]],
]
QINGBO = [[[120.15, 30.23], [120.18, 30.23], [120.18, 30.25], [120.15, 30.25], [120.15, 30.23]]]


def geojson(path, features, **extra):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8"
    )
    return path


def feature(code, coordinates, kind="Polygon", **properties):
    return {
        "type": "Feature",
        "properties": {"code": code, **properties},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def test_a_point_is_in_the_street_whose_polygon_holds_it_and_not_in_a_hole():
    hubin, qingbo = (
        Territory("hubin", polygons_of({"type": "Polygon", "coordinates": HUBIN})),
        Territory("qingbo", polygons_of({"type": "MultiPolygon", "coordinates": [QINGBO]})),
    )
    territories = Territories([hubin, qingbo])
    assert territories.street_at(30.26, 120.155) == "hubin"
    assert territories.street_at(30.24, 120.17) == "qingbo"
    assert territories.street_at(30.257, 120.165) is None  # the hole
    assert territories.street_at(30.30, 120.17) is None  # beyond both


def test_boundaries_are_imported_and_the_merchant_import_refuses_a_shop_outside_them(
    database_url, sync_engine, district, tmp_path
):
    path = geojson(
        tmp_path / "streets.geojson",
        [feature("hubin", HUBIN), feature("清波街道", [QINGBO], "MultiPolygon")],
    )
    result = invoke(database_url, "boundaries", str(path))
    assert result.exit_code == 0, result.output
    assert "边界：共2行，新增2" in result.stdout
    again = invoke(database_url, "boundaries", str(path))
    assert "边界：共2行，新增0，更新0，未变2" in again.stdout
    with Session(sync_engine) as session:
        assert len(session.exec(select(StreetBoundary)).all()) == 2

    rng = random.Random(3)
    inside = merchant(rng, street="湖滨街道", lng="120.152", lat="30.262")
    outside = merchant(rng, street="湖滨街道", lng="120.20", lat="30.30")
    in_hole = merchant(rng, street="湖滨街道", lng="120.165", lat="30.257")
    shops = write_csv(tmp_path / "m.csv", [inside, outside, in_hole])
    imported = invoke(database_url, "merchants", str(shops))
    assert imported.exit_code == 1, imported.output
    assert "新增 1，更新 0，未变 0，拒绝 2" in imported.stdout
    assert "第3行：坐标不在任何街道的辖区边界内：经度 120.2，纬度 30.3" in imported.stdout
    assert "第4行：坐标不在任何街道的辖区边界内" in imported.stdout


def test_bad_features_are_named_by_their_number(database_url, sync_engine, district, tmp_path):
    open_ring = [[[120.15, 30.25], [120.18, 30.25], [120.18, 30.27], [120.15, 30.27]]]
    path = geojson(
        tmp_path / "bad.geojson",
        [
            feature("hubin", HUBIN),
            feature("nowhere", QINGBO),
            feature("qingbo", open_ring),
            feature("caihe", [[120.1, 30.2]], "Point"),
            {"type": "Feature", "properties": {}, "geometry": None},
            feature("hubin", HUBIN),
            feature("xiaoying", QINGBO, crs="UTM50N"),
            feature("湖滨街道", HUBIN),  # the same street by its name
        ],
    )
    result = invoke(database_url, "boundaries", str(path))
    assert result.exit_code == 1
    out = result.stdout
    assert "边界 第2行 nowhere：未知街道“nowhere”" in out
    assert "边界 第3行 qingbo：多边形的环未闭合（首尾两点须相同）" in out
    assert "边界 第4行 caihe：几何类型“Point”不是 Polygon 或 MultiPolygon" in out
    assert "边界 第5行：要素缺少 code 属性" in out
    assert "边界 第6行 hubin：与第1行重复" in out
    assert "边界 第7行 xiaoying：坐标系不对" in out
    assert "边界 第8行 湖滨街道：与第1行重复" in out
    not_json = tmp_path / "x.geojson"
    not_json.write_text("{not json", encoding="utf-8")
    unreadable = invoke(database_url, "boundaries", str(not_json))
    assert unreadable.exit_code == 2 and "不是 GeoJSON 要素集合" in unreadable.stderr


def test_gcj02_boundaries_are_stored_in_wgs84(database_url, sync_engine, district, tmp_path):
    path = geojson(
        tmp_path / "gcj.geojson", [feature("hubin", HUBIN)], properties={"crs": "GCJ-02"}
    )
    assert invoke(database_url, "boundaries", str(path)).exit_code == 0
    with Session(sync_engine) as session:
        row = session.exec(select(StreetBoundary)).one()
    first = row.polygons[0][0][0]
    assert 0.001 < abs(first[0] - 120.15) < 0.01 and 0.001 < abs(first[1] - 30.25) < 0.01
