"""Behind the district's load balancer, complaint limits count each sender, not the balancer."""

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from server.app import create_app
from server.core.settings import Settings
from tests.support.app import with_settings
from tests.support.factories import make_merchants
from tests.support.peers import peer, peers

__all__ = ["peers"]  # the fixture, used by name


def complain(client: TestClient, token: str, headers: dict[str, str]) -> int:
    data = {"text": "后厨地面油污严重，有老鼠出没", "contact": ""}
    return client.post(f"/m/{token}/complaints", data=data, headers=headers).status_code


@pytest.mark.usefixtures("peers")
def test_one_senders_flood_does_not_silence_the_others(settings: Settings, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    behind = with_settings(settings, complaint_rate_client=(2, 600), trusted_proxies=("10.0.0.2",))
    with TestClient(create_app(behind)) as client:
        flood = peer("10.0.0.2", forwarded_for="100.64.3.3")
        assert [complain(client, merchant.qr_token, flood) for _ in range(3)] == [200, 200, 429]
        neighbour = peer("10.0.0.2", forwarded_for="100.64.7.7")
        assert complain(client, merchant.qr_token, neighbour) == 200
        # A sender not behind the balancer cannot pose as a fresh one with the header.
        direct = [
            complain(client, merchant.qr_token, peer("203.0.113.8", forwarded_for=f"1.2.3.{n}"))
            for n in range(3)
        ]
        assert direct == [200, 200, 429]
