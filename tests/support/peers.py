"""Requests from chosen network addresses through the in-process test client.

The test client says every request comes from "testclient". A test that needs the sender's
address (throttling, proxies) uses the `peers` fixture and sends `headers=peer("203.0.113.7")`:
the request then reaches the app from that address, as from a socket. With `forwarded_for`, it
carries the X-Forwarded-For a load balancer would add.
"""

from collections.abc import Iterator

import pytest
from litestar.testing.transport import TestClientTransport

__all__ = ["peer", "peers"]

PEER_HEADER = "x-test-peer"


def peer(address: str, forwarded_for: str | None = None) -> dict[str, str]:
    """Headers that make a request come from `address` (a proxy, when `forwarded_for` is set)."""
    headers = {PEER_HEADER: address}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return headers


@pytest.fixture
def peers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let `peer(...)` headers set where requests come from."""
    original = TestClientTransport.parse_request

    def parse_request(self, request):  # type: ignore[no-untyped-def]
        address = request.headers.pop(PEER_HEADER, None)
        scope = original(self, request)
        if address:
            scope["client"] = (address, 50000)
        return scope

    monkeypatch.setattr(TestClientTransport, "parse_request", parse_request)
    yield
