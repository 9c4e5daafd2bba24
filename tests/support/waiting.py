"""Waiting for what the app learns a moment later (the change feed on PostgreSQL).

A wait is not a timing assertion: it ends as soon as the change is seen, and its bound only
has to be longer than anything the product itself allows. On a busy machine (CI runs three
suites on two cores) a notification can take seconds, so the bounds here are generous.
"""

import time
from collections.abc import Callable

from server.core import heartbeat
from server.core.local_writes import HOLD_SECONDS

__all__ = ["WAIT_SECONDS", "eventually", "settle"]

WAIT_SECONDS = 10.0
# A commit made before the listener was up sends its echo to no one: its hold is let go only
# once HOLD_SECONDS have passed, at the next heartbeat.
SETTLE_SECONDS = HOLD_SECONDS + heartbeat.EVERY + WAIT_SECONDS


def eventually(
    check: Callable[[], bool], seconds: float = WAIT_SECONDS, what: str = "the change"
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.02)


def settle(client) -> None:
    """With the listener up and every write of this process echoed back (or let go)."""
    feed = client.app.state.feed
    eventually(lambda: feed.usable and not feed.holds, SETTLE_SECONDS, "the feed to settle")
