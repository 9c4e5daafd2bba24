"""The papers handed over at a visit carry the merchant's own link: the printed on-site record
shows it as a QR code that opens the shop's full records; ending the shop's links ends it too."""

import re

from litestar.testing import TestClient

from tests.inspections.conftest import record_body
from tests.support.app import login_as
from tests.support.factories import make_user


def _without_nonce(html: str) -> str:
    return re.sub(r' nonce="[^"]*"', "", html)


def _post(client: TestClient, csrf: str, body: dict):
    return client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})


def test_the_printed_record_carries_the_owner_link(client: TestClient, sync_engine, today_route):
    csrf = login_as(client, "insp-a")
    stored = _post(client, csrf, record_body(today_route))
    assert stored.status_code == 201, stored.text
    printed = client.get(f"/api/v1/inspections/{stored.json()['id']}/record").text
    assert "商户专用查询码" in printed
    assert printed.count("<svg") == 2  # the action code's and the owner link's
    again = client.get(f"/api/v1/inspections/{stored.json()['id']}/record").text
    # The same secret each time the record is printed (only the script nonce is new each time).
    assert _without_nonce(again) == _without_nonce(printed)

    secret = _owner_secret(client, sync_engine, printed, today_route)
    owner = client.get(f"/m/o/{secret}")
    assert owner.status_code == 200 and "老王面馆" in owner.text

    # The shop's links are ended (papers lost): the printed code stops working, and is no
    # longer printed.
    client.cookies.clear()
    make_user(sync_engine, "sup", role="supervisor")
    sup = login_as(client, "sup")
    ended = client.delete(
        f"/api/v1/merchants/{today_route.merchant_id}/owner-links", headers={"X-CSRF-Token": sup}
    )
    assert ended.status_code in (200, 204), ended.text
    assert client.get(f"/m/o/{secret}").status_code == 404
    reprinted = client.get(f"/api/v1/inspections/{stored.json()['id']}/record").text
    assert "商户专用查询码" not in reprinted


def _owner_secret(client, engine, printed: str, day) -> str:
    """The secret the QR encodes: the server derives it again; the page shows it only as a QR."""
    from sqlmodel import Session, select

    from server.inspections.models import Inspection
    from server.merchants.owner_links import visit_link_secret

    with Session(engine) as session:
        inspection = session.exec(select(Inspection)).one()
    secret = visit_link_secret(client.app.state.settings.secret_key, inspection.id)
    assert not re.search(re.escape(secret), printed), "the secret itself is not in the text"
    return secret
