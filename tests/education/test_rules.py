from datetime import date

import pytest

from education.rules import (
    DEFAULT_ORDER,
    AgeRule,
    PriorityFacts,
    age_on,
    deciding_criterion,
    parse_order,
    priority_key,
)


def facts(catchment=False, sibling=False, months=0, lottery=500):
    return PriorityFacts(catchment=catchment, sibling=sibling, months=months, lottery=lottery)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        (facts(catchment=True, lottery=900), facts(sibling=True, months=120, lottery=1)),
        (facts(sibling=True, lottery=900), facts(months=120, lottery=1)),
        (facts(months=13, lottery=900), facts(months=12, lottery=1)),
        (facts(lottery=1), facts(lottery=2)),
    ],
    ids=["catchment first", "then sibling", "then months", "then the lower lottery"],
)
def test_default_priority_order(better, worse):
    assert priority_key(better) < priority_key(worse)
    assert sorted([worse, better], key=priority_key) == [better, worse]


@pytest.mark.parametrize(
    ("child", "last", "expected"),
    [
        (facts(), facts(catchment=True), "catchment"),
        (facts(catchment=True), facts(catchment=True, sibling=True), "sibling"),
        (facts(months=11), facts(months=24), "months"),
        (facts(months=24, lottery=700), facts(months=24, lottery=600), "lottery"),
        (facts(months=30), facts(months=24), None),
        (facts(lottery=5), facts(lottery=5), None),
    ],
)
def test_deciding_criterion_names_the_first_criterion_that_puts_the_child_after(child, last, expected):
    assert deciding_criterion(child, last) == expected


def test_a_different_order_changes_what_decides():
    order = ("months", "catchment", "sibling", "lottery")
    child, last = facts(catchment=True, months=3), facts(catchment=False, months=24)
    assert deciding_criterion(child, last, DEFAULT_ORDER) is None
    assert deciding_criterion(child, last, order) == "months"


@pytest.mark.parametrize(
    "text",
    [
        "catchment,sibling,months",
        "catchment,sibling,lottery,months",
        "catchment,catchment,months,lottery",
        "",
    ],
)
def test_an_order_must_name_every_criterion_once_with_the_lottery_last(text):
    with pytest.raises(ValueError):
        parse_order(text)


def test_order_is_read_with_spaces():
    assert parse_order(" sibling, catchment ,months,lottery") == ("sibling", "catchment", "months", "lottery")


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [(date(2020, 8, 31), date(2026, 8, 31), 6), (date(2020, 9, 1), date(2026, 8, 31), 5),
     (date(2016, 2, 29), date(2026, 2, 28), 9)],
)  # fmt: skip
def test_age_on(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("birth", "grade", "verdict"),
    [
        (date(2020, 8, 31), 1, None),  # six on the last day: grade 1
        (date(2020, 9, 1), 1, "young"),  # six a day too late: next year
        (date(2018, 9, 1), 1, None),  # up to two years older is still fine
        (date(2017, 8, 31), 1, "old"),
        (date(2014, 8, 1), 4, "old"),  # twelve for grade 4: three years over
        (date(2015, 8, 1), 4, None),
        (date(2012, 9, 1), 9, "young"),
        (date(2012, 8, 31), 9, None),
    ],
)
def test_age_rule_for_the_2026_school_year(birth, grade, verdict):
    assert AgeRule().check(birth_date=birth, grade=grade, school_year=2026) == verdict
