"""Action codes (行政行为码): the unguessable code printed on an act's papers, by which anyone
checks the act at /v/{code}."""

import secrets
from datetime import date

__all__ = ["action_code"]


def action_code(prefix: str, day: date) -> str:
    """An unguessable 行政行为码: kind, date, random part (XZ20261127A1B2C3D4E5)."""
    return f"{prefix}{day:%Y%m%d}{secrets.token_hex(5).upper()}"
