"""Rate-limit counters, kept in the database so every app process sees the same counts."""

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

__all__ = ["RateCounter"]


class RateCounter(SQLModel, table=True):
    """Hits of one key in one fixed time window of one scope."""

    __tablename__ = "rate_counter"

    scope: str = Field(max_length=32, primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    slot: int = Field(
        sa_column=Column(BigInteger(), primary_key=True, autoincrement=False),
        description="the window's number: its start in seconds divided by its length",
    )
    hits: int = Field(default=0)
