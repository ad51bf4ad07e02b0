"""Working-day arithmetic on China's calendar: holidays, and the weekend days moved to work (调休)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legal_aid.workdays import (
    WorkCalendar,
    add_working_days,
    china_calendar,
    next_working_day,
    working_days_between,
)

CHINA = china_calendar([2025, 2026])
PLAIN = WorkCalendar()  # Monday to Friday, no holidays


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday moved to work before the Spring Festival
        (date(2025, 2, 8), True),  # Saturday moved to work after it
        (date(2025, 1, 29), False),  # Spring Festival (a Wednesday)
        (date(2025, 2, 3), False),  # Monday off in exchange
        (date(2025, 9, 28), True),  # Sunday moved to work before National Day
        (date(2025, 10, 8), False),  # Wednesday off in exchange
        (date(2025, 10, 11), True),  # Saturday moved to work
        (date(2026, 2, 14), True),  # Saturday moved to work before the 2026 Spring Festival
        (date(2026, 2, 20), False),
        (date(2025, 3, 8), False),  # an ordinary Saturday
        (date(2025, 3, 10), True),  # an ordinary Monday
    ],
)
def test_the_calendar_knows_holidays_and_moved_working_days(day, working):
    assert CHINA.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (date(2025, 3, 3), 3, date(2025, 3, 6)),  # Monday → Thursday
        (date(2025, 3, 7), 3, date(2025, 3, 12)),  # Friday → Wednesday
        (date(2025, 3, 8), 3, date(2025, 3, 12)),  # filed on a Saturday → Wednesday
        (date(2025, 3, 3), 0, date(2025, 3, 3)),
        # Friday before the Spring Festival: Sunday 26 January is a working day, then the holiday
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        # filed on the eve of National Day: eight days off, then Thursday, Friday and the working Saturday
        (date(2025, 9, 30), 3, date(2025, 10, 11)),
        # Friday before National Day: the working Sunday 28 September counts
        (date(2025, 9, 26), 3, date(2025, 9, 30)),
        # across the year end into the 2026 New Year holiday and its working Sunday
        (date(2025, 12, 31), 2, date(2026, 1, 5)),
    ],
)
def test_add_working_days_across_holidays_and_moved_working_days(start, n, due):
    assert add_working_days(start, n, CHINA) == due


def test_without_the_moved_working_day_the_deadline_would_be_wrong():
    holidays_only = WorkCalendar(days_off=CHINA.days_off)
    assert add_working_days(date(2025, 1, 24), 3, holidays_only) == date(2025, 2, 6)
    assert add_working_days(date(2025, 1, 24), 3, CHINA) == date(2025, 2, 5)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 3, 3), -1, PLAIN)


def test_next_working_day_skips_the_holiday_to_the_moved_saturday():
    assert next_working_day(date(2025, 10, 4), CHINA) == date(2025, 10, 9)
    assert next_working_day(date(2025, 2, 8), CHINA) == date(2025, 2, 8)


def test_working_days_between_counts_the_days_after_start_up_to_end():
    assert working_days_between(date(2025, 1, 24), date(2025, 2, 5), CHINA) == 3
    assert working_days_between(date(2025, 2, 5), date(2025, 1, 24), CHINA) == 0


def test_corrections_beat_the_package():
    # given a year whose moved working days the package does not know yet
    saturday, monday = date(2027, 2, 20), date(2027, 2, 15)
    corrected = china_calendar([2027], extra_working_days=[saturday], extra_days_off=[monday])
    assert corrected.is_working_day(saturday) and not corrected.is_working_day(monday)
    # and a correction can undo what the package says
    undone = china_calendar([2025], extra_days_off=[date(2025, 1, 26)])
    assert not undone.is_working_day(date(2025, 1, 26))


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 30)), n=st.integers(0, 20))
def test_adding_then_counting_gives_back_n_and_lands_on_a_working_day(start, n):
    due = add_working_days(start, n, CHINA)
    assert working_days_between(start, due, CHINA) == n
    if n:
        assert CHINA.is_working_day(due)
        assert working_days_between(start, due - timedelta(days=1), CHINA) == n - 1
