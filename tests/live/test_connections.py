"""PostgreSQL: every connection says whose it is and what for, and a pool never hands out a
connection the server has ended (a restart, a failover, an administrator)."""

import os
import socket

import pytest
from sqlalchemy import Engine, text

from server.core.db import make_async_engine, make_sync_engine, pg_connect_args
from server.core.sql import RawReader


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to lose")
    return database_url


def end_sessions_named(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return len(
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).all()
        )


async def test_reads_go_on_when_the_server_has_ended_every_pooled_connection(
    postgres_url, sync_engine
):
    reader = RawReader(postgres_url)
    await reader.open()
    try:
        assert await reader.rows("SELECT 1") == [(1,)]
        name = pg_connect_args(postgres_url, "reader")["application_name"]
        assert end_sessions_named(sync_engine, name) >= 1
        for _ in range(10):  # more reads than the pool holds connections
            assert await reader.rows("SELECT {p}::int", 7) == [(7,)]
    finally:
        await reader.close()


async def test_every_connection_names_its_program_purpose_and_process(postgres_url):
    where = f"{socket.gethostname()}:{os.getpid()}"
    engine = make_sync_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW application_name")).scalar() == f"onevisit cli {where}"
    engine.dispose()
    web = make_async_engine(postgres_url)
    async with web.connect() as conn:
        assert (await conn.execute(text("SHOW application_name"))).scalar() == (
            f"onevisit web {where}"
        )
    await web.dispose()
    reader = RawReader(postgres_url)
    await reader.open()
    assert await reader.rows("SHOW application_name") == [(f"onevisit reader {where}",)]
    await reader.close()
