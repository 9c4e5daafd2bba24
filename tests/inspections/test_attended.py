"""The record says which of the route's officers attended; only they sign, and they must be
enough and certified. The printed record names the planned officers and who came; the
rectification notice and the record both carry the action codes' QR, the owner link and the
merchant's rights."""

import uuid

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.inspections.models import InspectionOfficer
from server.planning.models import JointVisit, RouteOfficer
from tests.inspections.conftest import SIGNATURE, record_body
from tests.support.app import login_as


def _post(client: TestClient, csrf: str, body: dict):
    return client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})


def _third_on_route(engine, day) -> str:
    """The outsider joins the route: three officers planned for the visit."""
    with Session(engine) as session:
        visit = session.exec(select(JointVisit).where(JointVisit.key == day.visit_key)).one()
        session.add(RouteOfficer(route_id=visit.route_id, user_id=day.outsider.id))
        session.commit()
    return str(day.outsider.id)


def _three_planned_two_came(day, third: str, **changes) -> dict:
    one, two = (str(o.id) for o in day.officers)
    return record_body(day, officers=[one, two, third], attended=[one, two], **changes)


def test_two_of_three_planned_attend_and_sign(client, sync_engine, today_route):
    third = _third_on_route(sync_engine, today_route)
    csrf = login_as(client, "insp-a")
    stored = _post(client, csrf, _three_planned_two_came(today_route, third))
    assert stored.status_code == 201, stored.text
    with Session(sync_engine) as session:
        on_record = set(session.exec(select(InspectionOfficer.user_id)))
    assert on_record == {o.id for o in today_route.officers}
    printed = client.get(f"/api/v1/inspections/{stored.json()['id']}/record").text
    absent = today_route.outsider.name
    assert f"{absent}（执法证号 {today_route.outsider.cert_no}）未到场（不签名）" in printed
    assert printed.count('<img alt="" src="data:image/png') == 3  # two officers, the merchant
    assert "权利告知" in printed and "《中华人民共和国行政复议法》" in printed
    assert "60 日" in printed and "6 个月" in printed and "陈述、申辩" in printed


def test_a_signature_of_an_officer_who_did_not_attend_is_refused(client, sync_engine, today_route):
    third = _third_on_route(sync_engine, today_route)
    body = _three_planned_two_came(today_route, third)
    body["signatures"]["officers"][third] = SIGNATURE
    refused = _post(client, login_as(client, "insp-a"), body)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert today_route.outsider.name in detail and "signatures.officers" in detail
    assert "attended" in detail


def test_too_few_attending_or_someone_not_named_is_refused_by_field(
    client, sync_engine, today_route
):
    third = _third_on_route(sync_engine, today_route)
    csrf = login_as(client, "insp-a")
    one, two = (str(o.id) for o in today_route.officers)
    alone = record_body(today_route, officers=[one, two, third], attended=[one])
    del alone["signatures"]["officers"][two]
    refused = _post(client, csrf, alone)
    assert refused.status_code == 422
    assert "至少 2 名持证执法人员到场（attended）" in refused.json()["detail"]
    stranger = str(uuid.uuid4())
    body = record_body(today_route, officers=[one, two], attended=[one, two, stranger])
    refused = _post(client, csrf, body)
    assert refused.status_code == 422
    assert f"attended）中的 {stranger}" in refused.json()["detail"]
    # The sender must be one of those who came.
    body = record_body(today_route, officers=[one, two, third], attended=[two, third])
    body["signatures"]["officers"] = {two: SIGNATURE, third: SIGNATURE}
    refused = _post(client, csrf, body)
    assert refused.status_code == 422 and "attended" in refused.json()["detail"]
    assert "提交人" in refused.json()["detail"]
    not_a_list = _post(client, csrf, record_body(today_route, attended="everyone"))
    assert not_a_list.status_code == 422 and "attended" in not_a_list.json()["detail"]


def test_the_rectification_notice_carries_each_orders_code(client, today_route):
    csrf = login_as(client, "insp-a")
    stored = _post(client, csrf, record_body(today_route))
    assert stored.status_code == 201, stored.text
    notice = client.get(f"/api/v1/inspections/{stored.json()['id']}/notice")
    assert notice.status_code == 200, notice.text
    text = notice.text
    assert "责令整改通知书" in text and "测试检查项 licence" in text
    order_code = stored.json()["orders"][0]["action_code"]
    assert order_code.startswith("ZG") and order_code in text
    # the record's code, the order's code and the owner link
    assert text.count("<svg") == 3
    assert "权利告知" in text and "《中华人民共和国行政诉讼法》" in text
    assert "商户专用查询码" in text


def test_a_visit_with_nothing_to_put_right_has_no_notice(client, today_route):
    csrf = login_as(client, "insp-a")
    body = record_body(today_route)
    body["findings"][0] = {"item": "T-licence", "outcome": "pass"}
    stored = _post(client, csrf, body)
    assert stored.status_code == 201, stored.text
    missing = client.get(f"/api/v1/inspections/{stored.json()['id']}/notice")
    assert missing.status_code == 404 and "没有责令整改事项" in missing.json()["detail"]
    client.cookies.clear()
    login_as(client, "insp-c")  # not of the visit: nothing is told
    hidden = client.get(f"/api/v1/inspections/{stored.json()['id']}/notice")
    assert hidden.status_code == 404 and "没有责令整改" not in hidden.text
