"""The administrator's data page: templates and exports download, a workbook uploads and is
imported with the same report as the command; nobody else reaches it."""

import io
import sqlite3
import tempfile
from dataclasses import replace

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from server.audit.models import AuditEvent
from server.data_kinds import KINDS
from server.org.models import User
from tests.merchants.factories import rows_of, write_csv
from tests.org.test_import import org_book, workbook
from tests.support.app import console_login
from tests.support.factories import make_user


def _admin(client, sync_engine) -> str:
    make_user(sync_engine, "boss", role="admin")
    assert console_login(client, "boss").status_code in (302, 303)
    page = client.get("/console/data/")
    assert page.status_code == 200
    return page.text.split('name="csrf-token" content="')[1].split('"')[0]


def test_an_administrator_downloads_a_template_and_imports_a_workbook(
    client, sync_engine, tmp_path
):
    csrf = _admin(client, sync_engine)
    template = client.get("/console/data/template/catalogue")
    assert template.status_code == 200
    assert "attachment" in template.headers["content-disposition"]
    assert load_workbook(io.BytesIO(template.content)).sheetnames[:2] == ["事项", "检查项"]

    # The district (made with the administrator) has its teams already: officers join them.
    officers = [
        ["用户名", "姓名", "角色", "队伍"],
        ["zhang.san", "张三", "执法人员", "湖滨综合行政执法队"],
        ["li.si", "李四", "执法人员", "没有这个队"],
    ]
    body = workbook(tmp_path / "org.xlsx", {"人员": officers}).read_bytes()
    answer = client.post(
        "/console/data/import",
        data={"kind": "org"},
        files={"file": ("组织机构.xlsx", body)},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert answer.status_code == 200, answer.text[:2000]
    assert "组织机构.xlsx 导入完成" in answer.text
    assert "<td>人员</td><td>1</td><td>0</td><td>0</td><td>1</td>" in answer.text
    assert "<td>人员</td><td>3</td><td>li.si</td><td>未知队伍“没有这个队”" in answer.text
    with Session(sync_engine) as session:
        assert session.exec(select(User).where(User.username == "zhang.san")).one()

    export = client.get("/console/data/export/org")
    assert load_workbook(io.BytesIO(export.content)).sheetnames == ["街道", "部门", "队伍", "人员"]


def test_a_bad_upload_is_told_what_is_wrong(client, sync_engine, tmp_path):
    csrf = _admin(client, sync_engine)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    wrong = client.post(
        "/console/data/import",
        data={"kind": "org"},
        files={"file": ("notes.xlsx", b"not a workbook")},
        headers=headers,
    )
    assert wrong.status_code == 400 and "无法导入" in wrong.text
    no_kind = client.post(
        "/console/data/import",
        data={"kind": "x"},
        files={"file": ("a.xlsx", b"x")},
        headers=headers,
    )
    assert no_kind.status_code == 400 and "请选择要导入的数据类型" in no_kind.text
    assert client.get("/console/data/template/nothing").status_code == 404


def test_only_administrators_reach_the_data_page(client, sync_engine):
    make_user(sync_engine, "sup", role="supervisor")
    console_login(client, "sup")
    refused = client.get("/console/data/", follow_redirects=False)
    assert refused.status_code in (302, 303, 403)
    assert "组织机构" not in refused.text


def test_downloads_leave_no_files_behind(client, sync_engine, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    _admin(client, sync_engine)
    for url in ("/console/data/template/org", "/console/data/export/catalogue"):
        assert client.get(url).status_code == 200
    assert list(scratch.iterdir()) == []


def test_a_database_failure_is_a_503_that_shows_no_data(client, sync_engine, tmp_path, monkeypatch):
    csrf = _admin(client, sync_engine)

    def broken(*_args, **_kwargs):
        # What a driver says when the disk is full, with the row it was writing.
        raise sqlite3.OperationalError("database or disk is full: INSERT … '13800138000'")

    monkeypatch.setitem(KINDS, "org", replace(KINDS["org"], imports=broken))
    answer = client.post(
        "/console/data/import",
        data={"kind": "org"},
        files={"file": ("org.xlsx", org_book(tmp_path / "org.xlsx").read_bytes())},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert answer.status_code == 503
    assert "稍后重试" in answer.text and "13800138000" not in answer.text


def test_an_import_from_the_page_names_the_administrator_in_the_audit_trail(
    client, sync_engine, tmp_path
):
    csrf = _admin(client, sync_engine)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}

    def upload(kind: str, path) -> None:
        answer = client.post(
            "/console/data/import",
            data={"kind": kind},
            files={"file": (path.name, path.read_bytes())},
            headers=headers,
        )
        assert answer.status_code == 200 and "导入完成" in answer.text, answer.text[:2000]

    # The district (made with the administrator) has its teams: an officer joins one, and is
    # then renewed, an update audited on its own row.
    officers = [
        ["用户名", "姓名", "角色", "队伍", "执法证号", "证件有效期至"],
        ["zhang.san", "张三", "执法人员", "湖滨综合行政执法队", "33010001", "2028-06-30"],
    ]
    upload("org", workbook(tmp_path / "org.xlsx", {"人员": officers}))
    officers[1][5] = "2029-12-31"
    upload("org", workbook(tmp_path / "org2.xlsx", {"人员": officers}))
    upload("merchants", write_csv(tmp_path / "商户.csv", rows_of(2)))
    with Session(sync_engine) as session:
        boss = session.exec(select(User).where(User.username == "boss")).one()
        events = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action).in_(("org.import", "org.import.update", "merchant.import"))
            )
        ).all()
    assert sorted(e.action for e in events) == [
        "merchant.import",
        "org.import",
        "org.import",
        "org.import.update",
    ]
    assert {(e.actor, e.actor_id) for e in events} == {("boss", boss.id)}
    assert all(e.ip for e in events)


def test_an_administrator_cannot_import_away_their_own_rights(client, sync_engine, tmp_path):
    csrf = _admin(client, sync_engine)
    make_user(sync_engine, "boss2", role="admin")  # not the last one: it is whose rights they are
    officers = [
        ["用户名", "姓名", "角色", "队伍"],
        ["boss", "管理员", "执法人员", "湖滨综合行政执法队"],
    ]
    answer = client.post(
        "/console/data/import",
        data={"kind": "org"},
        files={
            "file": ("org.xlsx", workbook(tmp_path / "org.xlsx", {"人员": officers}).read_bytes())
        },
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert (
        "<td>人员</td><td>2</td><td>boss</td><td>不能停用自己的账号，也不能更改自己的管理员角色"
        in (answer.text)
    )
    with Session(sync_engine) as session:
        assert session.exec(select(User.role).where(User.username == "boss")).one() == "admin"
