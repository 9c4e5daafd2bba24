"""What a passer-by sees after scanning a shop's code, and what a bad code gets."""

import re
import statistics
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from server.app import create_app
from server.catalog.models import CheckItem
from server.colour.models import ColourState
from server.colour.recompute import recompute_all
from server.inspections.models import Inspection
from server.merchants.models import Merchant
from server.policy.rules import DEFAULT_POLICY
from tests.support.clock import TODAY
from tests.support.factories import make_merchants
from tests.support.records import add_inspection, add_order, add_override, make_catalogue
from tests.support.waiting import WAIT_SECONDS


def recompute(engine: Engine) -> None:
    with engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY)


def visible(html: str) -> str:
    return re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)


def test_the_page_shows_the_colour_why_and_the_way_back_to_green(
    client: TestClient, sync_engine: Engine
):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1, name_prefix="阿明小吃")
    day = TODAY - timedelta(days=30)
    add_inspection(
        sync_engine,
        catalogue,
        merchant.id,
        day,
        {"exits": False},
        summary="综合查一次：检查8项，不符合1项，责令限期整改。",
    )
    recompute(sync_engine)
    response = client.get(f"/m/{merchant.qr_token}")
    assert response.status_code == 200
    text = visible(response.text)
    assert "阿明小吃0000" in text and "湖滨街道" in text
    assert "红码" in text and 'class="badge bg-red"' in response.text
    assert f"{day.isoformat()} 检查发现重点项不符合要求，未当场整改" in text
    assert "复查扣分不超过 13 分" in text and "恢复绿码" in text
    assert "综合查一次：检查8项，不符合1项，责令限期整改。" in text
    assert "/v/XZ" in response.text  # the action code, to verify the record


def test_the_page_is_one_small_html_response_that_needs_no_javascript(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    response = client.get(f"/m/{merchant.qr_token}")
    html = response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "<script" not in html and "<link" not in html and "<style>" in html
    assert len(response.content) < 12_000
    assert 'name="viewport"' in html and 'lang="zh-CN"' in html
    assert re.search(r'<form method="post" action="/m/[^"]+/complaints"', html)


def test_the_page_shows_no_personal_data(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    with Session(sync_engine) as session:
        session.exec(
            update(Merchant)
            .where(Merchant.id == merchant.id)
            .values(contact="王小明", phone="13812345678")
        )
        session.commit()
    html = client.get(f"/m/{merchant.qr_token}").text
    assert "13812345678" not in html and "王小明" not in html
    assert merchant.uscc not in html


def test_open_orders_are_listed_with_their_deadlines(client: TestClient, sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    day = TODAY - timedelta(days=5)
    visit = add_inspection(sync_engine, catalogue, merchant.id, day, {"hygiene": False})
    deadline = day + timedelta(days=15)
    add_order(
        sync_engine,
        merchant.id,
        day,
        deadline,
        inspection_id=visit,
        requirement="后厨防蝇设施修复到位",
    )
    recompute(sync_engine)
    text = visible(client.get(f"/m/{merchant.qr_token}").text)
    assert "黄码" in text
    assert "后厨防蝇设施修复到位" in text and deadline.isoformat() in text


def test_results_not_yet_published_are_not_shown(client: TestClient, sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    earlier = TODAY - timedelta(days=200)
    add_inspection(sync_engine, catalogue, merchant.id, earlier, {}, summary="上次检查全部合格")
    recompute(sync_engine)
    fresh = add_inspection(
        sync_engine,
        catalogue,
        merchant.id,
        TODAY - timedelta(days=1),
        {"licence": False},
        published=False,
        summary="尚未公开的检查结论",
    )
    add_order(
        sync_engine,
        merchant.id,
        TODAY - timedelta(days=1),
        TODAY + timedelta(days=10),
        inspection_id=fresh,
        requirement="尚未公开的整改要求",
    )
    recompute(sync_engine)
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "red"  # the engine knows
    text = visible(client.get(f"/m/{merchant.qr_token}").text)
    assert "尚未公开" not in text and "红码" not in text.split("三色码说明")[0]
    assert "上次检查全部合格" in text and "绿码" in text

    with Session(sync_engine) as session:  # published: now the page tells
        session.get(Inspection, fresh).published_at = session.get(Inspection, fresh).finished_at
        session.commit()
    text = visible(page_once_seen(client, merchant.qr_token, "尚未公开的检查结论"))
    assert "尚未公开的检查结论" in text and "尚未公开的整改要求" in text
    assert "bg-red" in client.get(f"/m/{merchant.qr_token}").text


def publish(engine: Engine, inspection_id: uuid.UUID) -> None:
    with Session(engine) as session:
        inspection = session.get(Inspection, inspection_id)
        inspection.published_at = inspection.finished_at
        session.commit()


def page_once_seen(
    client: TestClient, token: str, words: str, seconds: float = WAIT_SECONDS
) -> str:
    """The page after a write made outside the app: on PostgreSQL the app learns of it through
    the change feed a moment later (server/public/page_cache.py), so a kept page may answer
    until then."""
    deadline = time.monotonic() + seconds
    while True:
        html = client.get(f"/m/{token}").text
        if words in html or time.monotonic() > deadline:
            return html
        time.sleep(0.02)


def before_legend(html: str) -> str:
    return visible(html).split("三色码说明")[0]


@pytest.mark.parametrize("earlier", [True, False], ids=["after-a-public-visit", "first-visit"])
def test_an_order_from_a_result_not_yet_published_is_not_shown(
    client: TestClient, sync_engine: Engine, earlier: bool
):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    if earlier:
        day = TODAY - timedelta(days=200)
        add_inspection(sync_engine, catalogue, merchant.id, day, {}, summary="上次检查全部合格")
        recompute(sync_engine)
    day = TODAY - timedelta(days=1)
    deadline = TODAY + timedelta(days=13)
    # A general item left unfixed: the visit alone earns green, its order turns the shop yellow.
    fresh = add_inspection(
        sync_engine,
        catalogue,
        merchant.id,
        day,
        {"hygiene": False},
        published=False,
        summary="尚未公开的检查结论",
    )
    add_order(
        sync_engine,
        merchant.id,
        day,
        deadline,
        inspection_id=fresh,
        requirement="测试检查项 hygiene：尚未公开的整改要求",
    )
    recompute(sync_engine)
    with Session(sync_engine) as session:  # the engine knows, and blames the order
        assert session.get(Merchant, merchant.id).colour == "yellow"
        state = session.get(ColourState, merchant.id)
        assert (state.source_kind, state.reason_code) == ("order", "order_issued")

    page = client.get(f"/m/{merchant.qr_token}")
    assert page.status_code == 200
    shown = before_legend(page.text)
    assert "责令限期整改" not in shown and deadline.isoformat() not in shown
    assert day.isoformat() not in shown and "尚未公开" not in shown
    assert "测试检查项 hygiene" not in shown
    assert "黄码" not in shown and "按期完成整改" not in shown
    assert 'class="badge bg-green"' in page.text and "暂无正在整改的事项" in shown
    assert "依据已公开的检查记录评定" in shown
    if earlier:
        assert "上次检查全部合格" in shown
    else:
        assert "暂无已公开的检查结果" in shown

    publish(sync_engine, fresh)
    shown = before_legend(page_once_seen(client, merchant.qr_token, "尚未公开的检查结论"))
    assert f"{day.isoformat()} 责令限期整改，整改期限至 {deadline.isoformat()}" in shown
    assert "黄码" in shown and "尚未公开的检查结论" in shown


def test_orders_show_the_item_not_the_inspectors_note(client: TestClient, sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    with Session(sync_engine) as session:  # an item whose title holds the separator itself
        session.get(CheckItem, catalogue.items["records"]).title = "台账：进货查验记录"
        session.commit()
    day = TODAY - timedelta(days=5)
    visit = add_inspection(
        sync_engine, catalogue, merchant.id, day, {"hygiene": False, "records": False}
    )
    for requirement in (
        "测试检查项 hygiene：店主称纱窗下周才换",
        "台账：进货查验记录：老板娘不配合，态度差",
    ):
        add_order(
            sync_engine,
            merchant.id,
            day,
            day + timedelta(days=15),
            inspection_id=visit,
            requirement=requirement,
        )
    add_order(
        sync_engine, merchant.id, day, day + timedelta(days=20), requirement="消防通道：内部说明"
    )
    recompute(sync_engine)
    shown = before_legend(client.get(f"/m/{merchant.qr_token}").text)
    assert "测试检查项 hygiene —" in shown and "台账：进货查验记录 —" in shown
    assert "消防通道 —" in shown
    assert "纱窗" not in shown and "老板娘" not in shown and "内部说明" not in shown


def test_an_override_shows_who_set_the_colour_not_the_note(client: TestClient, sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    until = TODAY + timedelta(days=30)
    add_override(
        sync_engine,
        merchant.id,
        "yellow",
        TODAY - timedelta(days=10),
        until,
        reason="督查组内部意见",
    )
    recompute(sync_engine)
    shown = before_legend(client.get(f"/m/{merchant.qr_token}").text)
    assert "黄码" in shown
    assert f"码色由综合行政执法部门调整（有效期至 {until.isoformat()}）" in shown
    assert "督查组内部意见" not in shown and "人工调整：" not in shown

    # A result worse than the override, not yet published: the override is the last public word.
    add_inspection(
        sync_engine,
        catalogue,
        merchant.id,
        TODAY - timedelta(days=1),
        {"licence": False},
        published=False,
    )
    recompute(sync_engine)
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "red"
    shown = before_legend(client.get(f"/m/{merchant.qr_token}").text)
    assert "黄码" in shown and "红码" not in shown
    assert f"码色由综合行政执法部门调整（有效期至 {until.isoformat()}）" in shown
    assert "督查组内部意见" not in shown


@pytest.mark.parametrize(
    "token",
    ["nonexistent", "A" * 32, "%E4%BD%A0%E5%A5%BD", "x" * 500, "'; DROP TABLE merchant; --"],
)
def test_bad_tokens_get_the_same_404_page(client: TestClient, sync_engine: Engine, token: str):
    (merchant,) = make_merchants(sync_engine, 1)
    reference = client.get("/m/" + "B" * 32)
    response = client.get(f"/m/{token}")
    assert response.status_code == 404 == reference.status_code
    assert response.text == reference.text
    assert "二维码无效" in response.text and merchant.name not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/m",
        "/m/",
        "/m/abc/def",
        "/m/abc%2Fdef",
        "/m/abc/def/ghi",
        "/m/abc/complaints",
        "/m/abc/complaints/x",
        "/m/c",
        "/m/c/",
        "/m/c/TS20260101-ZZZZZZZZ/x",
        "/m/o",
        "/m/o/",
        "/m/o/abc/def",
        "/m/o/abc/rerating",
        "/m/o/abc/rerating/x",
        "/m/o/abc/orders",
        "/m/o/abc/orders/not-a-uuid",
        f"/m/o/abc/orders/{uuid.UUID(int=1)}/photos",
        "/m/o/abc/orders/not-a-uuid/photos/x",
        "/m/o/abc/orders/not-a-uuid/x",
    ],
)
def test_malformed_paths_get_the_same_404_page(client: TestClient, sync_engine: Engine, path: str):
    (merchant,) = make_merchants(sync_engine, 1)
    reference = client.get("/m/" + "B" * 32)
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == reference.text
    below = client.get(f"/m/{merchant.qr_token}/extra")  # a real code, a segment too many
    assert below.status_code == 404 and below.text == reference.text


def test_a_deregistered_merchant_is_404(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    with Session(sync_engine) as session:
        session.get(Merchant, merchant.id).active = False
        session.commit()
    assert client.get(f"/m/{merchant.qr_token}").status_code == 404


def test_a_forged_token_close_to_a_real_one_is_404(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    token = merchant.qr_token
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/m/{forged}").status_code == 404


def test_unknown_malformed_and_revoked_tokens_take_the_same_time(
    client: TestClient, sync_engine: Engine
):
    merchants = make_merchants(sync_engine, 50)
    revoked = merchants[0].qr_token
    with Session(sync_engine) as session:
        session.get(Merchant, merchants[0].id).qr_token = "R" * 32
        session.commit()
    kinds = {"unknown": "Z" * 32, "malformed": "%00<>" * 9, "revoked": revoked}

    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_no in range(70):  # interleaved, so drift in the machine's load hits every kind
        for kind, token in kinds.items():
            start = time.perf_counter()
            assert client.get(f"/m/{token}").status_code == 404
            if round_no >= 10:  # the first rounds warm up
                samples[kind].append((time.perf_counter() - start) * 1000)
    medians = {kind: statistics.median(values) for kind, values in samples.items()}
    spread = max(medians.values()) - min(medians.values())
    assert spread < 1.0 + 0.5 * min(medians.values()), medians


def test_the_promise_of_each_colour_is_the_district_policys(
    settings, sync_engine: Engine, tmp_path
):
    """The legend says how often each colour is visited as the district's policy sets it, the
    same intervals the planner keeps (the caps never hold them back: server/policy/frequency.py)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("interval_months: {green: 12, yellow: 4, red: 2}\n", encoding="utf-8")
    (merchant,) = make_merchants(sync_engine, 1)
    with TestClient(create_app(replace(settings, policy_file=str(policy)))) as client:
        text = visible(client.get(f"/m/{merchant.qr_token}").text)
    assert "约每 2 个月检查一次" in text and "约每 4 个月检查一次" in text
    assert "约每 12 个月例行检查一次" in text and "约每 3 个月" not in text
