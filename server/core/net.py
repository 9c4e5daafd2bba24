"""Who is asking: the client's address behind trusted proxies, and the key throttles count by.

Behind a load balancer every request comes from the balancer's address; the client's own is in
`X-Forwarded-For`, which anyone can also write. So the header is believed only from the proxies
named in TRUSTED_PROXIES: walking it from the right (each proxy appends the address it saw), the
client is the first address that is not one of them. `onevisit serve` gives uvicorn the same
list, and the app applies it again when it reads an address (the same walk over the same header
gives the same answer), so it holds under any server.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Request

__all__ = [
    "TrustedProxies",
    "client_ip",
    "parse_trusted_proxies",
    "throttle_key",
    "trusted_proxies",
]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPV6_SUBSCRIBER_PREFIX = 64  # one household or phone is handed a whole /64


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        raise ValueError(
            f"TRUSTED_PROXIES: {entry!r} is not an IP address or network "
            "(e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)"
        ) from None


def parse_trusted_proxies(raw: str) -> tuple[str, ...]:
    """`TRUSTED_PROXIES`: comma-separated addresses and networks, checked; empty: none."""
    entries = tuple(part.strip() for part in raw.split(",") if part.strip())
    for entry in entries:
        _network(entry)
    return entries


def _address(value: str) -> IpAddress | None:
    """An address from a forwarded entry (`1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`)."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class TrustedProxies:
    """The proxies whose `X-Forwarded-For` is believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks = tuple(_network(entry) for entry in entries)

    def trusts(self, address: IpAddress | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The client's address: the peer's, unless the peer is a trusted proxy that says whom
        it forwards for. An entry that is no address stops the walk at the proxy that wrote it.
        A peer that is no address (a test client, a socket path) is returned as it is."""
        address = _address(peer) if peer else None
        if not forwarded_for or not self.trusts(address):
            return peer if address is None else str(address)
        for entry in reversed(forwarded_for.split(",")):
            forwarded = _address(entry)
            if forwarded is None:
                break
            address = forwarded
            if not self.trusts(address):
                break
        return str(address)


@lru_cache(maxsize=8)
def trusted_proxies(entries: tuple[str, ...]) -> TrustedProxies:
    """The parsed list, once per process."""
    return TrustedProxies(entries)


def throttle_key(address: str | None) -> str | None:
    """What throttles count by: an IPv4 address, or an IPv6 address's /64 (a subscriber holds the
    whole /64 and could otherwise step to a fresh address for every attempt)."""
    if address is None:
        return None
    parsed = _address(address)
    if parsed is None:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:1.2.3.4 is 1.2.3.4
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_SUBSCRIBER_PREFIX}", strict=False))
    return str(parsed)


def client_ip(request: "Request") -> str | None:
    """The client's address: behind a proxy of TRUSTED_PROXIES, the one it forwards for."""
    peer = request.client.host if request.client else None
    proxies = trusted_proxies(request.app.state.settings.trusted_proxies)
    address = proxies.client(peer, ", ".join(request.headers.getall("x-forwarded-for", [])))
    return address[:64] if address else None  # a peer that is no address is stored cut short
