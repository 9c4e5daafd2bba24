"""`onevisit import org FILE`: a district's own streets, departments, teams and officers from a
workbook, every bad row named by sheet and line, the same file twice changing nothing."""

import csv
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, col, select

from server.audit.models import AuditEvent
from server.audit.service import Actor
from server.auth.passwords import hash_password, verify_password
from server.auth.user_fields import UserForm
from server.auth.users import NewPassword, create_user
from server.import_cli import export_group, import_group
from server.org.models import NO_PASSWORD, Department, Street, Team, User
from tests.support.app import login_as

STREETS = [
    ["代码", "名称", "类型", "办公点经度", "办公点纬度"],
    ["hb", "湖滨街道", "街道", 120.168, 30.259],
    ["qb", "清波街道", "街道", 120.164, 30.243],
    ["dz", "东站枢纽", "派驻", 120.213, 30.291],
]
DEPARTMENTS = [["代码", "名称"], ["zhzf", "综合行政执法"], ["scjg", "市场监管"], ["xf", "消防"]]
TEAMS = [
    ["代码", "名称", "街道", "部门"],
    ["hb-zh", "湖滨综合行政执法队", "hb", "zhzf"],
    ["qb-zh", "清波综合行政执法队", "清波街道", "综合行政执法"],
    ["xf-zy", "消防专业执法队", "", "xf"],
]
OFFICERS = [
    ["用户名", "姓名", "角色", "队伍", "执法证号", "证件有效期至", "手机"],
    ["zhang.san", "张三", "执法人员", "hb-zh", "33010001", "2028-06-30", "13800000001"],
    ["li.si", "李四", "执法人员", "hb-zh", "33010002", "2027/3/1", ""],
    ["wang.wu", "王五", "街道管理员", "qb-zh", "", "", ""],
    ["zhao.liu", "赵六", "区级管理员", "", "", "", ""],
    ["fire.one", "钱七", "执法人员", "xf-zy", "33010003", "", ""],
]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def org_book(path: Path, **changes: list[list[object]]) -> Path:
    sheets = {"街道": STREETS, "部门": DEPARTMENTS, "队伍": TEAMS, "人员": OFFICERS}
    return workbook(path, {**sheets, **changes})


def invoke(database_url: str, *args: str, group=import_group):
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test"}
    return CliRunner().invoke(group, list(args), env=env)


def _users(engine) -> dict[str, User]:
    with Session(engine) as session:
        return {u.username: u for u in session.exec(select(User))}


def test_an_empty_district_takes_its_organisation_from_a_workbook(
    database_url, sync_engine, tmp_path
):
    result = invoke(database_url, "org", str(org_book(tmp_path / "组织.xlsx")))
    assert result.exit_code == 0, result.output
    assert "街道：共3行，新增3，更新0，未变0，拒绝0" in result.stdout
    assert "人员：共5行，新增5，更新0，未变0，拒绝0" in result.stdout
    with Session(sync_engine) as session:
        streets = {s.code: s for s in session.exec(select(Street))}
        teams = {t.code: t for t in session.exec(select(Team))}
        departments = {d.code: d for d in session.exec(select(Department))}
    assert streets["dz"].kind == "hub" and streets["hb"].name == "湖滨街道"
    assert teams["xf-zy"].street_id is None  # a district-level team
    assert teams["qb-zh"].department_id == departments["zhzf"].id  # named by its name
    users = _users(sync_engine)
    zhang = users["zhang.san"]
    # The officer's street and department come from the team.
    assert (zhang.street_id, zhang.department_id) == (streets["hb"].id, departments["zhzf"].id)
    assert str(zhang.cert_valid_until) == "2028-06-30" and zhang.phone == "13800000001"
    assert str(users["li.si"].cert_valid_until) == "2027-03-01"
    assert (users["wang.wu"].role, users["wang.wu"].street_id) == ("supervisor", streets["qb"].id)
    assert (users["zhao.liu"].role, users["zhao.liu"].street_id) == ("supervisor", None)
    # Nobody signs in with an imported account until a password is set.
    assert zhang.password_hash == NO_PASSWORD
    assert not verify_password(zhang.password_hash, "")


def test_the_same_file_twice_changes_nothing_and_a_changed_row_is_an_audited_update(
    database_url, sync_engine, tmp_path
):
    path = org_book(tmp_path / "org.xlsx")
    assert invoke(database_url, "org", str(path)).exit_code == 0
    before = _users(sync_engine)
    again = invoke(database_url, "org", str(path))
    assert again.exit_code == 0
    assert "人员：共5行，新增0，更新0，未变5，拒绝0" in again.stdout
    assert {u: v.id for u, v in _users(sync_engine).items()} == {u: v.id for u, v in before.items()}

    officers = [row[:] for row in OFFICERS]
    officers[1][3], officers[1][5] = "qb-zh", "2029-12-31"  # 张三 moves to 清波, renewed
    changed = invoke(database_url, "org", str(org_book(tmp_path / "org2.xlsx", 人员=officers)))
    assert "人员：共5行，新增0，更新1，未变4，拒绝0" in changed.stdout
    with Session(sync_engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "org.import.update")
        ).one()
        qb = session.exec(select(Street).where(Street.code == "qb")).one()
    assert event.entity_id == str(before["zhang.san"].id)
    assert event.detail["changes"]["cert_valid_until"] == ["2028-06-30", "2029-12-31"]
    assert event.detail["changes"]["street_id"][1] == str(qb.id)


def test_every_bad_row_is_named_by_sheet_and_line_and_the_good_rows_are_kept(
    database_url, sync_engine, tmp_path
):
    streets = [
        *STREETS,
        ["xx", "远方街道", "街道", 121.5, 31.2],
        ["hb", "重复", "街道", 120.1, 30.2],
    ]
    streets.append(["kk", "某街道", "社区", 120.17, 30.26])
    teams = [*TEAMS, ["bad-st", "某队", "nowhere", "zhzf"], ["bad-dp", "某某队", "hb", "公安"]]
    officers = [
        *OFFICERS,
        ["zhang.san", "张三二", "执法人员", "hb-zh", "", "", ""],  # username repeated
        ["sun.ba", "孙八", "执法人员", "no-team", "", "", ""],
        ["zhou.jiu", "周九", "执法人员", "hb-zh", "33010001", "", ""],  # 张三's certificate
        ["wu.shi", "吴十", "执法人员", "hb-zh", "33010009", "明年", ""],
        ["zheng.a", "郑一", "队长", "hb-zh", "", "", ""],
        ["feng.b", "冯二", "街道管理员", "xf-zy", "", "", ""],
        ["chen c", "陈三", "执法人员", "hb-zh", "", "", ""],
    ]
    path = org_book(tmp_path / "org.xlsx", 街道=streets, 队伍=teams, 人员=officers)
    report = tmp_path / "rejects.csv"
    result = invoke(database_url, "org", str(path), "--report", str(report))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "街道 第5行 xx：办公点不在辖区范围内" in out
    assert "街道 第6行 hb：与第2行重复" in out
    assert "街道 第7行 kk：类型“社区”不对（填“街道”或“派驻”）" in out
    assert "队伍 第5行 bad-st：未知街道“nowhere”" in out
    assert "队伍 第6行 bad-dp：未知部门“公安”" in out
    assert "人员 第7行 zhang.san：与第2行重复" in out
    assert "人员 第8行 sun.ba：未知队伍“no-team”" in out
    assert "人员 第9行 zhou.jiu：执法证号“33010001”已登记给用户 zhang.san" in out
    assert "人员 第10行 wu.shi：证件有效期至“明年”不是日期" in out
    assert "人员 第11行 zheng.a：角色“队长”不对" in out
    assert "人员 第12行 feng.b：街道管理员须填写所属街道" in out
    assert "人员 第13行 chen c：用户名“chen c”不可用：只能由英文字母、数字和 . _ @ - 组成" in out
    assert "人员：共12行，新增5，更新0，未变0，拒绝7" in out
    users = _users(sync_engine)
    assert set(users) == {"zhang.san", "li.si", "wang.wu", "zhao.liu", "fire.one"}
    assert users["zhang.san"].name == "张三"  # the repeated row changed nothing
    with report.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["工作表", "行号", "代码", "原因"] and len(rows) == 1 + 12


def test_a_workbook_that_cannot_be_read_stores_nothing(database_url, sync_engine, tmp_path):
    other = workbook(tmp_path / "other.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    result = invoke(database_url, "org", str(other))
    assert result.exit_code == 2
    assert (
        "工作簿里没有可导入的工作表（应有：街道、部门、队伍、人员；实有：Sheet1）" in result.stderr
    )
    # The last sheet lacks a required column: the sheets before it are not stored either.
    officers = [["用户名", "姓名"], ["zhang.san", "张三"]]
    broken = invoke(database_url, "org", str(org_book(tmp_path / "b.xlsx", 人员=officers)))
    assert broken.exit_code == 2
    assert "工作表「人员」缺少必需的列：角色" in broken.stderr
    with Session(sync_engine) as session:
        assert session.exec(select(Street)).first() is None
    csv_file = tmp_path / "org.csv"
    csv_file.write_text("代码,名称\n", encoding="utf-8")
    assert "请使用 XLSX 工作簿" in invoke(database_url, "org", str(csv_file)).stderr


def test_english_sheets_and_headers_import_the_same(database_url, sync_engine, tmp_path):
    english = {
        "Streets": [
            ["code", "name", "kind", "office_lng", "office_lat", "crs"],
            ["hb", "湖滨街道", "street", 120.1729, 30.2567, "GCJ-02"],
        ],
        "Departments": [["code", "name"], ["zhzf", "综合行政执法"]],
        "Teams": [["code", "name", "street", "department"], ["hb-zh", "湖滨队", "hb", "zhzf"]],
        "Officers": [
            ["username", "name", "role", "team", "cert_no", "cert_expires", "phone"],
            ["a.b", "甲乙", "inspector", "hb-zh", "1", "2030-01-01", ""],
            ["c.d", "丙丁", "street_supervisor", "hb-zh", "", "", ""],
        ],
    }
    result = invoke(database_url, "org", str(workbook(tmp_path / "en.xlsx", english)))
    assert result.exit_code == 0, result.output
    with Session(sync_engine) as session:
        street = session.exec(select(Street)).one()
    # GCJ-02 (a Chinese map's coordinates) is stored as WGS-84, a few hundred metres away.
    moved = (abs(street.office_lng - 120.1729), abs(street.office_lat - 30.2567))
    assert all(0.001 < d < 0.01 for d in moved), moved
    assert _users(sync_engine)["c.d"].role == "supervisor"


# People as the console's users page and `onevisit users add` may place them, beside the
# imported ones: by street alone, by department alone, in a district team, in nothing.
CONSOLE_PEOPLE = {
    "jd.sup": UserForm(role="street_supervisor", name="街道甲", street="qb"),
    "jd.sup2": UserForm(role="street_supervisor", name="街道乙", team="湖滨综合行政执法队"),
    "qj.sup": UserForm(role="district_supervisor", name="区级甲", department="scjg"),
    "xf.two": UserForm(
        role="inspector",
        name="消防乙",
        team="消防专业执法队",
        cert_no="A-77",
        cert_from="2026-01-01",
    ),
    "fa.zhi": UserForm(role="legal", name="法制甲", street="hb", department="zhzf"),
    "jian.du": UserForm(role="oversight", name="监督甲"),
    "boss": UserForm(role="admin", name="管理员"),
}


def _placements(users: dict[str, User]) -> dict[str, tuple]:
    return {
        name: (u.role, u.street_id, u.team_id, u.department_id, u.cert_valid_from)
        for name, u in users.items()
    }


def test_an_export_imports_back_unchanged_and_the_template_imports(
    database_url, sync_engine, tmp_path
):
    assert invoke(database_url, "org", str(org_book(tmp_path / "org.xlsx"))).exit_code == 0
    with Session(sync_engine) as session:
        for username, form in CONSOLE_PEOPLE.items():
            create_user(session, username, form, NewPassword.unset(), Actor("cli"))
        session.commit()
    before = _users(sync_engine)
    out = tmp_path / "export.xlsx"
    assert invoke(database_url, "org", str(out), group=export_group).exit_code == 0
    assert load_workbook(out).sheetnames == ["街道", "部门", "队伍", "人员"]
    again = invoke(database_url, "org", str(out))
    assert again.exit_code == 0, again.output
    assert "人员：共12行，新增0，更新0，未变12，拒绝0" in again.stdout
    assert "新增0，更新0" in again.stdout and "更新1" not in again.stdout
    assert _placements(_users(sync_engine)) == _placements(before)
    with Session(sync_engine) as session:
        updates = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "org.import.update")
        ).all()
    assert updates == []

    template = tmp_path / "template.xlsx"
    assert invoke(database_url, "template", "org", str(template)).exit_code == 0
    assert load_workbook(template).sheetnames == ["街道", "部门", "队伍", "人员", "说明"]


def test_an_imported_officer_cannot_sign_in_until_a_password_is_set(
    database_url, sync_engine, client, tmp_path
):
    assert invoke(database_url, "org", str(org_book(tmp_path / "org.xlsx"))).exit_code == 0
    for password in ("", "!", "password"):
        refused = client.post(
            "/api/v1/auth/login", json={"username": "zhang.san", "password": password}
        )
        assert refused.status_code in (400, 401), refused.text
    with Session(sync_engine) as session:
        user = session.exec(select(User).where(User.username == "zhang.san")).one()
        user.password_hash = hash_password("pw-correct-horse")
        session.add(user)
        session.commit()
    login_as(client, "zhang.san")


def test_a_department_is_marked_specialised_and_a_sheet_without_the_mark_keeps_it(
    database_url, sync_engine, tmp_path
):
    marked = [
        ["代码", "名称", "专业执法"],
        ["zhzf", "综合行政执法", "否"],
        ["scjg", "市场监管", "是"],
        ["xf", "消防", ""],
        ["wsjk", "卫生健康", "也许"],
    ]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 部门=marked)))
    assert "部门 第5行 wsjk：专业执法“也许”应填“是”或“否”" in result.stdout

    def specialised() -> dict[str, bool]:
        with Session(sync_engine) as session:
            return {d.code: d.specialised for d in session.exec(select(Department))}

    assert specialised() == {"zhzf": False, "scjg": True, "xf": False}
    # An older workbook (no 专业执法 column) changes no department's mark.
    again = invoke(database_url, "org", str(org_book(tmp_path / "b.xlsx")))
    assert "部门：共3行，新增0，更新0，未变3，拒绝0" in again.stdout, again.output
    assert specialised() == {"zhzf": False, "scjg": True, "xf": False}

    out = tmp_path / "export.xlsx"
    assert invoke(database_url, "org", str(out), group=export_group).exit_code == 0
    rows = list(load_workbook(out)["部门"].iter_rows(values_only=True))
    assert rows == [
        ("代码", "名称", "专业执法"),
        ("scjg", "市场监管", "是"),
        ("xf", "消防", "否"),
        ("zhzf", "综合行政执法", "否"),
    ]


def test_a_certificate_runs_from_its_start_and_a_sheet_without_the_start_keeps_it(
    database_url, sync_engine, tmp_path
):
    header = ["用户名", "姓名", "角色", "队伍", "执法证号", "证件生效日", "证件有效期至"]
    officers = [
        header,
        ["zhang.san", "张三", "执法人员", "hb-zh", "33010001", "2023/7/1", "2028-06-30"],
        ["li.si", "李四", "执法人员", "hb-zh", "33010002", "2029-01-01", "2028-12-31"],
        ["wang.wu", "王五", "执法人员", "hb-zh", "", "2025-01-01", ""],
    ]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 人员=officers)))
    out = result.stdout
    assert "人员 第3行 li.si：执法证截止日期 2028-12-31 早于起始日期 2029-01-01" in out
    assert "人员 第4行 wang.wu：填写了执法证有效期，却没有填写执法证号" in out
    zhang = _users(sync_engine)["zhang.san"]
    assert (str(zhang.cert_valid_from), str(zhang.cert_valid_until)) == ("2023-07-01", "2028-06-30")

    # The usual sheet has no 证件生效日: the start stays, and an expiry before it is refused.
    assert invoke(database_url, "org", str(org_book(tmp_path / "b.xlsx"))).exit_code == 0
    assert str(_users(sync_engine)["zhang.san"].cert_valid_from) == "2023-07-01"
    early = [row[:] for row in OFFICERS]
    early[1][5] = "2023-01-01"
    refused = invoke(database_url, "org", str(org_book(tmp_path / "c.xlsx", 人员=early)))
    assert "zhang.san：执法证截止日期 2023-01-01 早于起始日期 2023-07-01" in refused.stdout

    out_file = tmp_path / "export.xlsx"
    assert invoke(database_url, "org", str(out_file), group=export_group).exit_code == 0
    header, *rows = load_workbook(out_file)["人员"].iter_rows(values_only=True)
    zhang = dict(zip(header, next(r for r in rows if r[0] == "zhang.san"), strict=True))
    assert (zhang["证件生效日"], zhang["证件有效期至"]) == ("2023-07-01", "2028-06-30")


def test_an_officer_in_no_team_keeps_a_department_and_the_export_brings_it_back(
    database_url, sync_engine, tmp_path
):
    officers = [
        ["用户名", "姓名", "角色", "队伍", "部门"],
        ["zhao.liu", "赵六", "区级管理员", "", "zhzf"],
        ["fa.zhi", "孙八", "法制审核", "", "市场监管"],
        ["zhang.san", "张三", "执法人员", "hb-zh", ""],
        ["li.si", "李四", "执法人员", "hb-zh", "xf"],
    ]
    result = invoke(database_url, "org", str(org_book(tmp_path / "a.xlsx", 人员=officers)))
    assert "人员 第5行 li.si：队伍“湖滨综合行政执法队”不属于部门“消防”" in result.stdout
    with Session(sync_engine) as session:
        departments = {d.id: d.code for d in session.exec(select(Department))}
    users = _users(sync_engine)
    placed = {name: departments.get(u.department_id) for name, u in users.items()}
    assert placed == {"zhao.liu": "zhzf", "fa.zhi": "scjg", "zhang.san": "zhzf"}

    out = tmp_path / "export.xlsx"
    assert invoke(database_url, "org", str(out), group=export_group).exit_code == 0
    back = invoke(database_url, "org", str(out))
    assert back.exit_code == 0, back.output
    assert "人员：共3行，新增0，更新0，未变3，拒绝0" in back.stdout
