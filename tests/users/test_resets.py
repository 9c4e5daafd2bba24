"""One-time password links, as the officer who opens one meets them: once, within a day, the
newest only, for an account that may sign in; setting the password ends every older session."""

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.audit.service import Actor
from server.auth.models import PasswordReset, UserSession
from server.auth.passwords import verify_password
from server.auth.resets import ResetRefused, issue_reset_link, open_reset, use_reset
from server.auth.user_fields import UserRefused
from server.auth.users import activate_user, deactivate_user
from server.core.clock import utcnow
from server.org.models import User
from tests.support.factories import make_user
from tests.users.test_service import PASSWORD, PLAIN

ADMIN = Actor("admin")
pytestmark = pytest.mark.clock("2026-11-26T10:00+08:00", frozen=True)


@pytest.fixture
def officer(sync_engine):
    return make_user(sync_engine, "zhang")


@pytest.fixture
def session(sync_engine):
    with Session(sync_engine, expire_on_commit=False) as session:
        yield session


def _issue(session, user) -> str:
    issued = issue_reset_link(session, user, ADMIN, utcnow())
    session.commit()
    assert issued.expires_at == utcnow() + timedelta(hours=24)
    return issued.secret


def _refusal(session, secret: str) -> ResetRefused:
    with pytest.raises(ResetRefused) as caught:
        open_reset(session, secret, utcnow())
    return caught.value


def test_a_link_sets_the_password_once_and_ends_older_sessions(session, officer, clock):
    session.add(UserSession(token_hash="s" * 64, csrf_token="c", user_id=officer.id))
    session.commit()
    secret = _issue(session, officer)
    assert session.exec(select(PasswordReset.secret_hash)).one() != secret  # only its hash
    _, user = open_reset(session, secret, utcnow())
    assert user.username == "zhang"
    clock.advance(timedelta(hours=23))
    use_reset(session, secret, PASSWORD, utcnow(), "10.0.0.9")
    session.commit()
    assert verify_password(session.get(User, user.id).password_hash, PLAIN)
    assert session.exec(select(func.count()).select_from(UserSession)).one() == 0
    used = _refusal(session, secret)
    assert used.status == 410 and "已于 2026-11-27 09:00 使用过" in used.detail
    with pytest.raises(ResetRefused, match="使用过"):
        use_reset(session, secret, PASSWORD, utcnow(), None)
    events = {e.action: e for e in session.exec(select(AuditEvent))}
    assert events["user.password_reset"].actor == "zhang"
    assert events["user.password_reset"].ip == "10.0.0.9"
    assert secret not in str([e.detail for e in events.values()])


def test_a_link_runs_out_after_a_day(session, officer, clock):
    secret = _issue(session, officer)
    clock.advance(timedelta(hours=24))
    expired = _refusal(session, secret)
    assert expired.status == 410
    assert expired.detail == "该链接已于 2026-11-27 10:00 过期：请管理员重新生成链接"


def test_a_newer_link_replaces_the_older(session, officer):
    older = _issue(session, officer)
    newer = _issue(session, officer)
    assert "管理员已生成了更新的链接" in _refusal(session, older).detail
    assert open_reset(session, newer, utcnow())[1].id == officer.id


def test_unknown_links_and_stopped_accounts_are_refused(session, officer):
    for secret in ("", "nope", "x" * 10_000, "\x00"):
        unknown = _refusal(session, secret)
        assert unknown.status == 404 and "该链接无效" in unknown.detail
    officer = session.get(User, officer.id)
    secret = _issue(session, officer)
    deactivate_user(session, officer, ADMIN)
    session.commit()
    assert "该账号已停用，无法设置密码" in _refusal(session, secret).detail
    with pytest.raises(UserRefused, match="已停用：请先启用"):
        issue_reset_link(session, officer, ADMIN, utcnow())
    activate_user(session, officer, ADMIN)  # back again: the old link stays ended
    session.commit()
    assert "该链接已失效" in _refusal(session, secret).detail
