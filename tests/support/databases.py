"""Test databases: SQLite by default, PostgreSQL when TEST_DATABASE_URL says so.

The schema is migrated once per test session; each test then gets a clean copy: a copied
SQLite file, or truncated tables in a PostgreSQL schema private to this test session.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text

from server.core.db import make_sync_engine
from server.migrate import upgrade
from server.models import metadata

__all__ = ["database_url", "empty_database_url", "migrated_database", "sync_engine"]


def _postgres_session_url(base: str) -> tuple[str, str]:
    """A URL whose connections live in a fresh schema, so parallel runs never collide."""
    schema = f"ov_test_{uuid.uuid4().hex[:10]}"
    engine = make_sync_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", schema


def _drop_schema(base: str, schema: str) -> None:
    engine = make_sync_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, of the kind the suite runs on."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url, schema = _postgres_session_url(base)
    yield url
    _drop_schema(base, schema)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a database migrated to head (a template for SQLite)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url, schema = _postgres_session_url(base)
        upgrade(url)
        yield url
        _drop_schema(base, schema)
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if migrated_database.startswith("sqlite"):
        template = Path(migrated_database.removeprefix("sqlite:///"))
        copy = tmp_path / "test.db"
        shutil.copyfile(template, copy)
        return f"sqlite:///{copy}"
    _empty_postgres_tables(migrated_database)
    return migrated_database


def _empty_postgres_tables(url: str) -> None:
    """Empty every table between tests.

    DELETE with triggers off (replica role) is far quicker than TRUNCATE on the handful of rows
    a test leaves; the replica role also lets the append-only audit table be emptied.
    """
    engine = make_sync_engine(url)
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
    except Exception:  # not a superuser: fall back to TRUNCATE
        with engine.begin() as conn:
            joined = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def sync_engine(database_url: str) -> Iterator[Engine]:
    engine = make_sync_engine(database_url)
    yield engine
    engine.dispose()
