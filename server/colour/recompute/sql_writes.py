"""The writes of the set-wise recompute: what changed, from the staged results
(server.colour.recompute.sql), into colour events, merchant rows and explanations.

The rule of `server.colour.service.apply_outcome` (an event when the colour or its cause
changed; the merchant row when its colour or due date did; the explanation when any of it did),
written for every merchant at once. Only what changed is written.
"""

from server.colour.texts import GUIDANCE_CODES, REASON_CODES
from server.core.dialect import SqlDialect

__all__ = ["STATE_COLUMNS", "writes"]

STATE_COLUMNS = (
    ("reason_code", "code"),
    ("reason_on", "day"),
    ("reason_score", "score"),
    ("reason_deadline", "deadline"),
    ("reason_note", "note"),
    ("reason_until", "until"),
    ("source_kind", "kind"),
    ("source_id", "src"),
    ("guidance_code", "guidance_code"),
    ("green_from", "green_from"),
    ("adverse_on", "adverse_on"),
    ("override_id", "ov_applied"),
)


def _texts(d: SqlDialect) -> tuple[str, str]:
    """The reason and guidance texts of rc_changed row `c`, from the i18n templates."""
    reason_tpl = " ".join(f"WHEN '{c}' THEN :r_{c}" for c in REASON_CODES)
    guidance_tpl = " ".join(f"WHEN '{c}' THEN :g_{c}" for c in GUIDANCE_CODES)
    reason = (
        f"replace(replace(replace(replace(replace(replace(replace("
        f"CASE c.code {reason_tpl} END, "
        f"'{{date}}', COALESCE({d.date_text('c.day')}, '')), "
        f"'{{score}}', COALESCE(CAST(c.score AS TEXT), '')), "
        f"'{{deadline}}', COALESCE({d.date_text('c.deadline')}, '')), "
        f"'{{note}}', COALESCE(c.note, '')), "
        f"'{{until}}', COALESCE({d.date_text('c.until')}, '')), "
        f"'{{months}}', :months_text), '{{max_score}}', :max_score_text)"
    )
    guidance = (
        f"replace(replace(replace(replace(CASE c.guidance_code {guidance_tpl} END, "
        f"'{{until}}', COALESCE({d.date_text('c.until')}, '')), "
        f"'{{green_from}}', COALESCE({d.date_text('c.green_from')}, '')), "
        f"'{{months}}', :months_text), '{{max_score}}', :max_score_text)"
    )
    return reason, guidance


def _changes(d: SqlDialect) -> str:
    """rc_changed: the merchants whose colour, due date or explanation differ from what is
    stored, each marked with what to write."""
    cause = " OR ".join(
        d.distinct(f"s.{col}", f"r.{res}")
        for col, res in STATE_COLUMNS
        if col in ("reason_code", "reason_on", "source_kind", "source_id")
    )
    state = " OR ".join(d.distinct(f"s.{col}", f"r.{res}") for col, res in STATE_COLUMNS)
    due = d.distinct("r.due", "r.old_due")
    return f"""CREATE TEMP TABLE rc_changed AS
            SELECT r.*, s.updated_at AS old_state_updated,
                   CASE WHEN s.merchant_id IS NULL THEN 0 ELSE 1 END AS had_state,
                   CASE WHEN s.reason_code = 'override' THEN 1 ELSE 0 END AS was_override,
                   CASE WHEN r.colour <> r.old_colour
                             OR (s.merchant_id IS NOT NULL AND ({cause})) THEN 1 ELSE 0 END
                       AS event,
                   CASE WHEN r.colour <> r.old_colour OR {due} THEN 1 ELSE 0 END AS merchant,
                   CASE WHEN s.merchant_id IS NULL OR {state} THEN 1 ELSE 0 END AS state
            FROM rc_result r LEFT JOIN colour_state s ON s.merchant_id = r.merchant_id
            WHERE r.colour <> r.old_colour OR {due} OR s.merchant_id IS NULL OR {state}"""


def _events(d: SqlDialect) -> str:
    reason, guidance = _texts(d)
    return f"""INSERT INTO colour_event (merchant_id, at, from_colour, to_colour,
                reason_code, reason, guidance, source_kind, source_id, is_override, actor)
            SELECT c.merchant_id, :now, c.old_colour, c.colour, c.code,
                   CASE WHEN c.was_override = 1 AND c.code <> 'override'
                        THEN replace(:override_ended, '{{reason}}', {reason}) ELSE {reason} END,
                   {guidance}, c.kind, c.src,
                   CASE WHEN c.code = 'override' THEN {d.true()} ELSE {d.false()} END, :actor
            FROM rc_changed c
            JOIN merchant m ON m.id = c.merchant_id AND m.updated_at = c.old_updated
            LEFT JOIN colour_state s ON s.merchant_id = c.merchant_id
            WHERE c.event = 1 AND NOT {d.distinct("s.updated_at", "c.old_state_updated")}
            ORDER BY c.merchant_id"""


_MERCHANTS = """UPDATE merchant SET colour = c.colour, next_due = c.due, updated_at = :now
            FROM rc_changed c
            WHERE c.merchant = 1 AND merchant.id = c.merchant_id
              AND merchant.updated_at = c.old_updated"""


def _states(d: SqlDialect) -> str:
    columns = ", ".join(col for col, _ in STATE_COLUMNS)
    values = ", ".join(f"c.{res}" for _, res in STATE_COLUMNS)
    updates = ", ".join(f"{col} = excluded.{col}" for col, _ in STATE_COLUMNS)
    return f"""INSERT INTO colour_state (merchant_id, {columns}, updated_at)
            SELECT c.merchant_id, {values}, :now
            FROM rc_changed c LEFT JOIN colour_state s ON s.merchant_id = c.merchant_id
            WHERE c.state = 1 AND NOT {d.distinct("s.updated_at", "c.old_state_updated")}
            ORDER BY c.merchant_id
            ON CONFLICT (merchant_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at"""


# A visit on or after a pending re-rating request answered it.
_RERATINGS = """UPDATE rerating_request SET status = 'done'
            WHERE status = 'pending' AND EXISTS (SELECT 1 FROM rc_last l
                WHERE l.merchant_id = rerating_request.merchant_id
                  AND l.last_visit >= rerating_request.requested_on)"""


def writes(d: SqlDialect) -> list[tuple[str, str]]:
    """The named writes, in the order they run. Only what changed is written; the rest of the
    run only read. An incremental update that ran meanwhile is newer than this run's view: such a
    merchant (its row or its state touched since it was read) is left alone."""
    return [
        ("changes", _changes(d)),
        ("events", _events(d)),
        ("merchants", _MERCHANTS),
        ("states", _states(d)),
        ("reratings", _RERATINGS),
    ]
