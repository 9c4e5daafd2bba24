"""`onevisit calendar`: working days counted on the district's calendar (the library and
CALENDAR_FILE), a year's holidays and make-up days listed; bad input refused in words, exit 2."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import _register_domain_commands, cli

CALENDAR_2027 = "2027:\n  holidays:\n    元旦: 2027-01-01..2027-01-03\n"


def _calendar(*args: str, **env: str):
    _register_domain_commands()
    return CliRunner().invoke(cli, ["calendar", *args], env={"CALENDAR_FILE": "", **env})


@pytest.mark.parametrize(
    ("start", "n", "answer"),
    [
        ("2026-09-30", "5", "2026-10-13（周二）"),  # across National Day and its make-up Saturday
        ("2026-02-13", "1", "2026-02-14（周六）"),  # the make-up Saturday before Spring Festival
        ("2026-02-13", "2", "2026-02-24（周二）"),
        ("2025-01-24", "1", "2025-01-26（周日）"),  # 2025's make-up Sunday
        ("2026-11-27", "1", "2026-11-30（周一）"),
        ("2026-11-28", "0", "2026-11-28（周六）"),
    ],
)
def test_add_counts_official_working_days(start, n, answer):
    result = _calendar("add", start, n)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"是 {answer}")
    plain = _calendar("add", start, n, "--plain")
    assert plain.output.strip() == answer[:10]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("add", "2026-02-30", "1"), "日期“2026-02-30”无效"),
        (("add", "tomorrow", "1"), "日期“tomorrow”无效"),
        (("add", "2026-10-01", "-1"), "工作日数“-1”无效"),
        (("add", "2026-10-01", "1001"), "工作日数“1001”无效"),
        (("add", "2026-10-01", "five"), "工作日数“five”无效"),
        (("add", "2026-12-28", "5"), "2027 年的法定节假日安排尚未载入"),
        (("add", "2003-06-02", "1"), "2003 年的法定节假日安排尚未载入"),
        (("show", "2027"), "2027 年的法定节假日安排尚未载入"),
        (("show", "next"), "年份“next”无效"),
    ],
)
def test_bad_input_and_years_not_loaded_are_refused_in_words(args, words):
    result = _calendar(*args)
    assert result.exit_code == 2 and words in result.output, result.output
    assert "Traceback" not in result.output


def test_show_lists_a_years_holidays_and_make_up_days():
    result = _calendar("show", "2026")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026 年工作日历（来源：chinese-calendar ")
    assert "2026-02-14  周六  调休上班  春节" in lines
    assert "2026-02-16  周一  放假  春节" in lines
    assert "2026-10-10  周六  调休上班  国庆节" in lines
    assert "2026-10-01  周四  放假  国庆节" in lines
    assert lines[-1].startswith("全年工作日 ")


def test_a_calendar_file_adds_a_year_and_can_be_checked_first(tmp_path: Path):
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    checked = _calendar("show", "2027", "--file", str(path))
    assert checked.exit_code == 0, checked.output
    assert f"（来源：{path}）" in checked.output
    assert "2027-01-01  周五  放假  元旦" in checked.output
    added = _calendar("add", "2026-12-28", "5", CALENDAR_FILE=str(path))
    assert added.exit_code == 0 and "是 2027-01-05（周二）" in added.output, added.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("2027:\n  holidays:\n    元旦: 2027-01-32\n", encoding="utf-8")
    refused = _calendar("show", "2027", "--file", str(bad))
    assert refused.exit_code == 2 and "`2027.holidays.元旦`" in refused.output
    broken = _calendar("add", "2026-12-28", "5", CALENDAR_FILE=str(bad))
    assert broken.exit_code == 2 and "CALENDAR_FILE" in broken.output
