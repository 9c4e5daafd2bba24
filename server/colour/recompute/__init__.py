"""`onevisit codes recompute`: every merchant's colour and due date, set-wise in the database.

- `run`: `recompute_all`, the run stage by stage in the caller's transaction;
- `sql` and `sql_writes`: its statements, the engine's rules as SQL (the engine's twin: tests
  hold the two to the same answers);
- `steps`: running the statements; `postgres`: what PostgreSQL does besides (memory, staging
  in two halves at once, indexes built again around a large rewrite).
"""

from server.colour.recompute.run import RecomputeReport, recompute_all

__all__ = ["RecomputeReport", "recompute_all"]
