"""One clock for the whole product: set from tests and ONEVISIT_CLOCK, read the same way
everywhere, and nothing in server/ reads the machine's calendar behind its back."""

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from server.core.clock import CLOCK, local_today, publication_moment, utcnow
from server.core.settings import load_settings
from tests.support.clock import NOW, TODAY, at

SERVER = Path(__file__).resolve().parents[1] / "server"
# Calls that read the machine's calendar. Monotonic timers (time.monotonic) are not business time.
FORBIDDEN_CALLS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}
# SQL that reads the database server's calendar instead of the app's.
FORBIDDEN_SQL = re.compile(
    r"\b(current_date|current_timestamp|localtimestamp|now\(\)|date\('now')", re.IGNORECASE
)
# The clock itself, and the first day-packet revision, whose database-clock window a later
# revision replaced (server/migrations/packet_triggers.py keeps its text for downgrades).
ALLOWED = {"core/clock.py", "migrations/packet_triggers.py"}


def _calendar_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in FORBIDDEN_CALLS
        ):
            found.append(f"{node.func.value.id}.{node.func.attr}() at line {node.lineno}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            sql = FORBIDDEN_SQL.findall(node.value)
            found += [f"SQL {word!r} at line {node.lineno}" for word in sql]
    return found


def test_nothing_in_server_reads_the_machines_calendar_but_the_clock():
    offenders = {
        str(path.relative_to(SERVER)): reads
        for path in sorted(SERVER.rglob("*.py"))
        if str(path.relative_to(SERVER)) not in ALLOWED and (reads := _calendar_reads(path))
    }
    assert offenders == {}, "use server.core.clock (utcnow, local_today) instead"


def test_the_discipline_check_catches_each_kind_of_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from datetime import date, datetime\nimport time\n"
        "a = date.today()\nb = datetime.now()\nc = time.time()\n"  # clock-ok
        "d = 'SELECT * FROM plan WHERE day >= CURRENT_DATE'\n"
    )
    assert len(_calendar_reads(sample)) == 4


def test_every_test_starts_at_the_suites_instant_and_the_clock_runs_on():
    assert local_today() == TODAY
    first = utcnow()
    assert timedelta(0) <= first - NOW < timedelta(minutes=5)
    assert utcnow() >= first


@pytest.mark.clock("2026-11-26T23:59:00", frozen=True)
def test_a_test_picks_its_instant_and_moves_the_clock(clock):
    assert utcnow() == at("2026-11-26T23:59:00") and utcnow() == utcnow()
    clock.advance(timedelta(minutes=2))
    assert local_today() == date(2026, 11, 27)


@pytest.mark.clock("2026-11-27T00:01:00", frozen=True)
def test_the_district_day_turns_at_its_own_midnight_while_utc_is_still_on_the_day_before():
    assert utcnow().date() == date(2026, 11, 26)
    assert local_today() == date(2026, 11, 27)


@pytest.mark.clock("2026-11-27T07:30:00", frozen=True)
def test_at_half_past_seven_the_district_is_on_its_day_and_utc_on_the_one_before():
    assert utcnow() == datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert local_today() == date(2026, 11, 27)


def test_results_go_public_after_working_days_counted_past_the_weekend():
    # A Sunday visit: Monday to Friday are the five working days; public Friday 09:00.
    assert publication_moment(date(2026, 11, 29), 5) == at("2026-12-04T09:00:00")
    # Over the new year: a Wednesday 31 December 2025 visit, three working days on the official
    # calendar: 1 to 3 January off, the make-up Sunday 4 January, Monday 5, Tuesday 6.
    assert publication_moment(date(2025, 12, 31), 3) == at("2026-01-06T09:00:00")


def test_onevisit_clock_sets_a_test_servers_clock_and_is_refused_in_production(tmp_path):
    env = {"SECRET_KEY": "x", "ONEVISIT_VAR_DIR": str(tmp_path)}
    settings = load_settings({**env, "ONEVISIT_CLOCK": "2027-01-01T00:05+08:00"})
    assert settings.clock_start == at("2027-01-01T00:05:00")
    CLOCK.configure(settings.local_timezone, settings.clock_start)
    assert local_today() == date(2027, 1, 1)
    with pytest.raises(ValueError, match="offset"):
        load_settings({**env, "ONEVISIT_CLOCK": "2027-01-01T00:05"})
    with pytest.raises(ValueError, match="production"):
        load_settings({**env, "ONEVISIT_ENV": "production", "ONEVISIT_CLOCK": "2027-01-01T00:05Z"})
