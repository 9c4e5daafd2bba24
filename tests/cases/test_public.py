"""/v/{code} answers for every act of a case, public fields only, linked to the others; and
nothing public says a case proves anything before its decision."""

import re
from datetime import timedelta

import pytest

from server.colour.recompute import recompute_all
from server.colour.texts import current_reason
from server.core.clock import local_today
from server.policy.rules import DEFAULT_POLICY
from tests.cases.conftest import adopt_lists, file_case
from tests.support.factories import make_merchants
from tests.support.records import add_case, add_inspection, make_catalogue


def visible(html: str) -> str:
    return re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)


def _decide(user, case_id: str, body: dict) -> dict:
    base = f"/api/v1/cases/{case_id}"
    user("insp-a").post(f"{base}/steps", json={"step": "investigate"})
    assert user.post(f"{base}/submit", json=body).status_code == 200
    assert user("legal1").post(f"{base}/reviews", json={"verdict": "approve"}).status_code == 200
    decided = user("insp-a").post(f"{base}/decision", json=body)
    assert decided.status_code == 200, decided.text
    return decided.json()["decision"]


def test_a_case_before_its_decision_reads_as_pending_and_links_its_inspection(user, world):
    code = file_case(user, world)["action_code"]
    page = user.client.get(f"/v/{code}")
    assert page.status_code == 200
    text = visible(page.text)
    assert "案件办理中" in text and "不代表认定存在违法行为" in text
    assert "立案查处" not in text and "未公示许可证" not in text  # no allegation is shown
    assert f"/v/{world.inspection_code}" in page.text
    inspection = user.client.get(f"/v/{world.inspection_code}")
    assert inspection.status_code == 200 and f"/v/{code}" in inspection.text


@pytest.mark.parametrize(
    ("body", "prefix", "kind"),
    [
        (
            {"kind": "penalty", "measures": ["warning", "fine"], "amount": 2000},
            "CF",
            "行政处罚决定",
        ),
        ({"kind": "mitigated", "measures": ["fine"], "amount": 300}, "JQ", "减轻行政处罚决定"),
        ({"kind": "no_penalty"}, "BY", "不予行政处罚决定"),
    ],
)
def test_each_kind_of_decision_verifies_and_is_linked_both_ways(
    user, world, body, prefix, kind, sync_engine
):
    adopt_lists(sync_engine)  # a first violation on both lists: no penalty or a mitigated one
    created = file_case(user, world)
    decision = _decide(user, created["id"], body)
    assert decision["action_code"].startswith(prefix)
    page = user.client.get(f"/v/{decision['action_code']}")
    assert page.status_code == 200
    text = visible(page.text)
    assert kind in text and "老王面馆0000" in text
    assert f"/v/{created['action_code']}" in page.text
    assert f"/v/{world.inspection_code}" in page.text
    case_page = visible(user.client.get(f"/v/{created['action_code']}").text)
    assert "已作出处理决定" in case_page and decision["action_code"] in case_page
    assert "不代表认定" not in case_page
    inspection = user.client.get(f"/v/{world.inspection_code}").text
    assert decision["action_code"] in inspection and created["action_code"] in inspection


def test_a_transfer_verifies_with_both_units(user, world):
    created = file_case(user, world)
    sent = user("insp-a").post(
        f"/api/v1/cases/{created['id']}/transfer", json={"to_unit": "scjg", "reason": "区级管辖"}
    )
    code = sent.json()["transfers"][0]["action_code"]
    page = user.client.get(f"/v/{code}")
    assert page.status_code == 200
    text = visible(page.text)
    assert "案件移送" in text and "待接收" in text
    assert "湖滨综合行政执法队" in text and "市场监管" in text
    assert "区级管辖" not in text  # the reasons are the units' business


def test_unknown_codes_of_every_kind_are_404(client):
    for code in ("AJ20260602ABCDEF1234", "CF20260602ABCDEF1234", "YS20260602ABCDEF1234", "ZZ1"):
        assert client.get(f"/v/{code}").status_code == 404, code


def test_the_public_page_says_only_what_is_decided(client, sync_engine):
    catalogue = make_catalogue(sync_engine)
    found, filed = make_merchants(sync_engine, 2, name_prefix="公示商户")
    today = local_today()
    add_inspection(
        sync_engine,
        catalogue,
        found.id,
        today - timedelta(days=20),
        {"exits": False},
        result="case",
    )
    add_inspection(sync_engine, catalogue, filed.id, today - timedelta(days=20))
    add_case(sync_engine, filed.id, today - timedelta(days=10))
    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY)
    for merchant in (found, filed):
        page = client.get(f"/m/{merchant.qr_token}")
        assert page.status_code == 200
        text = visible(page.text)
        assert "红码" in text
        assert "立案" not in text and "违法行为" not in text, text
        assert "正依法调查处理，尚未作出处理决定" in text


def test_a_reason_kept_from_before_is_shown_in_todays_words():
    old = "2026-11-01 检查发现违法行为，已立案查处"
    assert current_reason("visit_case", old) == (
        "2026-11-01 检查发现严重问题，正依法调查处理，尚未作出处理决定"
    )
    assert "立案" not in current_reason("case_opened", "2026-11-01 立案查处")
    assert current_reason("visit_clean", "2026-11-01 检查合格") == "2026-11-01 检查合格"
