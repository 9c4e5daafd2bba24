"""Running the recompute's statements on a connection: typed parameters, the stages one after
the other with the time each took, and the temporary tables cleared."""

from collections.abc import Callable

from sqlalchemy import Connection, Date, DateTime, bindparam, text

from server.colour.recompute.sql import TEMP_TABLES

__all__ = ["drop_temps", "run_sql", "stage"]


def _typed(sql: str) -> object:
    stmt = text(sql)
    binds = []
    if ":today" in sql:
        binds.append(bindparam("today", type_=Date()))
    if ":now" in sql:
        binds.append(bindparam("now", type_=DateTime(timezone=True)))
    return stmt.bindparams(*binds) if binds else stmt


def run_sql(conn: Connection, sql: str, params: dict[str, object]) -> int:
    """Run one statement with the parameters it names; the rows it touched."""
    stmt = _typed(sql)
    wanted = {k: v for k, v in params.items() if f":{k}" in sql}
    return conn.execute(stmt, wanted).rowcount or 0  # type: ignore[attr-defined]


def _stage_name(sql: str) -> str:
    words = sql.split()
    return words[3] if words[:3] == ["CREATE", "TEMP", "TABLE"] else " ".join(words[:3]).lower()


def stage(
    conn: Connection, stages: list[str], params: dict[str, object], lap: Callable[[str], None]
) -> None:
    """Build the stage tables in order, calling `lap` with each one's name as it is done."""
    for sql in stages:
        run_sql(conn, sql, params)
        if conn.dialect.name == "postgresql" and sql.startswith(
            ("CREATE INDEX", "CREATE TEMP TABLE rc_visit")
        ):
            # Temporary tables have no statistics until analysed; the planner needs them.
            conn.exec_driver_sql("ANALYZE rc_fact" if "INDEX" in sql[:20] else "ANALYZE rc_visit")
        lap(_stage_name(sql))


def drop_temps(conn: Connection) -> None:
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
