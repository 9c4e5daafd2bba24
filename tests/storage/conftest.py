"""The storage contract's fixture: every test runs on the local folder and on a real S3 server."""

from collections.abc import Iterator
from uuid import uuid4

import pytest

from server.storage import Storage, storage_from_url
from tests.support.s3server import S3Server


def _drop_bucket(server: S3Server, bucket: str) -> None:
    client = server.client()
    for obj in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, obj.object_name)
    client.remove_bucket(bucket)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path) -> Iterator[Storage]:
    if request.param == "local":
        store = storage_from_url(f"file://{tmp_path / 'media'}")
        store.ensure_ready()
        yield store
        return
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = f"test-{uuid4().hex[:16]}"
    store = storage_from_url(server.url(bucket))
    store.ensure_ready()
    yield store
    _drop_bucket(server, bucket)
