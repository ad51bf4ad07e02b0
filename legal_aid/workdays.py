"""The Chinese working calendar and working-day arithmetic: plain Python, no Django.

China's calendar is not "Monday to Friday minus holidays": around the long holidays the State Council
moves working days onto weekends (调休), so a Sunday can be a working day and a Tuesday a day off. A
``WorkCalendar`` holds both kinds of exception; ``china_calendar`` builds one from the ``holidays``
package (public holidays, the days off given in exchange, and the weekend days made working days),
with corrections that beat the package (the administrators' table, for a year the package does not know
yet or gets wrong).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays


@dataclass(frozen=True)
class WorkCalendar:
    days_off: frozenset[date] = field(default_factory=frozenset)  # holidays and exchanged days off
    working_days: frozenset[date] = field(default_factory=frozenset)  # weekend days made working days

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> date:
    """The n-th working day after ``start`` (``start`` itself never counts; n = 0 gives ``start``).

    A case submitted on Friday with n = 3 is due on Wednesday; submitted on a Saturday, also Wednesday.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day, left, one = start, n, timedelta(days=1)
    working, off = calendar.working_days, calendar.days_off
    while left:
        day += one
        if day in working or (day not in off and day.weekday() < 5):  # is_working_day, inlined: hot loop
            left -= 1
    return day


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def next_working_day(day: date, calendar: WorkCalendar) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=16)
def _package_calendar(years: tuple[int, ...]) -> WorkCalendar:
    china = holidays.China(years=years)
    return WorkCalendar(days_off=frozenset(china), working_days=frozenset(china.weekend_workdays))


def china_calendar(
    years: Iterable[int],
    *,
    extra_working_days: Iterable[date] = (),
    extra_days_off: Iterable[date] = (),
) -> WorkCalendar:
    """China's official calendar for the given years, with corrections that take precedence."""
    base = _package_calendar(tuple(sorted(set(years))))
    working, off = frozenset(extra_working_days), frozenset(extra_days_off)
    return WorkCalendar(
        days_off=(base.days_off - working) | off,
        working_days=(base.working_days - off) | working,
    )
