"""SQLite: scanned pages are kept in memory, and any commit by any connection drops them all."""

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from server.merchants.models import Merchant
from tests.support.factories import make_merchants


@pytest.fixture
def sqlite_only(sync_engine: Engine) -> None:
    if sync_engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL the notifications do this (tests/live/test_replicas.py)")


@pytest.mark.usefixtures("sqlite_only")
def test_a_kept_page_goes_as_soon_as_anything_is_committed(client, sync_engine: Engine):
    merchant = make_merchants(sync_engine, 1, name_prefix="王记汤包")[0]
    pages = client.app.state.page_cache
    first = client.get(f"/m/{merchant.qr_token}")
    assert first.status_code == 200 and "王记汤包" in first.text
    assert pages.known(merchant.qr_token) is not None  # the next scan is sent from memory
    zipped = client.get(f"/m/{merchant.qr_token}", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.text == first.text
    assert zipped.headers["x-frame-options"] == "DENY"  # every answer's headers, from memory too
    assert "frame-ancestors 'none'" in zipped.headers["content-security-policy"]

    with Session(sync_engine) as session:  # another process renames the shop
        session.exec(update(Merchant).where(Merchant.id == merchant.id).values(name="王记新店"))
        session.commit()
    assert "王记新店" in client.get(f"/m/{merchant.qr_token}").text  # at once, no waiting

    with Session(sync_engine) as session:  # and revokes its code
        session.exec(update(Merchant).where(Merchant.id == merchant.id).values(qr_token="gone-1"))
        session.commit()
    assert client.get(f"/m/{merchant.qr_token}").status_code == 404
