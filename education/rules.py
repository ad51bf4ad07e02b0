"""The admission rules as plain functions (no Django): a school's priority over children, the reason a
child did not reach a school's cut-off, and the age that fits each grade.

Priority facts of a child at a school, compared criterion by criterion in the policy's order (default
below): living in the school's catchment first, then a sibling already at the school, then more months
of the parent's social-insurance contributions in Kunshan, then the lower lottery number. The lottery is
always last and unique per child, so the order is strict and any result can be re-derived.
"""

from dataclasses import dataclass
from datetime import date
from operator import itemgetter

CATCHMENT = "catchment"
SIBLING = "sibling"
MONTHS = "months"
LOTTERY = "lottery"
DEFAULT_ORDER: tuple[str, ...] = (CATCHMENT, SIBLING, MONTHS, LOTTERY)


@dataclass(frozen=True)
class PriorityFacts:
    """What a school knows of a child when it ranks it."""

    catchment: bool  # the parent lives in the school's town or zone
    sibling: bool  # a brother or sister is already enrolled at the school
    months: int  # the parent's months of social-insurance contributions in Kunshan
    lottery: int  # drawn once per child; lower goes first


def parse_order(text: str) -> tuple[str, ...]:
    """The criteria named in a comma-separated order; every criterion once, the lottery last."""
    order = tuple(part.strip() for part in (text or "").split(",") if part.strip())
    if sorted(order) != sorted(DEFAULT_ORDER):
        raise ValueError(f"The priority order must name each of {', '.join(DEFAULT_ORDER)} exactly once.")
    if order[-1] != LOTTERY:
        raise ValueError("The lottery must come last: it is what makes the order strict.")
    return order


def _value(facts: PriorityFacts, criterion: str) -> int:
    """One criterion as a number, the lower the better."""
    if criterion == CATCHMENT:
        return 0 if facts.catchment else 1
    if criterion == SIBLING:
        return 0 if facts.sibling else 1
    if criterion == MONTHS:
        return -facts.months
    return facts.lottery


def priority_key(facts: PriorityFacts, order: tuple[str, ...] = DEFAULT_ORDER) -> tuple[int, ...]:
    """Sort key of a child at a school: the lower, the earlier the child is served."""
    return tuple(_value(facts, criterion) for criterion in order)


def key_function(order: tuple[str, ...] = DEFAULT_ORDER):
    """A fast ``priority_key`` for many children: f(catchment, sibling, months, lottery) -> sort key."""
    pick = itemgetter(*(DEFAULT_ORDER.index(criterion) for criterion in order))

    def key(catchment: bool, sibling: bool, months: int, lottery: int) -> tuple[int, ...]:
        return pick((0 if catchment else 1, 0 if sibling else 1, -months, lottery))

    return key


def deciding_criterion(
    child: PriorityFacts, last_admitted: PriorityFacts, order: tuple[str, ...] = DEFAULT_ORDER
) -> str | None:
    """The first criterion on which the child comes after the last child a full school admitted, i.e. why
    the child did not get in; None when the child does not come after it (it would have got in)."""
    for criterion in order:
        mine, theirs = _value(child, criterion), _value(last_admitted, criterion)
        if mine != theirs:
            return criterion if mine > theirs else None
    return None


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on a day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class AgeRule:
    """Grade 1 takes children who are `entry_age` by the cut-off day (31 August) of the school year's
    first calendar year; each grade above, one year more. Children up to `max_years_over` years older
    than that are accepted too (late starters, children who repeated a year)."""

    entry_age: int = 6
    cutoff_month: int = 8
    cutoff_day: int = 31
    max_years_over: int = 2

    def cutoff(self, school_year: int) -> date:
        return date(school_year, self.cutoff_month, self.cutoff_day)

    def expected_age(self, grade: int) -> int:
        return self.entry_age + grade - 1

    def check(self, *, birth_date: date, grade: int, school_year: int) -> str | None:
        """None when the age fits the grade; "young" or "old" otherwise."""
        age = age_on(birth_date, self.cutoff(school_year))
        expected = self.expected_age(grade)
        if age < expected:
            return "young"
        if age > expected + self.max_years_over:
            return "old"
        return None
