"""A live `python -m server serve` for the browser journeys, on the test database and bucket."""

from pathlib import Path

import pytest

from tests.evidence.live import LiveServer


@pytest.fixture
def live(database_url: str, s3_bucket_url: str, tmp_path: Path):
    with LiveServer(database_url, s3_bucket_url, tmp_path) as server:
        yield server
