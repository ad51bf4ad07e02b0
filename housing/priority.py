"""Priority points and the expected wait: plain arithmetic on plain data (no Django), from the rules table.

The service reads the rules effective today into a `PointsTable`, gathers the applicant's facts and calls
`priority_points`; the breakdown it returns is stored with the application and shown to the applicant.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

TEMPORARY_SHED = "shed"
OVERCROWDED = "overcrowded"


@dataclass(frozen=True, slots=True)
class PointsTable:
    temporary_shed: int = 30
    overcrowded: int = 20
    per_year: int = 2
    years_cap: int = 20
    partner_employer: int = 15
    school_age_children: int = 10
    school_age_from: int = 6
    school_age_to: int = 15


def full_years(start: date, end: date) -> int:
    """Whole years from `start` to `end` (0 when `end` is before the first anniversary, or before `start`)."""
    if end < start:
        return 0
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def priority_points(
    table: PointsTable,
    *,
    current_housing: str,
    arrival_date: date,
    today: date,
    partner_compounds: Sequence = (),
    children_birth_dates: Sequence[date] = (),
) -> tuple[int, list[dict]]:
    """The applicant's points and one line per rule that gave any (rule, points and its facts).

    Housing: a temporary shed or overcrowded home (one of them). Years: `per_year` for each full year since
    arrival, at most `years_cap`. Partner: once, when the employer partners any of `partner_compounds`
    (the chosen compounds it partners). Children: once, when any child's age today is within school age.
    """
    lines: list[dict] = []
    if current_housing == TEMPORARY_SHED and table.temporary_shed:
        lines.append({"rule": "temporary_shed", "points": table.temporary_shed})
    elif current_housing == OVERCROWDED and table.overcrowded:
        lines.append({"rule": "overcrowded", "points": table.overcrowded})
    years = full_years(arrival_date, today)
    year_points = min(years * table.per_year, table.years_cap)
    if year_points > 0:
        lines.append({"rule": "years_in_kunshan", "points": year_points, "years": years})
    if partner_compounds and table.partner_employer:
        lines.append(
            {
                "rule": "partner_employer",
                "points": table.partner_employer,
                "compounds": list(partner_compounds),
            }
        )
    school_age = [
        born
        for born in children_birth_dates
        if table.school_age_from <= full_years(born, today) <= table.school_age_to
    ]
    if school_age and table.school_age_children:
        lines.append(
            {"rule": "school_age_children", "points": table.school_age_children, "children": len(school_age)}
        )
    return sum(line["points"] for line in lines), lines


def expected_wait_months(*, ahead: int, free_now: int, vacated_per_year: int) -> int | None:
    """Months until an applicant with `ahead` applicants before them for a kind of place is likely served.

    `free_now` places go in the next round; after that places come free at the rate of the last year's
    move-outs (`vacated_per_year`). 0 means the next round; None means no estimate (nothing came free in a
    year and the free places do not reach the applicant). It is an upper bound: some applicants ahead
    will be housed by a choice they ranked higher.
    """
    needed = ahead + 1 - free_now
    if needed <= 0:
        return 0
    if vacated_per_year <= 0:
        return None
    return math.ceil(12 * needed / vacated_per_year)
