"""Social-insurance contribution arithmetic: a pure core on plain data (no Django, no I/O).

Money is ``Decimal`` in yuan. The contribution base is the monthly wage held between the table's floor and
ceiling; every amount is base × rate rounded to the fen (0.01) half-up, line by line, and every line
balances: pool + personal account == employer + employee, to the fen.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

PENSION = "pension"
MEDICAL = "medical"
UNEMPLOYMENT = "unemployment"
MATERNITY = "maternity"
WORK_INJURY = "work_injury"
SCHEMES: tuple[str, ...] = (PENSION, MEDICAL, UNEMPLOYMENT, MATERNITY, WORK_INJURY)


def _to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class SchemeRate:
    """The employer's and the employee's rate of one scheme, as fractions of the base (0.18 = 18%)."""

    scheme: str
    employer_rate: Decimal
    employee_rate: Decimal

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"Unknown scheme {self.scheme!r}; expected one of {', '.join(SCHEMES)}.")
        for name, rate in (("employer", self.employer_rate), ("employee", self.employee_rate)):
            if not Decimal(0) <= rate <= Decimal(1):
                raise ValueError(f"The {name} rate of {self.scheme} must lie between 0 and 1, not {rate}.")


@dataclass(frozen=True, slots=True)
class AgeBand:
    """Share of the base paid into the personal medical account for ages min_age..max_age (inclusive).

    ``max_age`` None means no upper bound.
    """

    min_age: int
    max_age: int | None
    personal_share: Decimal

    def __post_init__(self) -> None:
        if self.min_age < 0:
            raise ValueError(f"An age band cannot start below 0 (got {self.min_age}).")
        if self.max_age is not None and self.max_age < self.min_age:
            raise ValueError(f"The age band {self.min_age}–{self.max_age} ends before it starts.")
        if self.personal_share < 0:
            raise ValueError(f"The personal share of a band cannot be negative (got {self.personal_share}).")

    def holds(self, age: int) -> bool:
        """An age belongs to the band when it lies between its bounds, both included."""
        return self.min_age <= age and (self.max_age is None or age <= self.max_age)


def _check_bands(bands: tuple[AgeBand, ...]) -> tuple[AgeBand, ...]:
    """Return the bands sorted by age; they must cover every age from 0 up, without gap or overlap."""
    if not bands:
        raise ValueError("The medical age bands are empty: every age needs a personal-account share.")
    ordered = tuple(sorted(bands, key=lambda band: band.min_age))
    next_age: int | None = 0
    for band in ordered:
        if next_age is None:
            raise ValueError(f"The age band starting at {band.min_age} overlaps a band without upper bound.")
        if band.min_age < next_age:
            raise ValueError(f"The age band starting at {band.min_age} overlaps the band before it.")
        if band.min_age > next_age:
            raise ValueError(f"Ages {next_age}–{band.min_age - 1} are not covered by any age band (a gap).")
        next_age = None if band.max_age is None else band.max_age + 1
    if next_age is not None:
        raise ValueError(
            f"Ages from {next_age} up are not covered by any age band: the last band needs no max."
        )
    return ordered


@dataclass(frozen=True, slots=True)
class RateTable:
    """One effective rate table: the five schemes' rates, the medical age bands, the floor and the ceiling.

    On construction the schemes are put in the canonical order of ``SCHEMES`` and the bands in age order.
    """

    schemes: tuple[SchemeRate, ...]
    medical_bands: tuple[AgeBand, ...]
    floor: Decimal
    ceiling: Decimal

    def __post_init__(self) -> None:
        names = sorted(rate.scheme for rate in self.schemes)
        if names != sorted(SCHEMES):
            raise ValueError(f"A rate table needs each of {', '.join(SCHEMES)} exactly once, got {names}.")
        if not Decimal(0) <= self.floor <= self.ceiling:
            raise ValueError(f"The floor ({self.floor}) must lie between 0 and the ceiling ({self.ceiling}).")
        bands = _check_bands(self.medical_bands)
        schemes = tuple(sorted(self.schemes, key=lambda rate: SCHEMES.index(rate.scheme)))
        medical = schemes[SCHEMES.index(MEDICAL)]
        medical_total = medical.employer_rate + medical.employee_rate
        for band in bands:
            if band.personal_share > medical_total:
                raise ValueError(
                    f"The personal share {band.personal_share} of ages from {band.min_age} exceeds "
                    f"the whole medical rate {medical_total}."
                )
        object.__setattr__(self, "schemes", schemes)
        object.__setattr__(self, "medical_bands", bands)


@dataclass(frozen=True, slots=True)
class ContributionLine:
    """One scheme's contribution for one period: who pays what, and where it goes."""

    scheme: str
    employer: Decimal
    employee: Decimal
    pool: Decimal
    personal_account: Decimal
    employer_rate: Decimal
    employee_rate: Decimal


@dataclass(frozen=True, slots=True)
class ContributionResult:
    """The contributions of one insured person for the month starting on ``period_start``."""

    period_start: date
    base: Decimal
    lines: tuple[ContributionLine, ...]
    employer_total: Decimal
    employee_total: Decimal


def contribution_base(wage: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    """The base is the wage held between the floor and the ceiling, rounded to the fen half-up."""
    if wage < 0:
        raise ValueError(f"A wage cannot be negative (got {wage}).")
    if floor > ceiling:
        raise ValueError(f"The floor ({floor}) is above the ceiling ({ceiling}).")
    return _to_fen(min(max(wage, floor), ceiling))


def age_on(birth_date: date, day: date) -> int:
    """Age in full years on ``day``; someone born on 29 February turns a year older on 1 March in
    non-leap years (and on 29 February in leap years)."""
    if day < birth_date:
        raise ValueError(f"The day {day} is before the birth date {birth_date}.")
    # Comparing (month, day) pairs places 29 February after 28 February, so in a non-leap year the
    # birthday is reached only on 1 March.
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _share_for_age(age: int, bands: tuple[AgeBand, ...]) -> Decimal:
    for band in bands:
        if band.holds(age):
            return band.personal_share
    raise ValueError(f"No age band holds the age {age}.")


def medical_personal_share(age: int, bands: tuple[AgeBand, ...]) -> Decimal:
    """The personal medical account's share of the base is that of the band holding the age."""
    if age < 0:
        raise ValueError(f"An age cannot be negative (got {age}).")
    return _share_for_age(age, _check_bands(bands))


def _line(rate: SchemeRate, base: Decimal, medical_share: Decimal) -> ContributionLine:
    employer = _to_fen(base * rate.employer_rate)
    employee = _to_fen(base * rate.employee_rate)
    if rate.scheme == PENSION:
        pool, personal = employer, employee
    elif rate.scheme == MEDICAL:
        # Rounded separately, base × share could pass employer + employee by a fen when the share is the
        # whole medical rate; the personal account never takes more than was paid.
        personal = min(_to_fen(base * medical_share), employer + employee)
        pool = employer + employee - personal
    else:
        pool, personal = employer + employee, ZERO
    return ContributionLine(
        scheme=rate.scheme,
        employer=employer,
        employee=employee,
        pool=pool,
        personal_account=personal,
        employer_rate=rate.employer_rate,
        employee_rate=rate.employee_rate,
    )


def compute_contributions(
    *, wage: Decimal, birth_date: date, period_start: date, table: RateTable
) -> ContributionResult:
    """Each scheme's line is base × rate rounded to the fen, split between pool and personal account by
    the scheme's rule, with the medical share taken by age on the first day of the period."""
    if period_start.day != 1:
        raise ValueError(f"A period starts on the 1st of a month, not on {period_start}.")
    base = contribution_base(wage, table.floor, table.ceiling)
    medical_share = _share_for_age(age_on(birth_date, period_start), table.medical_bands)
    lines = tuple(_line(rate, base, medical_share) for rate in table.schemes)
    return ContributionResult(
        period_start=period_start,
        base=base,
        lines=lines,
        employer_total=sum((line.employer for line in lines), ZERO),
        employee_total=sum((line.employee for line in lines), ZERO),
    )


def adjustment_lines(
    previous: ContributionResult, corrected: ContributionResult
) -> tuple[ContributionLine, ...]:
    """A correction never edits old lines: per scheme it adds a line of the differences (corrected −
    previous), at the corrected rates, leaving out schemes where nothing changed."""
    if previous.period_start != corrected.period_start:
        raise ValueError(
            f"Cannot adjust the period {previous.period_start} with a result for {corrected.period_start}."
        )
    before = {line.scheme: line for line in previous.lines}
    if before.keys() != {line.scheme for line in corrected.lines}:
        raise ValueError("The previous and the corrected results do not cover the same schemes.")
    adjustments = []
    for line in corrected.lines:
        old = before[line.scheme]
        adjustment = ContributionLine(
            scheme=line.scheme,
            employer=line.employer - old.employer,
            employee=line.employee - old.employee,
            pool=line.pool - old.pool,
            personal_account=line.personal_account - old.personal_account,
            employer_rate=line.employer_rate,
            employee_rate=line.employee_rate,
        )
        if adjustment.employer or adjustment.employee or adjustment.pool or adjustment.personal_account:
            adjustments.append(adjustment)
    return tuple(adjustments)


def default_rate_table(average_wage: Decimal = Decimal("8000")) -> RateTable:
    """The defaults of the domain: pension 18%/8%, medical 8%/2%, unemployment 2%/1%, maternity 0.8%,
    work injury 0.5%, base between 60% and 300% of the average wage, medical personal share by age."""
    if average_wage < 0:
        raise ValueError(f"The average wage cannot be negative (got {average_wage}).")
    return RateTable(
        schemes=(
            SchemeRate(PENSION, Decimal("0.18"), Decimal("0.08")),
            SchemeRate(MEDICAL, Decimal("0.08"), Decimal("0.02")),
            SchemeRate(UNEMPLOYMENT, Decimal("0.02"), Decimal("0.01")),
            SchemeRate(MATERNITY, Decimal("0.008"), Decimal("0")),
            SchemeRate(WORK_INJURY, Decimal("0.005"), Decimal("0")),
        ),
        medical_bands=(
            AgeBand(0, 34, Decimal("0.040")),
            AgeBand(35, 44, Decimal("0.045")),
            AgeBand(45, 54, Decimal("0.055")),
            AgeBand(55, None, Decimal("0.065")),
        ),
        floor=_to_fen(average_wage * Decimal("0.60")),
        ceiling=_to_fen(average_wage * Decimal("3")),
    )


def base_limits(
    average_wage: Decimal, floor_ratio: Decimal, ceiling_ratio: Decimal
) -> tuple[Decimal, Decimal]:
    """The floor and the ceiling of the base: shares of the city's average monthly wage, to the fen."""
    if average_wage < 0:
        raise ValueError(f"The average wage cannot be negative (got {average_wage}).")
    if not Decimal(0) <= floor_ratio <= ceiling_ratio:
        raise ValueError(f"The floor ratio ({floor_ratio}) must lie between 0 and the ceiling ratio.")
    return _to_fen(average_wage * floor_ratio), _to_fen(average_wage * ceiling_ratio)


def check_bands(bands: tuple[AgeBand, ...]) -> tuple[AgeBand, ...]:
    """The bands in age order; ValueError when they leave an age uncovered or overlap."""
    return _check_bands(tuple(bands))


def result_from_lines(
    period_start: date, base: Decimal, lines: tuple[ContributionLine, ...]
) -> ContributionResult:
    """What has been charged for a period so far, as one result: the stored lines summed per scheme
    (a regular line plus its adjustments), at the rates of the last line of each scheme."""
    by_scheme: dict[str, ContributionLine] = {}
    for line in lines:
        old = by_scheme.get(line.scheme)
        if old is None:
            by_scheme[line.scheme] = line
            continue
        by_scheme[line.scheme] = ContributionLine(
            scheme=line.scheme,
            employer=old.employer + line.employer,
            employee=old.employee + line.employee,
            pool=old.pool + line.pool,
            personal_account=old.personal_account + line.personal_account,
            employer_rate=line.employer_rate,
            employee_rate=line.employee_rate,
        )
    ordered = tuple(by_scheme[scheme] for scheme in SCHEMES if scheme in by_scheme)
    return ContributionResult(
        period_start=period_start,
        base=base,
        lines=ordered,
        employer_total=sum((line.employer for line in ordered), ZERO),
        employee_total=sum((line.employee for line in ordered), ZERO),
    )


def reversal_lines(previous: ContributionResult) -> tuple[ContributionLine, ...]:
    """When nothing is due any more for a period (the cover ended before it), each scheme gets a line
    taking back what was charged; schemes with nothing charged get none."""
    return tuple(
        ContributionLine(
            scheme=line.scheme,
            employer=-line.employer,
            employee=-line.employee,
            pool=-line.pool,
            personal_account=-line.personal_account,
            employer_rate=line.employer_rate,
            employee_rate=line.employee_rate,
        )
        for line in previous.lines
        if line.employer or line.employee or line.pool or line.personal_account
    )


# Periods are months, held as the date of their first day and written YYYY-MM.


def parse_period(text: str) -> date:
    """``"2026-10"`` → 1 October 2026; ValueError for anything else."""
    text = (text or "").strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or not (1 <= len(parts[1]) <= 2):
        raise ValueError(f"A period is written YYYY-MM, not {text!r}.")
    if not (parts[0].isdigit() and parts[1].isdigit()):
        raise ValueError(f"A period is written YYYY-MM, not {text!r}.")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(f"There is no month {text!r}.")
    return date(year, month, 1)


def format_period(period: date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def period_of(day: date) -> date:
    """The period (month) a day falls in."""
    return day.replace(day=1)


def next_period(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def previous_period(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def period_last_day(period: date) -> date:
    return date.fromordinal(next_period(period).toordinal() - 1)


def covers(start_date: date, end_date: date | None, period: date) -> bool:
    """An enrolment owes a month when it is in force on the month's last day: a change of employer in
    the middle of a month leaves that month to the new employer, never to both or to neither."""
    last_day = period_last_day(period)
    return start_date <= last_day and (end_date is None or end_date >= last_day)


def rate_table_to_dict(table: RateTable) -> dict:
    """The table as plain JSON-ready data (amounts and rates as strings), to be kept with a run."""
    return {
        "schemes": [
            {"scheme": r.scheme, "employer_rate": str(r.employer_rate), "employee_rate": str(r.employee_rate)}
            for r in table.schemes
        ],
        "medical_bands": [
            {"min_age": b.min_age, "max_age": b.max_age, "personal_share": str(b.personal_share)}
            for b in table.medical_bands
        ],
        "floor": str(table.floor),
        "ceiling": str(table.ceiling),
    }


def rate_table_from_dict(data: dict) -> RateTable:
    return RateTable(
        schemes=tuple(
            SchemeRate(r["scheme"], Decimal(r["employer_rate"]), Decimal(r["employee_rate"]))
            for r in data["schemes"]
        ),
        medical_bands=tuple(
            AgeBand(b["min_age"], b["max_age"], Decimal(b["personal_share"])) for b in data["medical_bands"]
        ),
        floor=Decimal(data["floor"]),
        ceiling=Decimal(data["ceiling"]),
    )


def contribution_key(*, wage: Decimal, birth_date: date, period_start: date, table: RateTable) -> tuple:
    """The two facts a person's result depends on under one table: the base and the medical personal
    share. Two people with the same key owe the same amounts, so a run may compute each key once."""
    base = contribution_base(wage, table.floor, table.ceiling)
    return base, _share_for_age(age_on(birth_date, period_start), table.medical_bands)
