"""Date arithmetic and comparisons that read the same on PostgreSQL and SQLite."""

from dataclasses import dataclass

__all__ = ["SqlDialect"]


@dataclass(frozen=True)
class SqlDialect:
    """SQL fragments for one database; dates are ISO text on SQLite and DATE on PostgreSQL."""

    name: str

    @property
    def pg(self) -> bool:
        return self.name == "postgresql"

    def add_months(self, day: str, months: str) -> str:
        """`day` plus `months`, clamped to the month's end like server.policy.rules.add_months."""
        if self.pg:
            return f"CAST({day} + ({months}) * INTERVAL '1 month' AS DATE)"
        # SQLite rolls 31 Jan + 1 month over into March; the month's last day caps it.
        return (
            f"min(date({day}, printf('%+d months', {months})), "
            f"date({day}, 'start of month', printf('%+d months', ({months}) + 1), '-1 day'))"
        )

    def add_days(self, day: str, days: str) -> str:
        if self.pg:
            return f"({day} + ({days}))"
        return f"date({day}, printf('%+d days', {days}))"

    def date_text(self, day: str) -> str:
        return f"to_char({day}, 'YYYY-MM-DD')" if self.pg else day

    def distinct(self, a: str, b: str) -> str:
        """Null-safe inequality."""
        return f"({a} IS DISTINCT FROM {b})" if self.pg else f"({a} IS NOT {b})"

    def null(self, kind: str) -> str:
        """A typed NULL (PostgreSQL needs the type in recursive and UNION queries)."""
        if not self.pg:
            return "NULL"
        return f"CAST(NULL AS {kind})"

    def least(self, a: str, b: str) -> str:
        """The earlier of two values, ignoring NULLs."""
        return (
            f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL THEN {a} "
            f"WHEN {a} < {b} THEN {a} ELSE {b} END)"
        )

    def true(self) -> str:
        return "TRUE" if self.pg else "1"

    def false(self) -> str:
        return "FALSE" if self.pg else "0"
