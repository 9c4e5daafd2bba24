"""The suite's clock: every test runs at a chosen instant, never the machine's.

By default a test starts at NOW (a Thursday morning in the district) and the clock runs on from
there, so `TODAY` is the district's date for the whole test. A test picks its own instant with
`@pytest.mark.clock("2026-12-31T23:58+08:00")` (add `frozen=True` to stop it there), or moves it
with the `clock` fixture (`clock.set(...)`, `clock.advance(...)`). Live servers and commands started
by the suite get the same instant through ONEVISIT_CLOCK, and the phones in Chromium through
Playwright's clock, so phone and server agree on "today".
"""

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.core.clock import CLOCK, Clock
from server.core.workdays import CALENDAR

__all__ = ["DISTRICT", "NOW", "TODAY", "at", "clock"]

DISTRICT = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=DISTRICT)  # a Thursday, mid-morning
TODAY: date = NOW.date()


def at(moment: str) -> datetime:
    """An ISO moment; one without an offset is the district's wall clock."""
    value = datetime.fromisoformat(moment)
    return value if value.tzinfo else value.replace(tzinfo=DISTRICT)


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The product's clock, set for this test (see the module's docstring). Commands the test
    runs as processes inherit the starting instant through ONEVISIT_CLOCK."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        CLOCK.set(NOW)
    else:
        CLOCK.set(at(marker.args[0]), frozen=marker.kwargs.get("frozen", False))
    monkeypatch.setenv("ONEVISIT_CLOCK", CLOCK.now().isoformat())
    yield CLOCK
    CLOCK.release()
    CLOCK.set_zone(DISTRICT.key)
    CALENDAR.configure(None)  # an app or command a test started with CALENDAR_FILE loaded it
