"""What a supervisor notices: codes that decode to the merchant page, rotation that kills the old
code, printable posters, overrides that need a reason and run out, and every change logged."""

import io
import re
from datetime import date, timedelta

import pytest
import zxingcpp
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from server.colour.models import ColourEvent
from server.colour.recompute import recompute_all
from server.core.clock import utcnow
from server.merchants.models import Merchant, MerchantToken
from server.merchants.qrcode import token_hash
from server.policy.rules import DEFAULT_POLICY
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, make_catalogue


@pytest.fixture
def supervisor(client: TestClient, sync_engine: Engine) -> str:
    make_user(sync_engine, "sup", role="supervisor")
    return login_as(client, "sup")


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def events_of(engine: Engine, merchant_id) -> list[ColourEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(ColourEvent)
                .where(ColourEvent.merchant_id == merchant_id)
                .order_by(ColourEvent.id)
            )
        )


def test_the_png_code_decodes_to_the_public_merchant_page(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    (merchant,) = make_merchants(sync_engine, 1)
    response = client.get(f"/api/v1/merchants/{merchant.id}/code.png?size=600")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert decode(response.content) == [f"http://testserver.local/m/{merchant.qr_token}"]
    svg = client.get(f"/api/v1/merchants/{merchant.id}/code.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text


def test_the_token_is_unguessable_and_says_nothing_about_the_merchant(sync_engine: Engine):
    merchants = make_merchants(sync_engine, 20)
    tokens = {m.qr_token for m in merchants}
    assert len(tokens) == 20 and all(len(t) >= 32 for t in tokens)
    for m in merchants:
        assert m.uscc not in m.qr_token and m.id.hex[:8] not in m.qr_token


def test_codes_are_for_supervisors_only(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    assert client.get(f"/api/v1/merchants/{merchant.id}/code.png").status_code == 401
    make_user(sync_engine, "insp", role="inspector")
    login_as(client, "insp")
    assert client.get(f"/api/v1/merchants/{merchant.id}/code.png").status_code == 403


def test_rotating_a_code_makes_the_old_one_404_at_once(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    (merchant,) = make_merchants(sync_engine, 1)
    old = merchant.qr_token
    assert client.get(f"/m/{old}").status_code == 200
    response = client.post(
        f"/api/v1/merchants/{merchant.id}/code/rotate",
        json={"reason": "二维码被复制张贴到别处"},
        headers={"X-CSRF-Token": supervisor},
    )
    assert response.status_code == 200, response.text
    new_url = response.json()["url"]
    assert client.get(f"/m/{old}").status_code == 404
    new_token = new_url.rsplit("/", 1)[1]
    assert new_token != old and client.get(f"/m/{new_token}").status_code == 200
    png = client.get(f"/api/v1/merchants/{merchant.id}/code.png").content
    assert decode(png) == [new_url]
    with Session(sync_engine) as session:
        retired = session.exec(select(MerchantToken)).one()
    assert (retired.token_hash, retired.status) == (token_hash(old), "replaced")
    assert old not in retired.token_hash  # only the hash of a retired token is kept


def test_a_rotation_needs_a_reason_and_an_unknown_merchant_is_404(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    (merchant,) = make_merchants(sync_engine, 1)
    headers = {"X-CSRF-Token": supervisor}
    blank = client.post(
        f"/api/v1/merchants/{merchant.id}/code/rotate", json={"reason": "  "}, headers=headers
    )
    assert blank.status_code == 400 and "理由" in blank.json()["detail"]
    missing = client.post(
        "/api/v1/merchants/00000000-0000-4000-8000-000000000000/code/rotate",
        json={"reason": "x"},
        headers=headers,
    )
    assert missing.status_code == 404


def test_the_poster_is_an_a5_page_with_name_street_code_and_legend(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    (merchant,) = make_merchants(sync_engine, 1, name_prefix="老王面馆")
    page = client.get(f"/console/codes/merchants/{merchant.id}/poster")
    assert page.status_code == 200
    html = page.text
    for words in ("老王面馆0000", "湖滨街道", "扫码查看 · 投诉", "绿码", "黄码", "红码", "A5"):
        assert words in html
    assert html.count("<svg") == 1


def test_a_street_prints_one_poster_per_page(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    make_merchants(sync_engine, 5, street="hubin", seed=1)
    make_merchants(sync_engine, 3, street="qingbo", seed=2, name_prefix="清波店")
    html = client.get("/console/codes/streets/hubin/posters").text
    assert html.count('class="poster"') == 5
    assert "清波店" not in html and "page-break-after: always" in html
    index = client.get("/console/codes/").text
    assert "/console/codes/streets/hubin/posters" in index


def test_an_override_needs_a_reason_is_marked_and_runs_out(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    (merchant,) = make_merchants(sync_engine, 1)
    url = f"/api/v1/merchants/{merchant.id}/colour/override"
    headers = {"X-CSRF-Token": supervisor}
    no_reason = client.post(url, json={"colour": "red", "reason": " ", "days": 5}, headers=headers)
    assert no_reason.status_code == 400
    too_long = client.post(url, json={"colour": "red", "reason": "x", "days": 365}, headers=headers)
    assert too_long.status_code == 400 and "90" in too_long.json()["detail"]
    response = client.post(
        url, json={"colour": "red", "reason": "节前食品安全专项检查", "days": 5}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["colour"] == "red" and body["override"]["reason"] == "节前食品安全专项检查"
    event = body["events"][0]
    assert event["is_override"] and event["actor"] == "sup" and event["to_colour"] == "red"
    assert "人工调整：节前食品安全专项检查" in event["reason"]
    assert "红码" in client.get(f"/m/{merchant.qr_token}").text

    # Six days on, the nightly recompute finds the override over.
    later = utcnow() + timedelta(days=6)
    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY, now=later)
    last = events_of(sync_engine, merchant.id)[-1]
    assert (last.from_colour, last.to_colour, last.actor) == ("red", "green", "system")
    assert last.reason.startswith("人工调整已结束") and not last.is_override


def test_an_override_can_be_ended_early(client: TestClient, sync_engine: Engine, supervisor: str):
    (merchant,) = make_merchants(sync_engine, 1)
    url = f"/api/v1/merchants/{merchant.id}/colour/override"
    headers = {"X-CSRF-Token": supervisor}
    client.post(url, json={"colour": "yellow", "reason": "待核实举报", "days": 30}, headers=headers)
    ended = client.delete(url, headers=headers)
    assert ended.status_code == 200 and ended.json()["colour"] == "green"
    assert ended.json()["override"] is None
    assert client.delete(url, headers=headers).status_code == 404


def test_colour_events_cannot_be_changed_or_deleted(sync_engine: Engine):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1)
    add_inspection(sync_engine, catalogue, merchant.id, date(2026, 3, 2), {"exits": False})
    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY)
    with pytest.raises(DBAPIError), sync_engine.begin() as conn:
        conn.execute(text("UPDATE colour_event SET reason = 'x'"))
    with pytest.raises(DBAPIError), sync_engine.begin() as conn:
        conn.execute(text("DELETE FROM colour_event"))


def test_the_console_merchant_page_shows_colour_reason_and_history(
    client: TestClient, sync_engine: Engine, supervisor: str
):
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1, name_prefix="小杨生煎")
    add_inspection(sync_engine, catalogue, merchant.id, date(2026, 3, 2), {"licence": False})
    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY)
    html = client.get(f"/console/codes/merchants/{merchant.id}").text
    assert "小杨生煎0000" in html and "红码" in html
    assert "2026-03-02 检查发现重点项不符合要求" in html
    assert re.search(r"绿码 → <span class=\"red\">红码", html)
    form = client.post(
        f"/console/codes/merchants/{merchant.id}/override",
        data={"colour": "yellow", "reason": "复核中", "days": "10"},
        headers={"X-CSRF-Token": supervisor},
    )
    assert form.headers.get("hx-redirect") == f"/console/codes/merchants/{merchant.id}"
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "yellow"


def test_a_street_supervisor_acts_only_on_merchants_of_that_street(
    client: TestClient, sync_engine: Engine
):
    (other_street,) = make_merchants(sync_engine, 1, street="qingbo")
    (own,) = make_merchants(sync_engine, 1, seed=7)
    make_user(sync_engine, "sup_hubin", role="supervisor")
    csrf = login_as(client, "sup_hubin")
    assert client.get(f"/api/v1/merchants/{own.id}/colour").status_code == 200
    for path in ("colour", "code.svg", "code.png"):
        refused = client.get(f"/api/v1/merchants/{other_street.id}/{path}")
        assert refused.status_code == 404, path  # as for a merchant that does not exist
    rotate = client.post(
        f"/api/v1/merchants/{other_street.id}/code/rotate",
        json={"reason": "贴纸损坏"},
        headers={"X-CSRF-Token": csrf},
    )
    assert rotate.status_code == 404
    with Session(sync_engine) as session:
        assert session.get(Merchant, other_street.id).qr_token == other_street.qr_token

    make_user(sync_engine, "sup_district", role="supervisor", street=None)
    login_as(client, "sup_district")
    assert client.get(f"/api/v1/merchants/{other_street.id}/colour").status_code == 200
