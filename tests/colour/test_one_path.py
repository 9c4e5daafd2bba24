"""The JSON API and the console make each change through the same service function, so they
refuse the same input with the same reason: the API as a 4xx naming it, the console beside its
form (htmx swaps only 2xx answers)."""

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.colour.models import ColourOverride
from server.merchants.models import Merchant
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def merchant(sync_engine: Engine) -> Merchant:
    make_user(sync_engine, "sup_district", role="supervisor", street=None)
    (merchant,) = make_merchants(sync_engine, 1)
    return merchant


def overrides(engine: Engine) -> list[ColourOverride]:
    with Session(engine) as session:
        return list(session.exec(select(ColourOverride)))


def error_text(html: str) -> str:
    assert html.startswith('<p class="error">'), html
    return html.removeprefix('<p class="error">').removesuffix("</p>")


@pytest.mark.parametrize(
    ("form", "json", "reason"),
    [
        ({"reason": " "}, {"reason": " "}, "请填写人工调整的理由"),
        ({"days": "91"}, {"days": 91}, "有效期须为 1 至 90 天"),
    ],
)
def test_an_override_is_refused_for_the_same_reason_on_both_surfaces(
    client: TestClient, sync_engine: Engine, merchant: Merchant, form, json, reason
):
    headers = {"X-CSRF-Token": login_as(client, "sup_district")}
    valid = {"colour": "yellow", "reason": "复核中"}
    api = client.post(
        f"/api/v1/merchants/{merchant.id}/colour/override",
        json=valid | {"days": 10} | json,
        headers=headers,
    )
    console = client.post(
        f"/console/codes/merchants/{merchant.id}/override",
        data=valid | {"days": "10"} | form,
        headers=headers,
    )
    assert api.status_code == 400 and reason in api.json()["detail"]
    assert console.status_code == 200 and error_text(console.text) == reason
    assert overrides(sync_engine) == []


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"colour": "yellow", "reason": "复核中", "days": "三十"}, "有效期须为 1 至 90 天"),
        ({"colour": "yellow", "reason": "复核中"}, "有效期须为 1 至 90 天"),
        ({"colour": "yellow", "days": "10"}, "请填写人工调整的理由"),
        ({"colour": "blue", "reason": "复核中", "days": "10"}, "colour"),
    ],
)
def test_a_console_form_that_does_not_parse_is_answered_beside_the_form(
    client: TestClient, sync_engine: Engine, merchant: Merchant, form, reason
):
    headers = {"X-CSRF-Token": login_as(client, "sup_district")}
    answer = client.post(
        f"/console/codes/merchants/{merchant.id}/override", data=form, headers=headers
    )
    assert answer.status_code == 200 and reason in error_text(answer.text)
    assert overrides(sync_engine) == []


def test_a_blank_reason_to_replace_a_code_is_refused_on_both_surfaces(
    client: TestClient, sync_engine: Engine, merchant: Merchant
):
    headers = {"X-CSRF-Token": login_as(client, "sup_district")}
    api = client.post(
        f"/api/v1/merchants/{merchant.id}/code/rotate", json={"reason": " "}, headers=headers
    )
    console = client.post(
        f"/console/codes/merchants/{merchant.id}/rotate", data={"reason": " "}, headers=headers
    )
    empty = client.post(
        f"/console/codes/merchants/{merchant.id}/rotate", data={"reason": ""}, headers=headers
    )
    reason = "请填写更换或作废二维码的理由"
    assert api.status_code == 400 and api.json()["detail"] == reason
    assert error_text(console.text) == reason and error_text(empty.text) == reason
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).qr_token == merchant.qr_token


def test_an_unknown_merchant_is_not_found_on_both_surfaces(
    client: TestClient, sync_engine: Engine, merchant: Merchant
):
    headers = {"X-CSRF-Token": login_as(client, "sup_district")}
    override = {"colour": "red", "reason": "复核中", "days": 5}
    api = {
        "override": client.post(
            f"/api/v1/merchants/{UNKNOWN}/colour/override", json=override, headers=headers
        ),
        "rotate": client.post(
            f"/api/v1/merchants/{UNKNOWN}/code/rotate", json={"reason": "污损"}, headers=headers
        ),
        "owner-link": client.post(f"/api/v1/merchants/{UNKNOWN}/owner-link", headers=headers),
        "code.png": client.get(f"/api/v1/merchants/{UNKNOWN}/code.png"),
    }
    for name, answer in api.items():
        assert answer.status_code == 404 and answer.json()["detail"] == "找不到该记录", name
    base = f"/console/codes/merchants/{UNKNOWN}"
    console = {
        "override": client.post(f"{base}/override", data=override, headers=headers),
        "rotate": client.post(f"{base}/rotate", data={"reason": "污损"}, headers=headers),
        "owner-link": client.post(f"{base}/owner-link", headers=headers),
    }
    for name, answer in console.items():
        assert error_text(answer.text) == "找不到该记录", name
    assert overrides(sync_engine) == []


def test_a_form_from_someone_not_on_the_console_is_forbidden_even_when_it_does_not_parse(
    client: TestClient, sync_engine: Engine, merchant: Merchant
):
    make_user(sync_engine, "insp", role="inspector")
    headers = {"X-CSRF-Token": login_as(client, "insp")}
    base = f"/console/codes/merchants/{merchant.id}"
    for path, form in (("override", {"days": "x"}), ("rotate", {})):
        answer = client.post(f"{base}/{path}", data=form, headers=headers)
        assert answer.status_code == 403 and "error" in answer.text, path
    assert overrides(sync_engine) == []
