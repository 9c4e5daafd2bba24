"""Working days on China's official calendar (server.core.workdays): the make-up Saturdays and
Sundays (调休) are worked, the holidays' weekdays are not; results go public after that many of
these days; a year whose calendar is not loaded is refused; a district's CALENDAR_FILE adds one."""

from dataclasses import replace
from datetime import date

import pytest

from server.app import create_app
from server.core.calendar_file import CalendarFileError, load_calendar_file
from server.core.clock import publication_moment
from server.core.settings import Settings, load_settings
from server.core.workdays import CALENDAR, CalendarNotCovered, WorkCalendar
from tests.support.clock import at

# A district's file for 2027 as it would write it from the State Council's notice. Its dates are
# the test's own (the 2027 notice is not out as this is written); what counts is how they are read.
CALENDAR_2027 = """\
2027:
  holidays:
    元旦: 2027-01-01..2027-01-03
    春节: [2027-02-06..2027-02-12, 2027-02-13]
  workdays:
    春节: [2027-02-14, 2027-02-20]
"""
CALENDAR_2027_TOML = """\
[2027.holidays]
"元旦" = "2027-01-01..2027-01-03"
"春节" = ["2027-02-06..2027-02-12", 2027-02-13]

[2027.workdays]
"春节" = [2027-02-14, 2027-02-20]
"""


@pytest.fixture
def calendar_2027(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    CALENDAR.configure(load_calendar_file(path))
    return path


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        # 2025, Spring Festival: 28 January to 4 February off; Sunday 26 January and Saturday
        # 8 February worked.
        (date(2025, 1, 26), True, None),
        (date(2025, 1, 27), True, None),
        (date(2025, 1, 28), False, "春节假期"),
        (date(2025, 2, 4), False, "春节假期"),
        (date(2025, 2, 5), True, None),
        (date(2025, 2, 8), True, None),
        (date(2025, 2, 9), False, "休息日"),
        # 2025, National Day with Mid-autumn: 1 to 8 October; Sunday 28 September and Saturday
        # 11 October worked.
        (date(2025, 9, 28), True, None),
        (date(2025, 10, 6), False, "中秋节假期"),
        (date(2025, 10, 8), False, "国庆节假期"),
        (date(2025, 10, 11), True, None),
        # 2026, Spring Festival: 15 to 23 February; Saturdays 14 and 28 February worked.
        (date(2026, 2, 14), True, None),
        (date(2026, 2, 16), False, "春节假期"),
        (date(2026, 2, 23), False, "春节假期"),
        (date(2026, 2, 24), True, None),
        (date(2026, 2, 28), True, None),
        # 2026, National Day: 1 to 7 October; Sunday 20 September and Saturday 10 October worked.
        (date(2026, 9, 20), True, None),
        (date(2026, 10, 1), False, "国庆节假期"),
        (date(2026, 10, 3), False, "国庆节假期"),
        (date(2026, 10, 7), False, "国庆节假期"),
        (date(2026, 10, 10), True, None),
        (date(2026, 10, 11), False, "休息日"),
        # An ordinary week.
        (date(2026, 11, 27), True, None),
        (date(2026, 11, 28), False, "休息日"),
        (date(2026, 11, 29), False, "休息日"),
    ],
)
def test_the_official_calendar_of_2025_and_2026(day, working, why):
    assert CALENDAR.is_working_day(day) is working
    assert CALENDAR.why_not_working(day) == why


def test_results_go_public_after_official_working_days_across_the_holidays():
    # Wednesday 30 September 2026: 1 to 7 October off; Thursday 8, Friday 9, the make-up
    # Saturday 10, Monday 12, Tuesday 13.
    assert publication_moment(date(2026, 9, 30), 5) == at("2026-10-13T09:00")
    # Friday 13 February 2026: the make-up Saturday is the first working day, then the festival.
    assert publication_moment(date(2026, 2, 13), 1) == at("2026-02-14T09:00")
    assert publication_moment(date(2026, 2, 13), 5) == at("2026-02-27T09:00")
    # The longest wait the law allows, 20 working days, from the eve of the 2025 festival:
    # 5 to 7 February, the make-up Saturday 8 February, then sixteen weekdays.
    assert publication_moment(date(2025, 1, 27), 20) == at("2025-03-03T09:00")
    assert publication_moment(date(2026, 10, 1), 0) == at("2026-10-01T09:00")


def test_a_year_the_calendar_does_not_cover_is_refused_not_guessed():
    first, last = CALENDAR.library_years
    assert first <= 2025 and last >= 2026
    beyond = date(last + 1, 1, 4)
    with pytest.raises(CalendarNotCovered) as refused:
        CALENDAR.is_working_day(beyond)
    assert refused.value.status == 422
    assert f"{last + 1} 年" in refused.value.detail and "CALENDAR_FILE" in refused.value.detail
    # Counting into it is refused too, but for as long as the count stays in known years it is not.
    with pytest.raises(CalendarNotCovered):
        publication_moment(date(last, 12, 30), 5)
    assert CALENDAR.add(date(2026, 12, 28), 3) == date(2026, 12, 31)
    with pytest.raises(CalendarNotCovered):
        CALENDAR.add(date(2026, 12, 28), 4)


@pytest.mark.parametrize(
    ("name", "text"), [("c.yaml", CALENDAR_2027), ("c.toml", CALENDAR_2027_TOML)]
)
def test_a_calendar_file_adds_a_year(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    calendar = WorkCalendar(load_calendar_file(path))
    assert calendar.covers(2027) and calendar.source(2027) == str(path)
    assert calendar.why_not_working(date(2027, 1, 1)) == "元旦假期"
    assert calendar.why_not_working(date(2027, 2, 13)) == "春节假期"
    assert calendar.is_working_day(date(2027, 2, 14))  # a Sunday worked
    assert calendar.is_working_day(date(2027, 1, 4))  # a Monday the file leaves alone
    assert not calendar.is_working_day(date(2027, 1, 9))  # a Saturday it leaves alone
    # Thursday 31 December 2026 (the library's year), three working days: 4, 5, 6 January.
    assert calendar.add(date(2026, 12, 31), 3) == date(2027, 1, 6)
    assert calendar.source(2026).startswith("chinese-calendar")


def test_a_year_in_the_file_replaces_the_librarys(tmp_path):
    path = tmp_path / "calendar.yaml"
    # A notice that, say, moved a holiday: the file's 2026 is the whole of 2026.
    path.write_text(
        "2026:\n  holidays:\n    国庆节: 2026-10-01..2026-10-08\n"
        "  workdays:\n    国庆节: [2026-10-10]\n"
        "  # the make-up day of the next New Year, listed under the year that has it\n"
        "2027:\n  holidays:\n    元旦: 2027-01-01\n  workdays:\n    元旦: [2026-12-26]\n",
        encoding="utf-8",
    )
    calendar = WorkCalendar(load_calendar_file(path))
    assert not calendar.is_working_day(date(2026, 10, 8))
    assert calendar.is_working_day(date(2026, 2, 16))  # the library's festival is not in the file
    assert not calendar.is_working_day(date(2026, 9, 20))  # nor its make-up Sunday
    assert calendar.is_working_day(date(2026, 12, 26))  # listed under 2027, falls in 2026


def test_the_calendar_file_is_read_at_start_up_and_a_bad_one_stops_it(tmp_path, calendar_2027):
    settings = load_settings({"SECRET_KEY": "x", "CALENDAR_FILE": str(calendar_2027)})
    assert settings.calendar_file == str(calendar_2027)
    CALENDAR.configure(None)
    with pytest.raises(CalendarNotCovered):
        CALENDAR.is_working_day(date(2027, 1, 4))
    plain = Settings(secret_key="x", var_dir=tmp_path)
    create_app(replace(plain, calendar_file=str(calendar_2027)))
    assert CALENDAR.is_working_day(date(2027, 1, 4))
    bad = tmp_path / "bad.yaml"
    bad.write_text("2027:\n  holidays:\n    元旦: 2027-13-01\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match=r"2027\.holidays\.元旦"):
        create_app(replace(plain, calendar_file=str(bad)))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "须按年份"),
        ("- 2027-01-01\n", "须按年份"),
        ("27:\n  holidays: {元旦: 2027-01-01}\n", "`27`"),
        ("2027:\n  workdays: {春节: [2027-02-14]}\n", "须含 holidays"),
        ("2027:\n  holidays: {元旦: 2027-01-01}\n  extra: {}\n", "`2027.extra`"),
        ("2027:\n  holidays: {元旦: 2027-02-30}\n", "`2027.holidays.元旦`"),
        ("2027:\n  holidays: {春节: 2027-02-13..2027-02-06}\n", "`2027.holidays.春节`"),
        ("2027:\n  holidays: {春节: 2027-01-01..2027-03-01}\n", "`2027.holidays.春节`"),
        ("2027:\n  holidays: {元旦: 2029-01-01}\n", "不在 2027 年"),
        ("2027:\n  holidays: {元旦: []}\n", "`2027.holidays.元旦`"),
        (
            "2027:\n  holidays: {春节: 2027-02-13}\n  workdays: {春节: [2027-02-13]}\n",
            "既列为放假日又列为调休上班日",
        ),
        ("2027: [\n", "无法读取"),
    ],
)
def test_a_bad_calendar_file_is_refused_whole_naming_the_key(tmp_path, text, where):
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError) as refused:
        load_calendar_file(path)
    assert str(refused.value).startswith(f"CALENDAR_FILE {path}") and where in str(refused.value)


def test_a_calendar_file_must_exist_and_be_yaml_or_toml(tmp_path):
    with pytest.raises(CalendarFileError, match="找不到"):
        load_calendar_file(tmp_path / "missing.yaml")
    other = tmp_path / "calendar.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(CalendarFileError, match=r"\.toml"):
        load_calendar_file(other)
    assert load_calendar_file(None) is None
