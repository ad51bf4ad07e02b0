from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insurance.contributions import (
    SCHEMES,
    AgeBand,
    ContributionLine,
    ContributionResult,
    RateTable,
    SchemeRate,
    adjustment_lines,
    age_on,
    compute_contributions,
    contribution_base,
    default_rate_table,
    medical_personal_share,
)

D = Decimal
TABLE = default_rate_table()
MARCH_2025 = date(2025, 3, 1)
YOUNG = date(1995, 6, 15)


def compute(wage: str, birth_date: date = YOUNG, period_start: date = MARCH_2025, table: RateTable = TABLE):
    return compute_contributions(wage=D(wage), birth_date=birth_date, period_start=period_start, table=table)


def line_of(lines: tuple[ContributionLine, ...], scheme: str) -> ContributionLine:
    return next(line for line in lines if line.scheme == scheme)


def custom_table(
    *,
    medical: tuple[str, str] = ("0.08", "0.02"),
    share: str = "0.04",
    floor: str = "0",
    ceiling: str = "100000",
) -> RateTable:
    return RateTable(
        schemes=(
            SchemeRate("pension", D("0.18"), D("0.08")),
            SchemeRate("medical", D(medical[0]), D(medical[1])),
            SchemeRate("unemployment", D("0.02"), D("0.01")),
            SchemeRate("maternity", D("0.008"), D("0")),
            SchemeRate("work_injury", D("0.005"), D("0")),
        ),
        medical_bands=(AgeBand(0, None, D(share)),),
        floor=D(floor),
        ceiling=D(ceiling),
    )


# The default table


def test_default_table_floor_and_ceiling_are_60_and_300_percent_of_8000():
    assert (TABLE.floor, TABLE.ceiling) == (D("4800.00"), D("24000.00"))


def test_default_table_follows_the_average_wage():
    table = default_rate_table(D("10000"))

    assert (table.floor, table.ceiling) == (D("6000.00"), D("30000.00"))


def test_default_table_rates_and_bands():
    rates = {rate.scheme: (rate.employer_rate, rate.employee_rate) for rate in TABLE.schemes}

    assert rates == {
        "pension": (D("0.18"), D("0.08")),
        "medical": (D("0.08"), D("0.02")),
        "unemployment": (D("0.02"), D("0.01")),
        "maternity": (D("0.008"), D("0")),
        "work_injury": (D("0.005"), D("0")),
    }
    assert [(band.min_age, band.max_age, band.personal_share) for band in TABLE.medical_bands] == [
        (0, 34, D("0.040")),
        (35, 44, D("0.045")),
        (45, 54, D("0.055")),
        (55, None, D("0.065")),
    ]


def test_default_numbers_for_a_wage_of_5000():
    # when
    result = compute("5000")

    # then: (scheme, employer, employee, pool, personal account)
    assert result.base == D("5000.00")
    assert [
        (line.scheme, line.employer, line.employee, line.pool, line.personal_account) for line in result.lines
    ] == [
        ("pension", D("900.00"), D("400.00"), D("900.00"), D("400.00")),
        ("medical", D("400.00"), D("100.00"), D("300.00"), D("200.00")),
        ("unemployment", D("100.00"), D("50.00"), D("150.00"), D("0.00")),
        ("maternity", D("40.00"), D("0.00"), D("40.00"), D("0.00")),
        ("work_injury", D("25.00"), D("0.00"), D("25.00"), D("0.00")),
    ]
    assert (result.employer_total, result.employee_total) == (D("1465.00"), D("550.00"))
    assert result.period_start == MARCH_2025


def test_lines_carry_their_rates():
    pension = line_of(compute("5000").lines, "pension")

    assert (pension.employer_rate, pension.employee_rate) == (D("0.18"), D("0.08"))


def test_a_wage_above_the_ceiling_pays_on_the_ceiling():
    pension = line_of(compute("30000").lines, "pension")

    assert (pension.employer, pension.employee) == (D("4320.00"), D("1920.00"))


# Floor and ceiling


@pytest.mark.parametrize(
    ("wage", "base"),
    [
        ("0", "4800.00"),
        ("1000", "4800.00"),
        ("4799.99", "4800.00"),
        ("4800", "4800.00"),
        ("4800.01", "4800.01"),
        ("5000", "5000.00"),
        ("23999.99", "23999.99"),
        ("24000", "24000.00"),
        ("24000.01", "24000.00"),
        ("100000", "24000.00"),
        ("5000.005", "5000.01"),
        ("5000.0049", "5000.00"),
    ],
)
def test_contribution_base_is_the_wage_held_between_floor_and_ceiling(wage, base):
    assert contribution_base(D(wage), TABLE.floor, TABLE.ceiling) == D(base)
    assert compute(wage).base == D(base)


def test_contribution_base_refuses_a_negative_wage():
    with pytest.raises(ValueError, match="negative"):
        contribution_base(D("-0.01"), TABLE.floor, TABLE.ceiling)


def test_contribution_base_refuses_a_floor_above_the_ceiling():
    with pytest.raises(ValueError, match="above the ceiling"):
        contribution_base(D("5000"), D("6000"), D("5000"))


# Ages and the medical age bands


@pytest.mark.parametrize(
    ("birth_date", "day", "age"),
    [
        (date(1990, 3, 1), date(2025, 2, 28), 34),
        (date(1990, 3, 1), date(2025, 3, 1), 35),
        (date(1990, 3, 1), date(2025, 3, 2), 35),
        (date(1990, 12, 31), date(2025, 1, 1), 34),
        (date(2000, 1, 1), date(2000, 1, 1), 0),
        # Born on 29 February: a year older on 1 March in non-leap years, on 29 February in leap years.
        (date(1992, 2, 29), date(2027, 2, 28), 34),
        (date(1992, 2, 29), date(2027, 3, 1), 35),
        (date(1992, 2, 29), date(2028, 2, 28), 35),
        (date(1992, 2, 29), date(2028, 2, 29), 36),
    ],
)
def test_age_on_counts_full_years(birth_date, day, age):
    assert age_on(birth_date, day) == age


def test_age_on_refuses_a_day_before_birth():
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2000, 5, 2), date(2000, 5, 1))


@pytest.mark.parametrize(
    ("age", "share"),
    [
        (0, "0.040"),
        (18, "0.040"),
        (34, "0.040"),
        (35, "0.045"),
        (44, "0.045"),
        (45, "0.055"),
        (54, "0.055"),
        (55, "0.065"),
        (120, "0.065"),
    ],
)
def test_medical_personal_share_by_age_band(age, share):
    assert medical_personal_share(age, TABLE.medical_bands) == D(share)


def test_medical_personal_share_takes_bands_in_any_order():
    bands = tuple(reversed(TABLE.medical_bands))

    assert medical_personal_share(50, bands) == D("0.055")


def test_medical_personal_share_refuses_a_negative_age():
    with pytest.raises(ValueError, match="negative"):
        medical_personal_share(-1, TABLE.medical_bands)


@pytest.mark.parametrize(
    ("birth_date", "personal"),
    [
        # The 35th, 45th and 55th birthdays fall on the day before, on, and after the first of March.
        (date(1990, 3, 2), "200.00"),
        (date(1990, 3, 1), "225.00"),
        (date(1990, 2, 28), "225.00"),
        (date(1980, 3, 2), "225.00"),
        (date(1980, 3, 1), "275.00"),
        (date(1980, 2, 28), "275.00"),
        (date(1970, 3, 2), "275.00"),
        (date(1970, 3, 1), "325.00"),
        (date(1970, 2, 28), "325.00"),
    ],
)
def test_medical_share_follows_the_age_on_the_first_day_of_the_period(birth_date, personal):
    # when
    medical = line_of(compute("5000", birth_date=birth_date, period_start=MARCH_2025).lines, "medical")

    # then
    assert medical.personal_account == D(personal)
    assert medical.pool == D("500.00") - D(personal)


@pytest.mark.parametrize(
    ("period_start", "personal"),
    [
        (date(2027, 2, 1), "200.00"),
        (date(2027, 3, 1), "225.00"),
        (date(2028, 2, 1), "225.00"),
    ],
)
def test_someone_born_on_29_february_turns_35_on_1_march_of_a_non_leap_year(period_start, personal):
    medical = line_of(
        compute("5000", birth_date=date(1992, 2, 29), period_start=period_start).lines, "medical"
    )

    assert medical.personal_account == D(personal)


# Rounding to the fen, half-up


@pytest.mark.parametrize(
    ("wage", "birth_date", "scheme", "field", "exact", "rounded"),
    [
        ("5000.50", YOUNG, "unemployment", "employee", "50.005", "50.01"),
        ("5000.25", YOUNG, "medical", "employee", "100.005", "100.01"),
        ("5001.00", YOUNG, "work_injury", "employer", "25.005", "25.01"),
        ("5001.00", date(1985, 1, 1), "medical", "personal_account", "225.045", "225.05"),
    ],
)
def test_an_exact_half_fen_rounds_up(wage, birth_date, scheme, field, exact, rounded):
    # given: the exact product ends in a half fen whose fen digit is even, so half-even would round down
    assert D(exact).quantize(D("0.01"), rounding=ROUND_HALF_EVEN) != D(rounded)

    # when
    line = line_of(compute(wage, birth_date=birth_date).lines, scheme)

    # then
    assert getattr(line, field) == D(rounded)


def test_each_line_is_rounded_on_its_own_and_the_totals_add_the_rounded_lines():
    # given: 5000.02 × 29.3% = 1465.00586, but each employer line rounds down (900.0036, 400.0016, ...)
    result = compute("5000.02")

    # then
    assert [line.employer for line in result.lines] == [
        D("900.00"),
        D("400.00"),
        D("100.00"),
        D("40.00"),
        D("25.00"),
    ]
    assert result.employer_total == D("1465.00")


def test_the_medical_personal_account_never_takes_more_than_was_paid():
    # given: a share equal to the whole medical rate; 1000.60 × 0.005 = 5.003 rounds down twice, while
    # 1000.60 × 0.01 = 10.006 would round up
    table = custom_table(medical=("0.005", "0.005"), share="0.01")

    # when
    medical = line_of(compute("1000.60", table=table).lines, "medical")

    # then
    assert (medical.employer, medical.employee) == (D("5.00"), D("5.00"))
    assert (medical.personal_account, medical.pool) == (D("10.00"), D("0.00"))


# The balance, by property

wages = st.decimals(min_value=0, max_value=200_000, places=3, allow_nan=False, allow_infinity=False)
birth_dates = st.dates(min_value=date(1940, 1, 1), max_value=date(2007, 12, 31))
periods = st.builds(date, st.integers(2008, 2030), st.integers(1, 12), st.just(1))
rates = st.decimals(min_value=0, max_value=D("0.3"), places=4)


def assert_balanced(result: ContributionResult, table: RateTable) -> None:
    assert [line.scheme for line in result.lines] == list(SCHEMES)
    assert table.floor <= result.base <= table.ceiling
    for line in result.lines:
        assert line.pool + line.personal_account == line.employer + line.employee, line
        for amount in (line.employer, line.employee, line.pool, line.personal_account):
            assert amount.as_tuple().exponent == -2, line
            assert amount >= 0, line
    assert result.employer_total == sum((line.employer for line in result.lines), D(0))
    assert result.employee_total == sum((line.employee for line in result.lines), D(0))


@given(wage=wages, birth_date=birth_dates, period_start=periods)
def test_every_scheme_balances_with_the_default_table(wage, birth_date, period_start):
    result = compute_contributions(wage=wage, birth_date=birth_date, period_start=period_start, table=TABLE)

    assert_balanced(result, TABLE)


@given(
    wage=wages,
    medical_employer=rates,
    medical_employee=rates,
    share_part=st.decimals(min_value=0, max_value=1, places=3),
)
def test_every_scheme_balances_with_any_medical_rates(wage, medical_employer, medical_employee, share_part):
    # given: a personal share anywhere from 0 to the whole medical rate
    share = (medical_employer + medical_employee) * share_part
    table = custom_table(medical=(str(medical_employer), str(medical_employee)), share=str(share))

    # when
    result = compute_contributions(wage=wage, birth_date=YOUNG, period_start=MARCH_2025, table=table)

    # then
    assert_balanced(result, table)


# Adjustment lines


def test_adjustment_lines_are_the_differences_per_scheme():
    # when
    adjustments = adjustment_lines(compute("5000"), compute("6000"))

    # then: (scheme, employer, employee, pool, personal account)
    assert [
        (line.scheme, line.employer, line.employee, line.pool, line.personal_account) for line in adjustments
    ] == [
        ("pension", D("180.00"), D("80.00"), D("180.00"), D("80.00")),
        ("medical", D("80.00"), D("20.00"), D("60.00"), D("40.00")),
        ("unemployment", D("20.00"), D("10.00"), D("30.00"), D("0.00")),
        ("maternity", D("8.00"), D("0.00"), D("8.00"), D("0.00")),
        ("work_injury", D("5.00"), D("0.00"), D("5.00"), D("0.00")),
    ]
    assert (adjustments[0].employer_rate, adjustments[0].employee_rate) == (D("0.18"), D("0.08"))


def test_adjustment_lines_are_negative_when_the_wage_is_corrected_down():
    adjustments = adjustment_lines(compute("6000"), compute("5000"))

    assert line_of(adjustments, "pension").employer == D("-180.00")


def test_adjustment_lines_leave_out_schemes_that_did_not_change():
    # given: 10 fen more moves the pension and medical lines only (5000.10 × 0.01 = 50.001 → 50.00)
    adjustments = adjustment_lines(compute("5000"), compute("5000.10"))

    # then
    assert [line.scheme for line in adjustments] == ["pension", "medical"]


def test_a_corrected_birth_date_moves_money_between_medical_pool_and_account_only():
    # given: the resident turned 35 on the first day of the period, not the day after
    previous = compute("5000", birth_date=date(1990, 3, 2))
    corrected = compute("5000", birth_date=date(1990, 3, 1))

    # when
    adjustments = adjustment_lines(previous, corrected)

    # then
    assert [
        (line.scheme, line.employer, line.employee, line.pool, line.personal_account) for line in adjustments
    ] == [("medical", D("0.00"), D("0.00"), D("-25.00"), D("25.00"))]


@pytest.mark.parametrize(("previous", "corrected"), [("5000", "5000"), ("30000", "40000"), ("0", "4000")])
def test_no_adjustment_when_nothing_changes(previous, corrected):
    assert adjustment_lines(compute(previous), compute(corrected)) == ()


@given(previous=wages, corrected=wages, birth_date=birth_dates)
def test_previous_plus_adjustments_equals_corrected(previous, corrected, birth_date):
    # given
    before = compute_contributions(wage=previous, birth_date=birth_date, period_start=MARCH_2025, table=TABLE)
    after = compute_contributions(wage=corrected, birth_date=birth_date, period_start=MARCH_2025, table=TABLE)

    # when
    adjustments = {line.scheme: line for line in adjustment_lines(before, after)}

    # then
    for old, new in zip(before.lines, after.lines, strict=True):
        adjustment = adjustments.get(old.scheme)
        for field in ("employer", "employee", "pool", "personal_account"):
            change = getattr(adjustment, field) if adjustment else D(0)
            assert getattr(old, field) + change == getattr(new, field)
        if adjustment:
            assert adjustment.pool + adjustment.personal_account == adjustment.employer + adjustment.employee


def test_adjustment_lines_refuse_results_of_different_periods():
    with pytest.raises(ValueError, match="Cannot adjust the period"):
        adjustment_lines(compute("5000"), compute("5000", period_start=date(2025, 4, 1)))


def test_adjustment_lines_refuse_results_of_different_schemes():
    corrected = compute("6000")
    partial = ContributionResult(
        period_start=corrected.period_start,
        base=corrected.base,
        lines=corrected.lines[:2],
        employer_total=D("0.00"),
        employee_total=D("0.00"),
    )

    with pytest.raises(ValueError, match="same schemes"):
        adjustment_lines(compute("5000"), partial)


# The rate table and bad input


def test_the_table_puts_schemes_and_bands_in_canonical_order():
    # given
    table = RateTable(
        schemes=tuple(reversed(TABLE.schemes)),
        medical_bands=tuple(reversed(TABLE.medical_bands)),
        floor=TABLE.floor,
        ceiling=TABLE.ceiling,
    )

    # then
    assert table == TABLE
    assert [line.scheme for line in compute("5000", table=table).lines] == list(SCHEMES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wage": D("-1")}, "negative"),
        ({"period_start": date(2025, 3, 2)}, "1st of a month"),
        ({"period_start": date(2025, 3, 31)}, "1st of a month"),
        ({"birth_date": date(2025, 3, 2)}, "before the birth date"),
    ],
)
def test_compute_contributions_refuses_bad_input(kwargs, message):
    arguments = {"wage": D("5000"), "birth_date": YOUNG, "period_start": MARCH_2025, "table": TABLE} | kwargs

    with pytest.raises(ValueError, match=message):
        compute_contributions(**arguments)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((), "empty"),
        ((AgeBand(0, 34, D("0.04")), AgeBand(36, None, D("0.05"))), "35–35 are not covered"),
        ((AgeBand(0, 34, D("0.04")), AgeBand(34, None, D("0.05"))), "overlaps the band before"),
        ((AgeBand(0, None, D("0.04")), AgeBand(40, None, D("0.05"))), "overlaps a band without upper bound"),
        ((AgeBand(18, None, D("0.04")),), "0–17 are not covered"),
        ((AgeBand(0, 34, D("0.04")), AgeBand(35, 64, D("0.05"))), "from 65 up are not covered"),
    ],
)
def test_bands_with_a_gap_or_an_overlap_are_refused(bands, message):
    with pytest.raises(ValueError, match=message):
        medical_personal_share(40, bands)
    with pytest.raises(ValueError, match=message):
        RateTable(schemes=TABLE.schemes, medical_bands=bands, floor=TABLE.floor, ceiling=TABLE.ceiling)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((-1, 10, D("0.04")), "below 0"),
        ((40, 39, D("0.04")), "ends before it starts"),
        ((0, None, D("-0.01")), "negative"),
    ],
)
def test_a_bad_age_band_is_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        AgeBand(*arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("dental", D("0.01"), D("0.01")), "Unknown scheme"),
        (("pension", D("-0.01"), D("0.08")), "employer rate"),
        (("pension", D("0.18"), D("1.01")), "employee rate"),
    ],
)
def test_a_bad_scheme_rate_is_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        SchemeRate(*arguments)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schemes": TABLE.schemes[:4]}, "exactly once"),
        ({"schemes": (*TABLE.schemes, TABLE.schemes[0])}, "exactly once"),
        ({"floor": D("25000")}, "between 0 and the ceiling"),
        ({"floor": D("-1")}, "between 0 and the ceiling"),
        ({"medical_bands": (AgeBand(0, None, D("0.11")),)}, "exceeds the whole medical rate"),
    ],
)
def test_a_bad_rate_table_is_refused(changes, message):
    arguments = {
        "schemes": TABLE.schemes,
        "medical_bands": TABLE.medical_bands,
        "floor": TABLE.floor,
        "ceiling": TABLE.ceiling,
    } | changes

    with pytest.raises(ValueError, match=message):
        RateTable(**arguments)


def test_default_table_refuses_a_negative_average_wage():
    with pytest.raises(ValueError, match="negative"):
        default_rate_table(D("-1"))
