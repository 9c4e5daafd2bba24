"""A district goes live from nothing: migrate, the first administrator, its own organisation,
catalogue, boundaries and merchants from files, an officer signs in once a password is set, and
the first plan staffs only active officers holding a certificate valid that day."""

import json
import random
from datetime import timedelta

from click.testing import CliRunner
from litestar.testing import TestClient

from server.app import create_app
from server.cli import _register_domain_commands, cli
from server.core.settings import Settings
from tests.catalog.test_import import catalogue_book
from tests.merchants.factories import merchant, write_csv
from tests.org.test_boundaries import HUBIN, QINGBO, feature, geojson
from tests.org.test_import import DEPARTMENTS, workbook
from tests.support.clock import TODAY

PASSWORD = "pw-correct-horse-1"
STREETS = [
    ["代码", "名称", "类型", "办公点经度", "办公点纬度"],
    ["hubin", "湖滨街道", "街道", 120.168, 30.259],
    ["qingbo", "清波街道", "街道", 120.164, 30.243],
]
TEAMS = [
    ["代码", "名称", "街道", "部门"],
    ["hb-zh", "湖滨综合行政执法队", "hubin", "zhzf"],
    ["qb-zh", "清波综合行政执法队", "qingbo", "zhzf"],
]
EXPIRED = (TODAY - timedelta(days=1)).isoformat()
OFFICERS = [
    ["用户名", "姓名", "角色", "队伍", "执法证号", "证件有效期至"],
    ["zhang.san", "张三", "执法人员", "hb-zh", "330101", "2030-12-31"],
    ["li.si", "李四", "执法人员", "hb-zh", "330102", "2030-12-31"],
    ["wang.wu", "王五", "执法人员", "hb-zh", "330103", "2030-12-31"],
    ["lapsed", "赵六", "执法人员", "hb-zh", "330104", EXPIRED],
    ["gone", "钱七", "执法人员", "hb-zh", "330105", "2030-12-31"],
]


def run(database_url: str, *args: str, stdin: str | None = None):
    _register_domain_commands()
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test"}
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin)
    assert result.exit_code == 0, (args, result.output)
    return result


def test_a_district_goes_live_from_its_own_files(empty_database_url, tmp_path):
    url = empty_database_url
    run(url, "db", "upgrade")
    run(
        url,
        "users",
        "add",
        "admin",
        "--role",
        "admin",
        "--name",
        "系统管理员",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    org = workbook(
        tmp_path / "org.xlsx",
        {"街道": STREETS, "部门": DEPARTMENTS, "队伍": TEAMS, "人员": OFFICERS},
    )
    run(url, "import", "org", str(org))
    run(url, "import", "catalogue", str(catalogue_book(tmp_path / "catalogue.xlsx")))
    run(
        url,
        "import",
        "boundaries",
        str(
            geojson(
                tmp_path / "streets.geojson", [feature("hubin", HUBIN), feature("qingbo", QINGBO)]
            )
        ),
    )
    rng = random.Random(5)
    shops = [
        merchant(rng, business_type="小吃", lng=f"{120.152 + i * 0.001:.4f}", lat="30.262")
        for i in range(4)
    ]
    run(url, "import", "merchants", str(write_csv(tmp_path / "shops.csv", shops)))
    for username in ("zhang.san", "li.si", "wang.wu", "lapsed", "gone"):
        run(url, "users", "set-password", username, "--password-stdin", stdin=PASSWORD + "\n")
    run(url, "users", "deactivate", "gone")

    settings = Settings(
        database_url=url,
        storage_url=f"file://{tmp_path / 'media'}",
        secret_key="test",
        var_dir=tmp_path / "var",
    )
    with TestClient(create_app(settings)) as client:
        signed_in = client.post(
            "/api/v1/auth/login", json={"username": "zhang.san", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        refused = client.post("/api/v1/auth/login", json={"username": "gone", "password": PASSWORD})
        assert refused.status_code == 401

    day = TODAY + timedelta(days=1)
    document = json.loads(run(url, "plan", "--date", day.isoformat(), "--json").stdout)
    staffed = {o["username"] for r in document["routes"] for o in r["officers"]}
    assert document["routes"], document
    assert staffed and staffed <= {"zhang.san", "li.si", "wang.wu"}
