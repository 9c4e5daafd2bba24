"""A planned visit for today, as the inspection tests set it up (tests/inspections/conftest.py)."""

from tests.inspections.conftest import today_route

__all__ = ["today_route"]
