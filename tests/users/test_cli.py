"""`onevisit users …` as an operator runs it: the first administrator of an empty database signs
in over HTTP; bad input exits 1 with the reason and writes nothing."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from server.app import create_app
from server.audit.models import AuditEvent
from server.auth.cli import users
from server.auth.models import UserSession
from server.core.settings import Settings
from server.org.models import User
from server.org.service import ensure_district
from tests.support.app import console_login

PASSWORD = "first-admin-pw"


def _onevisit(*args: str, env: dict[str, str], stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_first_run_gives_an_administrator_who_signs_in(empty_database_url, tmp_path):
    """`onevisit db upgrade`, then `onevisit users add admin …` as processes on an empty
    database, as README's first run says; then the administrator signs in over HTTP."""
    env = {
        **os.environ,
        "DATABASE_URL": empty_database_url,
        "ONEVISIT_VAR_DIR": str(tmp_path),
    }
    assert _onevisit("db", "upgrade", env=env).returncode == 0
    argv = ("users", "add", "admin", "--role", "admin", "--name", "管理员", "--password-stdin")
    added = _onevisit(*argv, env=env, stdin=f"{PASSWORD}\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "已添加用户 admin（管理员）"
    settings = Settings(
        database_url=empty_database_url,
        storage_url=f"file://{tmp_path / 'media'}",
        secret_key="test-secret-key",
        var_dir=tmp_path / "var",
    )
    with TestClient(create_app(settings)) as client:
        wrong = client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
        assert wrong.status_code == 401
        assert console_login(client, "admin", PASSWORD).headers["location"] == "/console/"
        page = client.get("/console/users")
        assert page.status_code == 200
        assert ">admin</a>" in page.text and "管理员" in page.text
        me = client.get("/api/v1/auth/me").json()
        assert (me["username"], me["role"]) == ("admin", "admin")


@pytest.fixture
def run(database_url, tmp_path, sync_engine):
    """`onevisit users ARGS` in this process, with `stdin`: (exit code, stdout, stderr)."""
    with Session(sync_engine) as session:
        ensure_district(session)
        session.commit()
    env = {"DATABASE_URL": database_url, "ONEVISIT_VAR_DIR": str(tmp_path)}

    def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        result = CliRunner().invoke(users, list(args), input=stdin, env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _written(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(User)).one(),
            session.exec(select(func.count()).select_from(AuditEvent)).one(),
        )


TEAM = ("--team", "湖滨综合行政执法队")
ADD = ("add", "li", "--role", "inspector", "--name", "李四", *TEAM, "--password-stdin")


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (
            ("add", "", "--role", "admin", "--name", "X", "--password-stdin"),
            PASSWORD,
            "用户名不能为空",
        ),
        (
            ("add", " \t", "--role", "admin", "--name", "X", "--password-stdin"),
            PASSWORD,
            "用户名不能为空",
        ),
        (
            ("add", "a" * 65, "--role", "admin", "--name", "X", "--password-stdin"),
            PASSWORD,
            "现为 65 个",
        ),
        (("add", "li", "--name", "李四", "--password-stdin"), PASSWORD, "请填写角色"),
        (
            ("add", "li", "--role", "boss", "--name", "李四", "--password-stdin"),
            PASSWORD,
            "未知角色“boss”",
        ),
        (("add", "li", "--role", "inspector", "--password-stdin"), PASSWORD, "姓名不能为空"),
        (
            ("add", "li", "--role", "inspector", "--name", "李四", "--password-stdin"),
            PASSWORD,
            "执法人员须填写所属队伍",
        ),
        (ADD, "", "标准输入中没有密码"),
        (ADD, "\n", "密码不能为空"),
        (ADD, "too-short\n", "密码太短：至少 10 个字符（现为 9 个）"),
        (ADD[:-1], None, "请加 --password-stdin"),
        ((*ADD, "--street", "nowhere"), PASSWORD, "未知街道“nowhere”"),
        ((*ADD, "--team", "nobody"), PASSWORD, "未知队伍“nobody”"),
        ((*ADD, "--department", "nasa"), PASSWORD, "未知部门“nasa”"),
        ((*ADD, "--cert-no", "1", "--cert-from", "2026-02-30"), PASSWORD, "“2026-02-30”不存在"),
        (
            (*ADD, "--cert-no", "1", "--cert-from", "2026-03-02", "--cert-until", "2026-03-01"),
            PASSWORD,
            "早于起始日期",
        ),
        (
            ("add", "li", "--role", "street_supervisor", "--name", "李四", "--password-stdin"),
            PASSWORD,
            "街道管理员须填写所属街道",
        ),
        (
            (
                "add",
                "li",
                "--role",
                "district_supervisor",
                "--street",
                "hubin",
                "--name",
                "李四",
                "--password-stdin",
            ),
            PASSWORD,
            "区级管理员不属于任何街道",
        ),
    ],
)
def test_bad_input_exits_1_with_the_reason_and_writes_nothing(
    run, sync_engine, args, stdin, reason
):
    code, out, err = run(*args, stdin=stdin)
    assert code == 1, out
    assert reason in err
    assert _written(sync_engine) == (0, 0)


def test_password_deactivation_and_the_list_as_the_operator_sees_them(run, sync_engine):
    assert run(*ADD, "--cert-no", "33010226001", stdin=PASSWORD)[0] == 0
    code, _, err = run(
        "add",
        "wang",
        "--role",
        "legal",
        "--name",
        "王五",
        "--cert-no",
        "33010226001",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert code == 1 and "执法证号“33010226001”已登记给用户 li" in err
    with Session(sync_engine) as session:
        li = session.exec(select(User)).one()
        session.add(UserSession(token_hash="s" * 64, csrf_token="c", user_id=li.id))
        session.commit()
    assert run("set-password", "li", "--password-stdin", stdin="another-password\r\n")[1] == (
        "已为 li 设置新密码，结束了其 1 个登录会话\n"
    )
    assert run("set-password", "nobody", "--password-stdin", stdin=PASSWORD)[2].startswith(
        "没有用户名为“nobody”的用户"
    )
    assert run("deactivate", "li")[1] == "已停用 li，结束了其 0 个登录会话\n"
    assert run("deactivate", "li")[1] == "li 已是停用状态，未作改动\n"
    code, out, err = run("list")
    assert code == 0 and out.splitlines()[1:] == [] and "没有符合条件的用户" in err
    code, out, _ = run("list", "--inactive", "--street", "hubin", "--role", "inspector")
    header, row = out.splitlines()
    assert header.split("\t")[:3] == ["用户名", "角色", "姓名"]
    assert row.split("\t") == [
        "li",
        "inspector",
        "李四",
        "hubin",
        "湖滨综合行政执法队",
        "zhzf",
        "33010226001",
        "",
        "",
        "停用",
    ]
    assert run("activate", "li")[1] == "已启用 li\n"
    assert run("list", "--street", "nowhere")[0:1] == (1,)
    with Session(sync_engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.at))]
    assert actions == ["user.created", "user.password_set", "user.deactivated", "user.activated"]
