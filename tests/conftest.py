"""Real services for the suite: a migrated database per test and a real S3 server."""

pytest_plugins = ["tests.support.s3server", "tests.support.databases", "tests.support.app"]
