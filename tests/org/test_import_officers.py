"""The 人员 sheet is held to the rules of the console and `onevisit users`: a workbook cannot
leave the district without an administrator, add a username that differs from one in use only by
letter case, or let in a username or name the console refuses. Each refusal names the sheet,
line and the console's reason, and changes nothing else."""

from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.org.models import User
from tests.org.test_import import OFFICERS, invoke, org_book

HEADER = OFFICERS[0]  # 用户名 姓名 角色 队伍 执法证号 证件有效期至 手机


def _people(engine) -> dict[str, tuple]:
    """Every account as the import could change it."""
    with Session(engine) as session:
        return {
            u.username: (u.name, u.role, u.street_id, u.team_id, u.department_id, u.cert_no)
            for u in session.exec(select(User))
        }


def _updates(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.action == "org.import.update"))
        )


def _start(database_url, tmp_path, *extra: list[object]) -> None:
    """The district of the usual workbook, with `extra` officers."""
    path = org_book(tmp_path / "start.xlsx", 人员=[*OFFICERS, *extra])
    result = invoke(database_url, "org", str(path))
    assert result.exit_code == 0, result.output


def test_the_only_administrator_is_not_made_an_inspector(database_url, sync_engine, tmp_path):
    _start(database_url, tmp_path, ["boss", "管理员", "系统管理员", "", "", "", ""])
    before = _people(sync_engine)
    demoted = [HEADER, ["boss", "管理员", "执法人员", "hb-zh", "", "", ""]]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 人员=demoted)))
    assert result.exit_code == 1, result.output
    assert (
        "人员 第2行 boss：这是最后一个启用的管理员账号，不能停用或改为其他角色：请先另设一位管理员"
        in result.stdout
    )
    assert _people(sync_engine) == before and _updates(sync_engine) == []

    # With a second administrator in the same file, the first may go.
    handed_over = [HEADER, ["boss2", "管理员二", "系统管理员", "", "", "", ""], demoted[1]]
    again = invoke(database_url, "org", str(org_book(tmp_path / "b.xlsx", 人员=handed_over)))
    assert again.exit_code == 0, again.output
    people = _people(sync_engine)
    assert (people["boss"][1], people["boss2"][1]) == ("inspector", "admin")


def test_a_username_in_use_in_other_letters_is_refused(database_url, sync_engine, tmp_path):
    _start(database_url, tmp_path)
    before = _people(sync_engine)
    rows = [
        HEADER,
        ["Zhang.San", "张三丰", "执法人员", "hb-zh", "33010099", "", ""],
        ["ZHAO.LIU", "赵六", "区级管理员", "", "", "", ""],
    ]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 人员=rows)))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "人员 第2行 Zhang.San：用户名“Zhang.San”已被占用（已有用户 zhang.san），请换一个" in out
    assert "人员 第3行 ZHAO.LIU：用户名“ZHAO.LIU”已被占用（已有用户 zhao.liu），请换一个" in out
    assert _people(sync_engine) == before and _updates(sync_engine) == []


def test_a_username_or_name_the_console_refuses_is_refused(database_url, sync_engine, tmp_path):
    _start(database_url, tmp_path)
    before = _people(sync_engine)
    rows = [
        HEADER,
        ["bad<b>\u202e", "坏人", "执法人员", "hb-zh", "", "", ""],
        ["new.one", "<script>x</script>", "执法人员", "hb-zh", "", "", ""],
        ["zhang.san", "张\u202e三", "执法人员", "hb-zh", "33010001", "2028-06-30", ""],
    ]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 人员=rows)))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert (
        "人员 第2行 bad<b>\\u202e：用户名“bad<b>\\u202e”不可用："
        "只能由英文字母、数字和 . _ @ - 组成，并以字母或数字开头" in out
    )
    assert (
        "人员 第3行 new.one：姓名“<script>x</script>”中含有控制字符、不可见字符或尖括号 < >，"
        "请删除后重试" in out
    )
    # A known officer renamed so is refused too, and keeps the name they had.
    assert "人员 第4行 zhang.san：姓名“张\\u202e三”中含有控制字符、不可见字符或尖括号" in out
    assert "人员：共3行，新增0，更新0，未变0，拒绝3" in out
    assert _people(sync_engine) == before and _updates(sync_engine) == []


def test_a_certificate_number_given_up_in_a_row_may_be_taken_by_a_later_one(
    database_url, sync_engine, tmp_path
):
    _start(database_url, tmp_path)
    rows = [
        HEADER,
        ["zhang.san", "张三", "执法人员", "hb-zh", "33010100", "2030-06-30", ""],  # renewed
        ["li.si", "李四", "执法人员", "hb-zh", "33010001", "2029-06-30", ""],  # 张三's old one
        ["fire.one", "钱七", "执法人员", "xf-zy", "33010100", "", ""],  # 张三's new one
    ]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 人员=rows)))
    assert "人员 第4行 fire.one：执法证号“33010100”已登记给用户 zhang.san" in result.stdout
    assert "人员：共3行，新增0，更新2，未变0，拒绝1" in result.stdout, result.output
    people = _people(sync_engine)
    assert (people["zhang.san"][5], people["li.si"][5]) == ("33010100", "33010001")
