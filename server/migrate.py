"""Run and check Alembic migrations from code (the CLI and the tests use this)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

__all__ = ["alembic_config", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s_%%(rev)s",
    )
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` to `revision`."""
    command.upgrade(alembic_config(database_url), revision)
