"""The users service as the command line and the console use it: what is refused and why,
what a change leaves behind (the account, its sessions, its audit row), and that a refusal
leaves nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.audit.service import Actor
from server.auth.models import UserSession
from server.auth.passwords import verify_password
from server.auth.user_fields import UserForm, UserRefused
from server.auth.user_list import list_users
from server.auth.users import (
    NewPassword,
    activate_user,
    create_user,
    deactivate_user,
    find_user,
    set_password,
    update_user,
)
from server.core.clock import utcnow
from server.org.models import User
from server.org.service import ensure_district

PLAIN = "correct-horse-9"
PASSWORD = NewPassword.from_plain(PLAIN)  # hashed once: hashing is slow on purpose
ADMIN = Actor("cli")


@pytest.fixture
def session(sync_engine):
    with Session(sync_engine, expire_on_commit=False) as session:
        ensure_district(session)
        session.commit()
        yield session


TEAM = "湖滨综合行政执法队"


def add(session, username: str, role: str = "inspector", **fields: str) -> User:
    if role == "inspector":
        fields.setdefault("team", TEAM)
    user = create_user(
        session, username, UserForm(role=role, name="张三", **fields), PASSWORD, ADMIN
    )
    session.commit()
    return user


def refused(session, username: str = "li", role: str = "inspector", **fields: str) -> str:
    """The reason a new user is refused (an inspector in the hubin team unless `fields` say
    otherwise); nothing of it is written."""
    if role == "inspector":
        fields.setdefault("team", TEAM)
    before = _counts(session)
    with pytest.raises(UserRefused) as caught:
        create_user(
            session, username, UserForm(role=role, **{"name": "李四", **fields}), PASSWORD, ADMIN
        )
    session.rollback()
    assert _counts(session) == before
    return caught.value.detail


def _counts(session) -> tuple[int, int]:
    users = session.exec(select(func.count()).select_from(User)).one()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    return users, events


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_every_role_can_be_added_and_signs_in_with_its_password(session):
    add(session, "admin", "admin")
    add(session, "quji", "district_supervisor")
    add(session, "jiedao", "street_supervisor", street="hubin")
    add(session, "zhifa", "inspector", team="湖滨综合行政执法队", cert_no="33010226001")
    add(session, "fazhi", "legal")
    add(session, "jiandu", "oversight", department="scjg")
    rows = {row.username: row for row in list_users(session)}
    assert {name: row.role for name, row in rows.items()} == {
        "admin": "admin",
        "fazhi": "legal",
        "jiandu": "oversight",
        "jiedao": "street_supervisor",
        "quji": "district_supervisor",
        "zhifa": "inspector",
    }
    # The team gave the inspector its street and department.
    assert (rows["zhifa"].street, rows["zhifa"].department) == ("hubin", "zhzf")
    stored = find_user(session, " zhifa ")
    assert stored.role == "inspector" and verify_password(stored.password_hash, PLAIN)
    created = _events(session, "user.created")
    assert len(created) == 6 and all(e.actor == "cli" for e in created)
    assert "password" not in str([e.detail for e in created])


def test_a_street_supervisor_needs_a_street_and_a_district_supervisor_has_none(session):
    assert refused(session, role="street_supervisor") == "街道管理员须填写所属街道"
    assert "区级管理员不属于任何街道" in refused(
        session, role="district_supervisor", street="hubin"
    )
    assert "区级管理员不能加入" in refused(
        session, role="district_supervisor", team="湖滨综合行政执法队"
    )
    assert "district_supervisor" in refused(session, role="supervisor")


def test_an_inspector_belongs_to_a_team_and_takes_its_street_and_department(session):
    reason = refused(session, team="", street="hubin", department="zhzf")
    assert reason == (
        "执法人员须填写所属队伍（街道的执法队，或部门的区级执法队）："
        "排班按队伍所属的街道和部门安排执法人员"
    )
    district = add(session, "shichang", team="市场监管专业执法队")
    assert district.street_id is None and district.department_id is not None
    # Taken out of their team, an inspector is refused as a new one would be.
    with pytest.raises(UserRefused, match="执法人员须填写所属队伍"):
        update_user(session, district, UserForm(role="inspector", name="张三"), ADMIN)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"role": "auditor"}, "未知角色“auditor”，可选：admin、district_supervisor"),
        ({"role": ""}, "请填写角色"),
        ({"name": "   "}, "姓名不能为空"),
        ({"name": "张\u202e三"}, "姓名“张\\u202e三”中含有控制字符、不可见字符"),
        (
            {"name": "<script>x</script>"},
            "姓名“<script>x</script>”中含有控制字符、不可见字符或尖括号",
        ),
        ({"street": "atlantis"}, "未知街道“atlantis”。可用的街道代码："),
        ({"team": "不存在的队"}, "未知队伍“不存在的队”"),
        ({"department": "nasa"}, "未知部门“nasa”。可用的部门代码："),
        ({"street": "qingbo", "team": "湖滨综合行政执法队"}, "不属于清波街道"),
        ({"street": "hubin", "team": "市场监管专业执法队"}, "不属于街道"),
        ({"department": "xf", "team": "湖滨综合行政执法队"}, "不属于部门“消防”"),
        ({"cert_no": "3301 02"}, "执法证号“3301 02”格式不对"),
        ({"cert_no": "1", "cert_from": "2026-02-30"}, "执法证起始日期“2026-02-30”不存在"),
        ({"cert_no": "1", "cert_until": "26-3-1"}, "格式不对：请写成 YYYY-MM-DD"),
        ({"cert_no": "1", "cert_until": "0999-01-01"}, "不在 1900–2999 年之间"),
        (
            {"cert_no": "1", "cert_from": "2026-03-01", "cert_until": "2026-02-28"},
            "执法证截止日期 2026-02-28 早于起始日期 2026-03-01",
        ),
        ({"cert_from": "2026-03-01"}, "没有填写执法证号"),
    ],
)
def test_bad_fields_are_refused_naming_the_problem(session, fields, reason):
    assert reason in refused(session, **fields)


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("", "用户名不能为空"),
        ("   ", "用户名不能为空"),
        ("a" * 65, "用户名太长：最多 64 个字符（现为 65 个）"),
        ("zhang san", "只能由英文字母、数字和 . _ @ - 组成"),
        ("张三", "只能由英文字母、数字和 . _ @ - 组成"),
        ("-lead", "并以字母或数字开头"),
    ],
)
def test_bad_usernames_are_refused(session, username, reason):
    assert reason in refused(session, username=username)


def test_a_64_character_username_is_taken_as_is(session):
    assert add(session, "a" * 64).username == "a" * 64


def test_a_username_or_certificate_already_held_is_refused_with_who_holds_it(session):
    add(session, "zhang", cert_no="33010226001")
    assert refused(session, username="Zhang") == "用户名“Zhang”已被占用（已有用户 zhang），请换一个"
    assert refused(session, cert_no="33010226001") == "执法证号“33010226001”已登记给用户 zhang"


@pytest.mark.parametrize(
    ("plain", "reason"),
    [
        ("", "密码不能为空"),
        ("short-pw", "密码太短：至少 10 个字符（现为 8 个）"),
        (" " * 12, "密码不能全是空格"),
        ("x" * 257, "密码太长：最多 256 个字符"),
        ("tab\there-and-more", "控制字符"),
    ],
)
def test_passwords_are_held_to_the_rule(plain, reason):
    with pytest.raises(UserRefused, match=reason):
        NewPassword.from_plain(plain)


def _sessions(session, user: User) -> int:
    return session.exec(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    ).one()


def _signed_in(session, user: User, n: int = 2) -> None:
    for i in range(n):
        expires = utcnow() + timedelta(hours=8)
        session.add(
            UserSession(
                token_hash=f"{user.username}{i}".ljust(64, "0"),
                csrf_token="c",
                user_id=user.id,
                expires_at=expires,
            )
        )
    session.commit()


def test_a_new_password_or_deactivation_ends_the_users_sessions(session):
    user = add(session, "zhang")
    _signed_in(session, user)
    assert set_password(session, user, NewPassword.from_plain("another-horse-1"), ADMIN) == 2
    session.commit()
    assert _sessions(session, user) == 0
    assert verify_password(user.password_hash, "another-horse-1")
    _signed_in(session, user)
    assert deactivate_user(session, user, ADMIN) == 2
    session.commit()
    assert _sessions(session, user) == 0 and not user.active
    assert deactivate_user(session, user, ADMIN) is None  # already: nothing happens
    assert activate_user(session, user, ADMIN) is True
    assert activate_user(session, user, ADMIN) is False
    session.commit()
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.at))]
    assert actions == ["user.created", "user.password_set", "user.deactivated", "user.activated"]


def test_the_last_administrator_stays_and_no_administrator_demotes_themselves(session):
    admin = add(session, "admin", "admin")
    with pytest.raises(UserRefused, match="最后一个启用的管理员"):
        deactivate_user(session, admin, ADMIN)
    with pytest.raises(UserRefused, match="最后一个启用的管理员"):
        update_user(session, admin, UserForm(role="legal", name="管理员"), ADMIN)
    session.rollback()
    other = add(session, "admin2", "admin")
    own = Actor(admin.username, admin.id)
    with pytest.raises(UserRefused, match="不能停用自己的账号"):
        deactivate_user(session, admin, own)
    session.rollback()
    assert deactivate_user(session, other, own) == 0


def test_editing_sets_every_field_and_audits_what_changed(session):
    user = add(session, "zhang", "inspector", team="湖滨综合行政执法队", cert_no="A-1")
    form = UserForm(
        role="street_supervisor",
        name="张三丰",
        street="qingbo",
        cert_no="A-2",
        cert_from="2026-01-01",
        cert_until="2030-12-31",
    )
    changes = update_user(session, user, form, ADMIN)
    session.commit()
    assert changes == {
        "role": ["inspector", "street_supervisor"],
        "name": ["张三", "张三丰"],
        "street": ["hubin", "qingbo"],
        "team": ["湖滨综合行政执法队", ""],
        "department": ["zhzf", ""],
        "cert_no": ["A-1", "A-2"],
        "cert_from": ["", "2026-01-01"],
        "cert_until": ["", "2030-12-31"],
    }
    assert (user.role, user.cert_valid_until) == ("supervisor", date(2030, 12, 31))
    assert _events(session, "user.updated")[0].detail["changes"] == changes
    # The same again (its own certificate number is no conflict): nothing to change or audit.
    assert update_user(session, user, form, ADMIN) == {}
    assert len(_events(session, "user.updated")) == 1


def test_lists_filter_by_role_street_and_whether_active(session):
    add(session, "a1", "street_supervisor", street="hubin")
    add(session, "a2", "district_supervisor")
    gone = add(session, "a3", "inspector", street="hubin")
    deactivate_user(session, gone, ADMIN)
    session.commit()
    names = lambda **f: [row.username for row in list_users(session, **f)]  # noqa: E731
    assert names(role="street_supervisor") == ["a1"]
    assert names(role="district_supervisor") == ["a2"]
    assert names(street="hubin") == ["a1"]
    assert names(street="湖滨街道", active=False) == ["a3"]
    assert names(active=None) == ["a1", "a2", "a3"]
    with pytest.raises(UserRefused, match="未知街道“nowhere”"):
        list_users(session, street="nowhere")
    with pytest.raises(UserRefused, match="未知角色"):
        list_users(session, role="boss")
