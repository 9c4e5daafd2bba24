"""What a street supervisor notices in the codes console: another street's merchants answer as if
they did not exist, and nothing of theirs can be changed or printed; their own street works, and
a district supervisor still sees every street."""

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.colour.models import ColourOverride
from server.merchants.models import Merchant, MerchantToken, OwnerLink
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def merchants(sync_engine: Engine) -> tuple[Merchant, Merchant]:
    (own,) = make_merchants(sync_engine, 1, street="hubin", seed=1, name_prefix="湖滨店")
    (other,) = make_merchants(sync_engine, 1, street="qingbo", seed=2, name_prefix="清波店")
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    make_user(sync_engine, "sup_district", role="supervisor", street=None)
    return own, other


def overrides_of(engine: Engine, merchant: Merchant) -> list[ColourOverride]:
    with Session(engine) as session:
        stmt = select(ColourOverride).where(ColourOverride.merchant_id == merchant.id)
        return list(session.exec(stmt))


def owner_links_of(engine: Engine, merchant: Merchant) -> list[OwnerLink]:
    with Session(engine) as session:
        return list(session.exec(select(OwnerLink).where(OwnerLink.merchant_id == merchant.id)))


def stored(engine: Engine, merchant: Merchant) -> Merchant:
    with Session(engine) as session:
        found = session.get(Merchant, merchant.id)
        assert found is not None
        return found


def test_another_streets_merchant_pages_are_404_like_an_unknown_merchant(
    client: TestClient, merchants: tuple[Merchant, Merchant]
):
    _, other = merchants
    login_as(client, "sup_hubin")
    for path in ("", "/poster"):
        refused = client.get(f"/console/codes/merchants/{other.id}{path}")
        unknown = client.get(f"/console/codes/merchants/{UNKNOWN}{path}")
        assert refused.status_code == unknown.status_code == 404, path
        assert refused.text == unknown.text, path
        assert "清波店" not in refused.text and other.qr_token not in refused.text


def test_a_street_supervisor_changes_nothing_of_another_streets_merchant(
    client: TestClient, sync_engine: Engine, merchants: tuple[Merchant, Merchant]
):
    _, other = merchants
    # The district supervisor sets an override and issues an owner link first, so that ending
    # them can be tried too.
    district = login_as(client, "sup_district")
    set_by_district = client.post(
        f"/console/codes/merchants/{other.id}/override",
        data={"colour": "yellow", "reason": "复核中", "days": "10"},
        headers={"X-CSRF-Token": district},
    )
    assert set_by_district.headers.get("hx-redirect"), set_by_district.text
    issued = client.post(
        f"/console/codes/merchants/{other.id}/owner-link", headers={"X-CSRF-Token": district}
    )
    assert issued.status_code == 200 and "/m/o/" in issued.text

    csrf = login_as(client, "sup_hubin")
    headers = {"X-CSRF-Token": csrf}
    base = f"/console/codes/merchants/{other.id}"
    attempts = {
        "override": {"colour": "red", "reason": "越权调整", "days": "30"},
        "override/revoke": None,
        "rotate": {"reason": "贴纸损坏", "revoke": "1"},
        "owner-link": None,
        "owner-links/revoke": None,
    }
    for action, form in attempts.items():
        response = client.post(f"{base}/{action}", data=form, headers=headers)
        assert response.status_code == 404, (action, response.text)
        assert "hx-redirect" not in response.headers, action
        assert "/m/o/" not in response.text, action

    after = stored(sync_engine, other)
    assert (after.colour, after.qr_token) == ("yellow", other.qr_token)
    with Session(sync_engine) as session:
        assert list(session.exec(select(MerchantToken))) == []  # no code was retired
    (override,) = overrides_of(sync_engine, other)
    assert (override.colour, override.revoked_at) == ("yellow", None)
    (link,) = owner_links_of(sync_engine, other)
    assert link.revoked_at is None


def test_a_street_supervisor_prints_and_finds_only_their_own_street(
    client: TestClient, merchants: tuple[Merchant, Merchant]
):
    login_as(client, "sup_hubin")
    other_street = client.get("/console/codes/streets/qingbo/posters")
    unknown_street = client.get("/console/codes/streets/nowhere/posters")
    assert other_street.status_code == unknown_street.status_code == 404
    assert "清波店" not in other_street.text
    own_street = client.get("/console/codes/streets/hubin/posters")
    assert own_street.status_code == 200 and own_street.text.count('class="poster"') == 1

    index = client.get("/console/codes/?q=店").text
    assert "湖滨店0000" in index and "清波店0000" not in index
    assert "/console/codes/streets/hubin/posters" in index
    assert "/streets/qingbo/" not in index and "清波街道" not in index


def test_a_street_supervisor_works_on_their_own_streets_merchant(
    client: TestClient, sync_engine: Engine, merchants: tuple[Merchant, Merchant]
):
    own, _ = merchants
    csrf = login_as(client, "sup_hubin")
    headers = {"X-CSRF-Token": csrf}
    base = f"/console/codes/merchants/{own.id}"
    page = client.get(base)
    assert page.status_code == 200 and "湖滨店0000" in page.text
    assert client.get(f"{base}/poster").status_code == 200
    override = client.post(
        f"{base}/override",
        data={"colour": "red", "reason": "专项检查", "days": "5"},
        headers=headers,
    )
    assert override.headers.get("hx-redirect") == base
    rotate = client.post(f"{base}/rotate", data={"reason": "贴纸损坏"}, headers=headers)
    assert rotate.headers.get("hx-redirect") == base
    link = client.post(f"{base}/owner-link", headers=headers)
    assert link.status_code == 200 and "/m/o/" in link.text

    after = stored(sync_engine, own)
    assert after.colour == "red" and after.qr_token != own.qr_token
    assert len(owner_links_of(sync_engine, own)) == 1


def test_a_district_supervisor_still_sees_every_street(
    client: TestClient, merchants: tuple[Merchant, Merchant]
):
    own, other = merchants
    login_as(client, "sup_district")
    for merchant in (own, other):
        assert client.get(f"/console/codes/merchants/{merchant.id}").status_code == 200
        assert client.get(f"/console/codes/merchants/{merchant.id}/poster").status_code == 200
    qingbo = client.get("/console/codes/streets/qingbo/posters")
    assert qingbo.status_code == 200 and "清波店0000" in qingbo.text
    index = client.get("/console/codes/?q=店").text
    assert "湖滨店0000" in index and "清波店0000" in index
    assert "/console/codes/streets/qingbo/posters" in index
