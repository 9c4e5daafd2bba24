"""The staging statements of the set-wise recompute: the engine's rules as SQL over every
merchant (the writes that follow are in server.colour.recompute.sql_writes).

Each stage is a temporary table; the walk over each merchant's facts is one recursive query.
Facts are gathered for every merchant (a deregistered one costs little); only active merchants
are written.
Keep every rule here in step with server.colour.engine: tests/colour compare the two.
"""

from server.colour.recompute.sql_writes import STATE_COLUMNS, writes
from server.core.dialect import SqlDialect

__all__ = ["PART_TABLES", "STATE_COLUMNS", "TEMP_TABLES", "Part", "in_part", "statements"]

TEMP_TABLES = ("rc_visit", "rc_fact", "rc_walk", "rc_last", "rc_ov", "rc_result", "rc_changed")
# The tables the staging builds per merchant, which a split run gathers from its parts.
PART_TABLES = ("rc_last", "rc_result")
# [low, high) of the merchant ids a stage is limited to; None: every merchant.
Part = tuple[str | None, str | None] | None


def in_part(column: str, part: Part) -> str:
    """` AND column` within [low, high) of the merchant ids (nothing when the run is whole)."""
    if part is None:
        return ""
    low, high = part
    bounds = []
    if low is not None:
        bounds.append(f"{column} >= CAST('{low}' AS UUID)")
    if high is not None:
        bounds.append(f"{column} < CAST('{high}' AS UUID)")
    return "".join(f" AND {bound}" for bound in bounds)


def _visits(tally: str, part: Part) -> str:
    """Each completed visit up to today with its tally of failed findings."""
    return f"""CREATE TEMP TABLE rc_visit AS
        SELECT i.id, i.merchant_id, i.visit_date AS day, i.result, i.score,
               CASE WHEN i.key_failed THEN 1 ELSE 0 END AS key_failed,
               COALESCE(t.key_open, 0) AS key_open, COALESCE(t.failed, 0) AS failed,
               COALESCE(t.lenient, 0) AS lenient
        FROM inspection i
        LEFT JOIN ({tally}) t ON t.inspection_id = i.id
        WHERE i.result <> 'absent' AND i.visit_date <= :today{in_part("i.merchant_id", part)}"""


def _visit_facts(d: SqlDialect) -> str:
    """A visit as a fact: the rank it earns and why (the engine's `visit_verdict`), and the
    orders still open after it."""
    first = (
        "(v.failed > 0 AND v.lenient = v.failed AND (v.prior_violation IS NULL "
        f"OR v.prior_violation < {d.add_months('v.day', '-:lookback_months')}))"
    )
    adverse = "(v.score >= :yellow_min OR v.key_failed = 1)"
    return f"""SELECT v.merchant_id, v.day, 0 AS kord, v.id AS src_id,
                   CAST('inspection' AS TEXT) AS src_kind,
                   CASE WHEN v.result IN ('case', 'obstructed') OR v.key_open > 0 THEN 2
                        WHEN {first} AND {adverse} THEN 1
                        WHEN v.score >= :red_min THEN 2
                        WHEN {adverse} THEN 1 ELSE 0 END AS earned,
                   CAST(CASE WHEN v.result = 'case' THEN 'visit_case'
                        WHEN v.result = 'obstructed' THEN 'visit_obstructed'
                        WHEN v.key_open > 0 THEN 'visit_key_open'
                        WHEN {first} AND {adverse} THEN 'first_violation'
                        WHEN v.score >= :yellow_min THEN 'visit_score'
                        WHEN v.key_failed = 1 THEN 'visit_key_fixed'
                        WHEN v.failed = 0 THEN 'visit_clean' ELSE 'visit_minor' END AS TEXT)
                       AS code,
                   v.score, CAST(v.result AS TEXT) AS result, v.key_open,
                   COALESCE(oa.n, 0) AS open_after, {d.null("DATE")} AS deadline
            FROM (SELECT v.*, pv.prior_violation
                  FROM rc_visit v
                  -- The first-violation rule looks back only from visits whose every failure
                  -- was on the no-penalty list: few, so only they look for an earlier one.
                  LEFT JOIN (SELECT x.id, MAX(y.day) AS prior_violation
                             FROM rc_visit x
                             JOIN rc_visit y ON y.merchant_id = x.merchant_id AND y.failed > 0
                              AND (y.day < x.day OR (y.day = x.day AND y.id < x.id))
                             WHERE x.failed > 0 AND x.lenient = x.failed
                             GROUP BY x.id) pv ON pv.id = v.id) v
            LEFT JOIN (SELECT x.id, COUNT(*) AS n
                       FROM rc_visit x
                       JOIN rectification_order o ON o.merchant_id = x.merchant_id
                        AND o.issued_on <= x.day
                        AND (o.verified_on IS NULL OR o.verified_on > x.day)
                       GROUP BY x.id) oa ON oa.id = v.id"""


def _facts(d: SqlDialect, tally: str, part: Part) -> list[str]:
    """Every merchant's facts (visits, cases, verified complaints, orders), numbered in the
    engine's replay order."""
    return [
        _visits(tally, part),
        f"""CREATE TEMP TABLE rc_fact AS
        SELECT f.*,
               ROW_NUMBER() OVER (
                   PARTITION BY f.merchant_id ORDER BY f.day, f.kord, f.src_id) AS seq
        FROM (
            {_visit_facts(d)}
            UNION ALL
            SELECT c.merchant_id, c.opened_on, 1, c.id, 'case', 2, 'case_opened',
                   {d.null("INTEGER")}, {d.null("TEXT")}, 0, 0, {d.null("DATE")}
            FROM enforcement_case c
            WHERE c.status <> 'withdrawn' AND c.opened_on <= :today{in_part("c.merchant_id", part)}
            UNION ALL
            SELECT p.merchant_id, p.verified_on, 2, p.id, 'complaint', :complaint_rank,
                   'complaint_verified', {d.null("INTEGER")}, {d.null("TEXT")}, 0, 0,
                   {d.null("DATE")}
            FROM complaint p
            WHERE p.status = 'verified' AND p.verified_on IS NOT NULL
              AND p.verified_on <= :today{in_part("p.merchant_id", part)}
            UNION ALL
            SELECT o.merchant_id, o.issued_on, 3, o.id, 'order', 1, 'order_issued',
                   {d.null("INTEGER")}, {d.null("TEXT")}, 0, 0, o.deadline
            FROM rectification_order o
            WHERE o.issued_on <= :today{in_part("o.merchant_id", part)}
        ) f""",
        "CREATE INDEX rc_fact_walk ON rc_fact (merchant_id, seq)",
    ]


def _walk(d: SqlDialect) -> str:
    worse = "(f.earned > w.colour)"
    refresh = "(f.earned = w.colour AND (w.r_day IS NULL OR f.day > w.r_day))"
    imp_red = (
        "(f.kord = 0 AND w.colour = 2 AND f.result NOT IN ('case', 'obstructed') "
        "AND f.key_open = 0 AND f.score <= :red_to_yellow_max AND f.open_after = 0)"
    )
    imp_yellow = (
        "(f.kord = 0 AND w.colour = 1 AND f.earned = 0 AND f.open_after = 0 AND "
        f"(w.adverse_on IS NULL OR f.day >= {d.add_months('w.adverse_on', ':green_after')}))"
    )
    cause = f"{worse} OR {refresh}"
    moved = f"{cause} OR {imp_red} OR {imp_yellow}"
    return f"""CREATE TEMP TABLE rc_walk AS
    WITH RECURSIVE walk(merchant_id, seq, n, colour, adverse_on, r_code, r_day, r_score,
                        r_deadline, r_kind, r_src) AS (
        SELECT merchant_id, CAST(0 AS BIGINT), COUNT(*), 0, {d.null("DATE")},
               CAST('initial' AS TEXT), {d.null("DATE")}, {d.null("INTEGER")},
               {d.null("DATE")}, {d.null("TEXT")}, {d.null("UUID")}
        FROM rc_fact GROUP BY merchant_id
        UNION ALL
        SELECT w.merchant_id, f.seq, w.n,
               CASE WHEN {worse} THEN f.earned WHEN {refresh} THEN w.colour
                    WHEN {imp_red} THEN 1 WHEN {imp_yellow} THEN 0 ELSE w.colour END,
               CASE WHEN f.earned >= 1 THEN f.day ELSE w.adverse_on END,
               CASE WHEN {cause} THEN f.code WHEN {imp_red} THEN 'improved_yellow'
                    WHEN {imp_yellow} THEN 'improved_green' ELSE w.r_code END,
               CASE WHEN {moved} THEN f.day ELSE w.r_day END,
               CASE WHEN {cause} OR {imp_red} THEN f.score
                    WHEN {imp_yellow} THEN NULL ELSE w.r_score END,
               CASE WHEN {cause} THEN f.deadline
                    WHEN {imp_red} OR {imp_yellow} THEN NULL ELSE w.r_deadline END,
               CASE WHEN {moved} THEN f.src_kind ELSE w.r_kind END,
               CASE WHEN {moved} THEN f.src_id ELSE w.r_src END
        FROM walk w JOIN rc_fact f ON f.merchant_id = w.merchant_id AND f.seq = w.seq + 1
    )
    SELECT * FROM walk WHERE seq = n"""


# The last visit of each merchant, and the override in force today.
_LAST = """CREATE TEMP TABLE rc_last AS
        SELECT merchant_id, MAX(day) AS last_visit FROM rc_visit GROUP BY merchant_id"""
_OVERRIDES = """CREATE TEMP TABLE rc_ov AS
        SELECT merchant_id, id, colour, reason, starts_on, ends_on,
               CASE colour WHEN 'green' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END AS rank
        FROM (SELECT o.*, ROW_NUMBER() OVER (
                  PARTITION BY o.merchant_id ORDER BY o.starts_on DESC, o.id DESC) AS rn
              FROM colour_override o
              WHERE o.revoked_at IS NULL AND o.starts_on <= :today AND o.ends_on >= :today) x
        WHERE rn = 1"""


def _per_merchant(part: Part) -> str:
    """Per active merchant: what it has now, the walk's end, the override in force, the last
    visit, its open orders and its earliest re-rating request not yet answered by a visit."""
    return f"""SELECT m.id AS merchant_id, m.colour AS old_colour,
                                       m.next_due AS old_due, m.updated_at AS old_updated,
                                       COALESCE(w.colour, 0) AS computed, w.adverse_on,
                                       COALESCE(w.r_code, 'initial') AS r_code, w.r_day,
                                       w.r_score, w.r_deadline, w.r_kind, w.r_src,
                                       ov.id AS ov_id, ov.rank AS ov_rank,
                                       ov.reason AS ov_reason, ov.starts_on AS ov_start,
                                       ov.ends_on AS ov_end, l.last_visit, od.min_deadline,
                                       COALESCE(od.open_count, 0) AS open_count, rr.pending_on
                                FROM merchant m
                                LEFT JOIN rc_walk w ON w.merchant_id = m.id
                                LEFT JOIN rc_ov ov ON ov.merchant_id = m.id
                                LEFT JOIN rc_last l ON l.merchant_id = m.id
                                LEFT JOIN (SELECT merchant_id, MIN(deadline) AS min_deadline,
                                                  COUNT(*) AS open_count
                                           FROM rectification_order
                                           WHERE issued_on <= :today AND (verified_on IS NULL
                                                 OR verified_on > :today)
                                                 {in_part("merchant_id", part)}
                                           GROUP BY merchant_id) od ON od.merchant_id = m.id
                                LEFT JOIN (SELECT q.merchant_id,
                                                  MIN(q.requested_on) AS pending_on
                                           FROM rerating_request q
                                           LEFT JOIN rc_last l2
                                             ON l2.merchant_id = q.merchant_id
                                           WHERE q.status <> 'cancelled'
                                             AND q.requested_on <= :today
                                             {in_part("q.merchant_id", part)}
                                             AND (l2.last_visit IS NULL
                                                  OR q.requested_on > l2.last_visit)
                                           GROUP BY q.merchant_id) rr
                                  ON rr.merchant_id = m.id
                                WHERE m.active{in_part("m.id", part)}"""


def _result(d: SqlDialect, part: Part) -> str:
    """The colour, due date and explanation of each active merchant (the engine's `assess`)."""
    interval = (
        "CASE b.eff WHEN 0 THEN :green_months WHEN 1 THEN :yellow_months ELSE :red_months END"
    )
    base_due = (
        f"CASE WHEN b.last_visit IS NULL THEN b.old_due "
        f"ELSE {d.add_months('b.last_visit', interval)} END"
    )
    recheck = f"CASE WHEN b.open_count > 0 THEN {d.add_days('b.min_deadline', ':recheck_min')} END"
    rerate = d.add_months("b.pending_on", ":rerating_months")
    applies = (
        "CASE WHEN b.ov_id IS NOT NULL AND NOT (b.computed > b.ov_rank AND b.adverse_on "
        "IS NOT NULL AND b.adverse_on > b.ov_start) THEN 1 ELSE 0 END"
    )
    return f"""CREATE TEMP TABLE rc_result AS
        SELECT b.merchant_id, b.old_colour, b.old_due, b.old_updated, b.adverse_on,
               CASE b.eff WHEN 0 THEN 'green' WHEN 1 THEN 'yellow' ELSE 'red' END AS colour,
               {d.least(d.least("b.base_due", "b.recheck_on"), "b.rerate_on")} AS due,
               CASE WHEN b.applies = 1 THEN 'override' ELSE b.r_code END AS code,
               CASE WHEN b.applies = 1 THEN {d.null("DATE")} ELSE b.r_day END AS day,
               CASE WHEN b.applies = 1 THEN {d.null("INTEGER")} ELSE b.r_score END AS score,
               CASE WHEN b.applies = 1 THEN {d.null("DATE")} ELSE b.r_deadline END AS deadline,
               CASE WHEN b.applies = 1 THEN b.ov_reason END AS note,
               CASE WHEN b.applies = 1 THEN b.ov_end END AS until,
               CASE WHEN b.applies = 1 THEN 'override' ELSE b.r_kind END AS kind,
               CASE WHEN b.applies = 1 THEN b.ov_id ELSE b.r_src END AS src,
               CASE WHEN b.applies = 1 THEN b.ov_id END AS ov_applied,
               CASE WHEN b.applies = 1 THEN 'override' WHEN b.eff = 0 THEN 'green'
                    WHEN b.eff = 2 THEN 'red' WHEN b.open_count > 0 THEN 'yellow_orders'
                    ELSE 'yellow' END AS guidance_code,
               {d.add_months("b.adverse_on", ":green_after")} AS green_from
        FROM (SELECT b.*, {base_due} AS base_due, {recheck} AS recheck_on, {rerate} AS rerate_on
              FROM (SELECT b.*, CASE WHEN b.applies = 1 THEN b.ov_rank ELSE b.computed END
                               AS eff
                    FROM (SELECT b.*, {applies} AS applies
                          FROM ({_per_merchant(part)}) b) b) b) b"""


def statements(
    d: SqlDialect, tally: str, part: Part = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """The staging statements (for the merchants of `part` only, if given), and the named
    writes (run in the order given)."""
    stages = [*_facts(d, tally, part), _walk(d), _LAST, _OVERRIDES, _result(d, part)]
    return stages, writes(d)
