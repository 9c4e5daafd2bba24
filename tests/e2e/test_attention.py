"""When the server will not take a record as it is, the officer can put it right on the phone:
sign in again after the session ran out (nothing is lost, no one else's name is used), and take
a refused record back to correct it and send it again."""

from pathlib import Path

from PIL import Image
from playwright import sync_api
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, select

from server.auth.models import UserSession
from server.inspections.models import Inspection
from server.org.models import User
from tests.e2e.phone import do_visit, needs_chromium, open_phone, sign_every_pad
from tests.inspections.conftest import make_day

pytestmark = needs_chromium


def _photo(tmp_path: Path) -> Path:
    photo = tmp_path / "licence.jpg"
    Image.new("RGB", (640, 480), (90, 160, 30)).save(photo, format="JPEG")
    return photo


def _inspections(engine: Engine) -> list[Inspection]:
    with Session(engine) as session:
        return list(session.exec(select(Inspection)).all())


def test_a_session_that_ran_out_is_renewed_without_losing_the_record(
    live, sync_engine: Engine, tmp_path: Path
):
    day = make_day(sync_engine)
    me, colleague = day.officers
    with sync_api.sync_playwright() as p:
        browser, context, page = open_phone(p, live.url, me.username)
        context.set_offline(True)
        do_visit(page, day, _photo(tmp_path))
        with Session(sync_engine) as session:  # the shift's session runs out meanwhile
            session.exec(delete(UserSession))
            session.commit()

        context.set_offline(False)
        page.goto(f"{live.url}/app/#/outbox")
        page.click("[data-act=sync]")
        relogin = page.get_by_test_id("relogin")
        sync_api.expect(relogin).to_be_visible(timeout=20000)
        sync_api.expect(page.get_by_test_id("entry")).to_contain_text("登录已过期")
        relogin.click()
        sync_api.expect(page.get_by_test_id("login-again")).to_contain_text("手机上的记录都会保留")

        page.fill("#u", colleague.username)  # not someone else, while my record waits
        page.fill("#p", "pw-correct-horse")
        page.click("button[type=submit]")
        sync_api.expect(page.locator("#err")).to_contain_text("没有同步")
        assert _inspections(sync_engine) == []

        page.fill("#u", me.username)
        page.fill("#p", "pw-correct-horse")
        page.click("button[type=submit]")  # signed in again, the record goes out at once
        sync_api.expect(page.get_by_test_id("sync-counts")).to_contain_text(
            "待同步 0 · 需处理 0 · 已同步 1", timeout=30000
        )
        browser.close()
    [inspection] = _inspections(sync_engine)
    assert inspection.merchant_id == day.merchant_id


def test_a_refused_record_goes_back_for_correction_and_is_sent_again(
    live, sync_engine: Engine, tmp_path: Path
):
    day = make_day(sync_engine)
    me, colleague = day.officers
    with Session(sync_engine) as session:  # the colleague's certificate is not on file yet
        session.exec(update(User).where(User.id == colleague.id).values(cert_no=None))
        session.commit()
    with sync_api.sync_playwright() as p:
        browser, _context, page = open_phone(p, live.url, me.username)
        do_visit(page, day, _photo(tmp_path))
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("需要处理", timeout=30000)
        entry = page.get_by_test_id("entry")
        sync_api.expect(entry).to_contain_text("执法证")
        assert _inspections(sync_engine) == []

        with Session(sync_engine) as session:  # the office puts the certificate on file
            session.exec(
                update(User).where(User.id == colleague.id).values(cert_no=colleague.cert_no)
            )
            session.commit()
        page.click("text=返回修改后重新提交")
        sync_api.expect(page.get_by_test_id("returned")).to_contain_text("执法证")
        sync_api.expect(page.locator('[data-item="T-licence"]')).to_contain_text("1 张照片")
        page.click("text=检查完毕，去签名")
        page.click("text=保存并提交")  # the signatures were cleared: everyone signs again
        sync_api.expect(page.locator("#err")).to_have_text("请完成所有签名，或记录商户拒签")
        sign_every_pad(page)
        page.click("text=保存并提交")
        sync_api.expect(page.get_by_test_id("saved")).to_be_visible()
        page.goto(f"{live.url}/app/#/outbox")
        sync_api.expect(page.get_by_test_id("entry-state")).to_have_text("已同步", timeout=30000)
        browser.close()
    [inspection] = _inspections(sync_engine)
    assert inspection.result == "rectify"
