"""The pure helpers added to the core: months, cover, results from stored lines, reversals, tables as data."""

from datetime import date
from decimal import Decimal

import pytest

from insurance.contributions import (
    base_limits,
    compute_contributions,
    contribution_key,
    covers,
    default_rate_table,
    format_period,
    next_period,
    parse_period,
    period_last_day,
    previous_period,
    rate_table_from_dict,
    rate_table_to_dict,
    result_from_lines,
    reversal_lines,
)

TABLE = default_rate_table()
D = Decimal


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-10", date(2026, 10, 1)), ("2026-1", date(2026, 1, 1)), (" 2026-12 ", date(2026, 12, 1))],
)
def test_a_period_is_read_from_yyyy_mm(text, month):
    assert parse_period(text) == month
    assert parse_period(format_period(month)) == month


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-13", "2026-00", "26-10", "2026/10", "October", "2026-10-01", "abcd-ef"]
)
def test_anything_else_is_not_a_period(text):
    with pytest.raises(ValueError):
        parse_period(text)


@pytest.mark.parametrize(
    ("month", "before", "after", "last"),
    [
        (date(2026, 1, 1), date(2025, 12, 1), date(2026, 2, 1), date(2026, 1, 31)),
        (date(2024, 2, 1), date(2024, 1, 1), date(2024, 3, 1), date(2024, 2, 29)),
        (date(2026, 12, 1), date(2026, 11, 1), date(2027, 1, 1), date(2026, 12, 31)),
    ],
)
def test_neighbouring_months_and_last_days(month, before, after, last):
    assert (previous_period(month), next_period(month), period_last_day(month)) == (before, after, last)


@pytest.mark.parametrize(
    ("start", "end", "owes"),
    [
        (date(2026, 10, 31), None, True),  # from the last day: the month is owed
        (date(2026, 11, 1), None, False),
        (date(2026, 1, 1), date(2026, 10, 31), True),  # ended on the last day: still owed
        (date(2026, 1, 1), date(2026, 10, 30), False),  # ended before it: the next employer owes it
        (date(2026, 10, 5), date(2026, 10, 20), False),  # a few days inside the month only
    ],
)
def test_the_month_is_owed_by_the_enrolment_in_force_on_its_last_day(start, end, owes):
    assert covers(start, end, date(2026, 10, 1)) is owes


def test_base_limits_are_shares_of_the_average_wage():
    assert base_limits(D("8000"), D("0.6"), D("3")) == (D("4800.00"), D("24000.00"))
    assert base_limits(D("8333.33"), D("0.6"), D("3")) == (D("5000.00"), D("24999.99"))
    with pytest.raises(ValueError):
        base_limits(D("8000"), D("3"), D("0.6"))


def test_a_result_rebuilt_from_its_lines_and_adjustments_sums_per_scheme():
    period = date(2026, 10, 1)
    first = compute_contributions(
        wage=D("5000"), birth_date=date(1990, 5, 1), period_start=period, table=TABLE
    )
    second = compute_contributions(
        wage=D("6000"), birth_date=date(1990, 5, 1), period_start=period, table=TABLE
    )
    from insurance.contributions import adjustment_lines

    rebuilt = result_from_lines(period, second.base, first.lines + adjustment_lines(first, second))

    assert rebuilt.lines == second.lines
    assert (rebuilt.employer_total, rebuilt.employee_total) == (second.employer_total, second.employee_total)


def test_a_reversal_takes_back_every_scheme_charged():
    result = compute_contributions(
        wage=D("5000"), birth_date=date(1990, 5, 1), period_start=date(2026, 10, 1), table=TABLE
    )

    reversed_ = result_from_lines(result.period_start, D("0"), result.lines + reversal_lines(result))

    assert all(
        not (line.employer or line.employee or line.pool or line.personal_account) for line in reversed_.lines
    )


@pytest.mark.parametrize(
    "birth_date", [date(1991, 10, 2), date(1991, 10, 1), date(1982, 3, 3), date(1960, 1, 1)]
)
def test_equal_keys_mean_equal_results(birth_date):
    period = date(2026, 10, 1)
    key = contribution_key(wage=D("3000"), birth_date=birth_date, period_start=period, table=TABLE)
    same = compute_contributions(wage=D("4800"), birth_date=birth_date, period_start=period, table=TABLE)

    assert key[0] == D("4800.00")
    assert (
        compute_contributions(wage=D("3000"), birth_date=birth_date, period_start=period, table=TABLE).lines
        == same.lines
    )


def test_a_rate_table_survives_the_trip_through_json():
    assert rate_table_from_dict(rate_table_to_dict(TABLE)) == TABLE
