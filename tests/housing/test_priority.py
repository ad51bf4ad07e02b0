from datetime import date

import pytest

from housing.priority import PointsTable, expected_wait_months, full_years, priority_points

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (date(2020, 6, 1), TODAY, 6),
        (date(2020, 6, 2), TODAY, 5),
        (date(2024, 2, 29), date(2025, 2, 28), 0),
        (date(2024, 2, 29), date(2025, 3, 1), 1),
        (TODAY, date(2026, 5, 1), 0),
    ],
)
def test_full_years_counts_only_completed_years(start, end, years):
    assert full_years(start, end) == years


@pytest.mark.parametrize(
    ("housing", "arrival", "partners", "children", "expected", "rules"),
    [
        ("adequate", TODAY, (), (), 0, []),
        ("shed", TODAY, (), (), 30, ["temporary_shed"]),
        ("overcrowded", TODAY, (), (), 20, ["overcrowded"]),
        ("adequate", date(2022, 5, 31), (), (), 8, ["years_in_kunshan"]),
        ("adequate", date(2001, 1, 1), (), (), 20, ["years_in_kunshan"]),
        ("adequate", TODAY, (7,), (), 15, ["partner_employer"]),
        ("adequate", TODAY, (), (date(2019, 9, 1),), 10, ["school_age_children"]),
        ("adequate", TODAY, (), (date(2022, 1, 1), date(2005, 1, 1)), 0, []),
        ("shed", date(2016, 1, 1), (3, 4), (date(2014, 1, 1), date(2016, 1, 1)), 75, None),
    ],
    ids=[
        "nothing",
        "temporary shed",
        "overcrowded",
        "two points a full year",
        "years capped at 20",
        "partner employer",
        "a school-age child",
        "children too young or too old",
        "everything together",
    ],
)
def test_priority_points_follow_the_table(housing, arrival, partners, children, expected, rules):
    points, lines = priority_points(
        PointsTable(),
        current_housing=housing,
        arrival_date=arrival,
        today=TODAY,
        partner_compounds=partners,
        children_birth_dates=children,
    )

    assert points == expected == sum(line["points"] for line in lines)
    if rules is not None:
        assert [line["rule"] for line in lines] == rules


def test_priority_points_use_the_table_given():
    table = PointsTable(temporary_shed=50, per_year=5, years_cap=10)

    points, lines = priority_points(table, current_housing="shed", arrival_date=date(2020, 1, 1), today=TODAY)

    assert points == 60
    assert lines[1] == {"rule": "years_in_kunshan", "points": 10, "years": 6}


@pytest.mark.parametrize(
    ("ahead", "free_now", "vacated", "months"),
    [
        (0, 1, 0, 0),
        (4, 5, 0, 0),
        (5, 5, 12, 1),
        (29, 0, 60, 6),
        (10, 0, 0, None),
    ],
)
def test_expected_wait_spreads_the_queue_over_last_years_move_outs(ahead, free_now, vacated, months):
    assert expected_wait_months(ahead=ahead, free_now=free_now, vacated_per_year=vacated) == months
