"""The kept public pages: a merchant's change drops that merchant's pages only, by an index,
so that a re-import announcing thousands of merchants costs what it changed."""

import uuid
from types import SimpleNamespace

from server.public.page_cache import PageCache


def listening_feed() -> SimpleNamespace:
    """A change feed that listens and holds nothing (the real one needs PostgreSQL: see
    tests/live/test_replicas.py for the pages following real notifications)."""
    return SimpleNamespace(enabled=True, usable=True, holds=(), held=lambda kind, key: False)


def test_a_merchants_change_drops_its_pages_and_keeps_the_others():
    pages = PageCache(listening_feed(), reader=None, size=100, seconds=60)
    shops = [uuid.uuid4() for _ in range(50)]
    for n, shop in enumerate(shops):
        pages.keep(f"token-{n}", shop, f"<p>{n}</p>".encode(), pages.mark())
    pages.changed("merchant", str(shops[7]), reload=True)
    assert pages.known("token-7") is None
    kept = [n for n in range(50) if pages.known(f"token-{n}") is not None]
    assert kept == [n for n in range(50) if n != 7]
    pages.changed("merchant", str(uuid.uuid4()), reload=True)  # a merchant with no page
    assert pages.sizes() == {"pages": 49}
    pages.changed("merchant", "*", reload=True)
    assert pages.sizes() == {"pages": 0}


def test_the_index_forgets_pages_the_cache_let_go_of():
    pages = PageCache(listening_feed(), reader=None, size=3, seconds=60)
    for n in range(20):
        pages.keep(f"token-{n}", uuid.uuid4(), b"x", pages.mark())
    assert pages.sizes() == {"pages": 3}
    assert len(pages._tokens) <= 2 * 3 + 1
