"""Real services for the suite: a migrated database per test, a real S3 server, and a clock
set to a chosen instant for every test (tests/support/clock.py)."""

pytest_plugins = [
    "tests.support.clock",
    "tests.support.s3server",
    "tests.support.databases",
    "tests.support.app",
]
