"""Reads of social insurance: the rate table in force, enrolments, statements, the ledger and arrears."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from insurance import contributions
from insurance.contributions import (
    SCHEMES,
    AgeBand,
    RateTable,
    format_period,
    period_last_day,
    period_of,
    previous_period,
)
from insurance.models import (
    AverageWage,
    ContributionLine,
    ContributionRun,
    ContributionRunChunk,
    ContributionTotal,
    Enrolment,
    EnrolmentWage,
    MedicalShareTable,
    PayrollEntry,
    Scheme,
    SchemeRate,
)
from kunshan_portal.compiled import CompiledQuery
from kunshan_portal.errors import DomainError
from kunshan_portal.registry import ApplicationSummary

ZERO = Decimal("0.00")
PERSONAL_ACCOUNTS = (contributions.PENSION, contributions.MEDICAL)


# --- Periods and the rate table ---------------------------------------------------------------------


def current_period() -> date:
    return period_of(timezone.localdate())


def last_closed_period() -> date:
    """The month before this one: the latest month a run and a payroll can be complete for."""
    return previous_period(current_period())


def covering(period: date) -> Q:
    """Enrolments owing the month: in force on its last day (see contributions.covers)."""
    last_day = period_last_day(period)
    return Q(start_date__lte=last_day) & (Q(end_date__isnull=True) | Q(end_date__gte=last_day))


def rate_table_for_period(period: date) -> RateTable:
    """The pure rate table built from the rows in force on the period's first day."""
    missing = DomainError(
        _("No contribution rates are in force for %(period)s.") % {"period": format_period(period)},
        field="period",
    )
    # For each scheme, its row with the latest date on or before the period's first day.
    in_force = (
        SchemeRate.objects.filter(valid_from__lte=period).order_by("scheme", "-valid_from").distinct("scheme")
    )
    rates = {
        row.scheme: contributions.SchemeRate(row.scheme, row.employer_rate, row.employee_rate)
        for row in in_force
    }
    if set(rates) != set(SCHEMES):
        raise missing
    share_table = MedicalShareTable.objects.filter(valid_from__lte=period).order_by("-valid_from").first()
    wage = AverageWage.objects.filter(year__lte=period.year).order_by("-year").first()
    if share_table is None or wage is None:
        raise missing
    bands = tuple(AgeBand(b.min_age, b.max_age, b.personal_share) for b in share_table.bands.all())
    floor, ceiling = wage.limits
    try:
        return RateTable(schemes=tuple(rates.values()), medical_bands=bands, floor=floor, ceiling=ceiling)
    except ValueError as exc:
        raise DomainError(
            _("The rate table in force for %(period)s is inconsistent: %(error)s")
            % {"period": format_period(period), "error": exc},
            field="period",
        ) from exc


def contribution_preview(
    *, wage: Decimal, birth_date: date, period: date
) -> contributions.ContributionResult:
    """What a monthly wage owes in a month under the rates in force then (the public calculator)."""
    if birth_date > period:
        raise DomainError(_("The date of birth must be before the month to compute."), field="birth_date")
    table = rate_table_for_period(period)
    return contributions.compute_contributions(
        wage=wage, birth_date=birth_date, period_start=period, table=table
    )


# --- Enrolments -------------------------------------------------------------------------------------


def enrolments_with_current_wage(
    enrolments: QuerySet[Enrolment], on: date | None = None
) -> QuerySet[Enrolment]:
    """Each enrolment with ``current_wage``: its wage in force in the month of ``on`` (this month)."""
    on = on or current_period()
    wage = EnrolmentWage.objects.filter(enrolment=OuterRef("pk"), valid_from__lte=on).order_by("-valid_from")
    return enrolments.annotate(current_wage=Subquery(wage.values("wage")[:1]))


def enrolment_list_for_employer(*, employer, search: str = "", state: str = "") -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.filter(employer=employer).select_related("resident")
    if search:
        enrolments = enrolments.filter(
            Q(resident__name__icontains=search) | Q(resident__card_number__iexact=search)
        )
    if state:
        enrolments = enrolments.filter(state=state)
    return enrolments_with_current_wage(enrolments).order_by("-start_date", "-id")


def enrolment_for_employer(*, employer, pk: int) -> Enrolment | None:
    """One of the employer's enrolments, or None (another employer's is not theirs to see)."""
    return (
        enrolments_with_current_wage(Enrolment.objects.filter(employer=employer))
        .select_related("resident", "employer")
        .filter(pk=pk)
        .first()
    )


def enrolment_list_for_resident(resident) -> list[Enrolment]:
    enrolments = Enrolment.objects.filter(resident=resident).select_related("employer")
    return list(enrolments_with_current_wage(enrolments).order_by("-start_date", "-id"))


def enrolment_wages(enrolment: Enrolment) -> list[EnrolmentWage]:
    return list(enrolment.wages.order_by("-valid_from"))


_RESIDENT_ENROLMENTS = CompiledQuery(
    lambda resident_id: Enrolment.objects.filter(resident_id=resident_id).values_list(
        "state", "submitted_at", "start_date", "employer__name"
    )
)


def enrolment_summaries(resident) -> list[ApplicationSummary]:
    """The resident's enrolments as entries of their applications page."""
    states, url = Enrolment.choice_labels("state"), reverse("insurance:me")
    return [
        ApplicationSummary(
            kind=_("Social insurance enrolment"),
            title=_("%(employer)s, from %(start)s") % {"employer": employer, "start": f"{start:%Y-%m-%d}"},
            state=states.get(state, state),
            submitted_at=submitted_at,
            url=url,
        )
        for state, submitted_at, start, employer in _RESIDENT_ENROLMENTS.rows(resident.pk)
    ]


# --- Statements -------------------------------------------------------------------------------------


@dataclass
class PeriodStatement:
    period: date
    lines: list[ContributionLine] = field(default_factory=list)

    @property
    def label(self) -> str:
        return format_period(self.period)

    def total(self, attr: str) -> Decimal:
        return sum((getattr(line, attr) for line in self.lines), ZERO)

    @property
    def employer_total(self) -> Decimal:
        return self.total("employer_amount")

    @property
    def employee_total(self) -> Decimal:
        return self.total("employee_amount")

    @property
    def by_scheme(self) -> list[dict]:
        """One row per scheme, the regular line and its adjustments added up."""
        rows: dict[str, dict] = {}
        for line in self.lines:
            row = rows.setdefault(
                line.scheme,
                {"scheme": line.scheme, "label": line.get_scheme_display(), "adjusted": False, "base": line.base,
                 "employer": ZERO, "employee": ZERO, "pool": ZERO, "personal_account": ZERO},
            )  # fmt: skip
            row["employer"] += line.employer_amount
            row["employee"] += line.employee_amount
            row["pool"] += line.pool
            row["personal_account"] += line.personal_account
            if line.revision:
                row["adjusted"] = True
                row["base"] = line.base
        return [rows[scheme] for scheme in SCHEMES if scheme in rows]


def resident_periods(resident) -> list[date]:
    """The months with lines for the resident, newest first."""
    return list(
        ContributionLine.objects.filter(enrolment__resident=resident)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


def resident_statements(resident, periods: list[date]) -> list[PeriodStatement]:
    """The resident's lines of the given months, grouped by month (one query)."""
    statements = {period: PeriodStatement(period) for period in periods}
    lines = ContributionLine.objects.filter(
        enrolment__in=Enrolment.objects.filter(resident=resident), period__in=periods
    ).order_by("-period", "revision", "id")
    for line in lines:
        statements[line.period].lines.append(line)
    return [statements[period] for period in periods]


def resident_balances(resident) -> dict[str, Decimal]:
    """The personal accounts: everything paid into them so far (pension and medical)."""
    sums = (
        ContributionLine.objects.filter(
            enrolment__in=Enrolment.objects.filter(resident=resident), scheme__in=PERSONAL_ACCOUNTS
        )
        .values("scheme")
        .annotate(total=Sum("personal_account"))
    )
    balances = dict.fromkeys(PERSONAL_ACCOUNTS, ZERO)
    balances.update({row["scheme"]: row["total"] for row in sums})
    return balances


def contribution_months_by_resident(*, resident_ids, until: date) -> dict[int, int]:
    """Months with pension contributions paid for each resident, the months starting on or before
    ``until`` (a month whose charge was taken back does not count). For the school priorities."""
    ids = list(resident_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT resident_id, count(*) FROM (
                SELECT e.resident_id, l.period
                FROM insurance_enrolment e JOIN insurance_contributionline l ON l.enrolment_id = e.id
                WHERE e.resident_id = ANY(%s) AND l.scheme = 'pension' AND l.period <= %s
                GROUP BY e.resident_id, l.period HAVING sum(l.employer_amount) > 0) months
            GROUP BY resident_id""",
            [ids, until],
        )
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class Owed:
    period: date
    employer_amount: Decimal
    employee_amount: Decimal

    @property
    def label(self) -> str:
        return format_period(self.period)

    @property
    def total(self) -> Decimal:
        return self.employer_amount + self.employee_amount


def employer_owed(employer) -> list[Owed]:
    """What the employer owes per month: its own part and the part withheld from its employees' wages."""
    rows = (
        ContributionTotal.objects.filter(employer=employer)
        .values("period")
        .annotate(employer_amount=Sum("employer_amount"), employee_amount=Sum("employee_amount"))
        .order_by("-period")
    )
    return [Owed(row["period"], row["employer_amount"], row["employee_amount"]) for row in rows]


# --- Arrears ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrear:
    enrolment_id: int
    resident_name: str
    card_number: str
    period: date

    @property
    def label(self) -> str:
        return format_period(self.period)


# Each month from the enrolment's first to the earlier of ``until`` and its last (the month of the end
# date when that is the month's last day, else the month before: see contributions.covers).
ARREARS_FROM = """
FROM insurance_enrolment e
JOIN residents_resident r ON r.id = e.resident_id
CROSS JOIN LATERAL generate_series(
    date_trunc('month', e.start_date),
    LEAST(%(until)s::timestamp,
          COALESCE(date_trunc('month', e.end_date + 1) - interval '1 month', %(until)s::timestamp)),
    interval '1 month') AS months(period)
WHERE e.employer_id = %(employer)s
  AND NOT EXISTS (SELECT 1 FROM insurance_payrollentry p
                  WHERE p.enrolment_id = e.id AND p.period = months.period::date)
"""


def employer_arrears(employer, *, until: date | None = None) -> list[Arrear]:
    """Every past month an enrolment of the employer owed and no payroll row was sent for, newest first."""
    sql = "SELECT e.id, r.name, COALESCE(r.card_number, ''), months.period::date" + ARREARS_FROM
    with connection.cursor() as cursor:
        cursor.execute(
            sql + " ORDER BY months.period DESC, r.name, e.id",
            {"until": until or last_closed_period(), "employer": employer.pk},
        )
        return [Arrear(*row) for row in cursor.fetchall()]


def employer_arrears_count(employer, *, until: date | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*)" + ARREARS_FROM,
            {"until": until or last_closed_period(), "employer": employer.pk},
        )
        return cursor.fetchone()[0]


def in_arrears(enrolments: QuerySet[Enrolment], period: date) -> QuerySet[Enrolment]:
    """Those of the enrolments owing the month with no payroll row for it (the caseworker's list)."""
    return enrolments.filter(covering(period)).exclude(
        Exists(PayrollEntry.objects.filter(enrolment=OuterRef("pk"), period=period))
    )


# --- Ledger, runs, dashboard ------------------------------------------------------------------------


def ledger_totals(*, period: date | None = None) -> list[dict]:
    """Pool and personal-account totals per fund (scheme) and month, from the running totals."""
    totals = ContributionTotal.objects.all()
    if period is not None:
        totals = totals.filter(period=period)
    rows = (
        totals.values("period", "scheme")
        .annotate(
            employer_amount=Sum("employer_amount"),
            employee_amount=Sum("employee_amount"),
            pool=Sum("pool"),
            personal_account=Sum("personal_account"),
            lines=Sum("lines"),
        )
        .order_by("-period", "scheme")
    )
    order = {scheme: n for n, scheme in enumerate(SCHEMES)}
    return sorted(rows, key=lambda row: (-row["period"].toordinal(), order[row["scheme"]]))


def run_list() -> QuerySet[ContributionRun]:
    """Runs with their progress: chunks in all, done and failed."""
    return ContributionRun.objects.annotate(
        chunks_total=Count("chunks"),
        chunks_done=Count("chunks", filter=Q(chunks__status=ContributionRunChunk.Status.DONE)),
        chunks_failed=Count("chunks", filter=Q(chunks__status=ContributionRunChunk.Status.FAILED)),
        lines_written=Sum("chunks__lines_written"),
    )


def run_progress(run: ContributionRun) -> dict:
    return (
        run_list()
        .filter(pk=run.pk)
        .values("chunks_total", "chunks_done", "chunks_failed", "lines_written", "finished_at")[0]
    )


def enrolments_owing(period: date) -> int:
    return Enrolment.objects.filter(covering(period)).count()


def insurance_stats() -> tuple[str, list[tuple[str, object]]]:
    """The officials' section: insured residents now, and last month's contributions by fund."""
    period = last_closed_period()
    insured = Enrolment.objects.filter(covering(current_period())).values("resident").distinct().count()
    collected = {
        row["scheme"]: row["total"]
        for row in ContributionTotal.objects.filter(period=period)
        .values("scheme")
        .annotate(total=Sum("employer_amount") + Sum("employee_amount"))
    }
    label = format_period(period)
    rows: list[tuple[str, object]] = [(_("Insured residents"), insured)]
    for value, name in Scheme.choices:
        rows.append(
            (
                _("Contributions %(period)s, %(fund)s (yuan)") % {"period": label, "fund": name},
                collected.get(value, ZERO),
            )
        )
    return _("Social insurance"), rows


# --- Dashboard figures ---


def contribution_figures(*, since: date) -> list[dict]:
    """Contributions collected per month (from ``since``), fund and employer's town, from the running
    totals the monthly runs keep: one grouped query."""
    rows = (
        ContributionTotal.objects.filter(period__gte=since)
        .values("period", "employer__town__code", "scheme")
        .annotate(employer_amount=Sum("employer_amount"), employee_amount=Sum("employee_amount"))
        .order_by("period", "employer__town__code")
    )
    labels = dict(Scheme.choices)
    order = {scheme: n for n, scheme in enumerate(SCHEMES)}
    return sorted(
        (
            {
                "month": row["period"],
                "town": row["employer__town__code"],
                "key": row["scheme"],
                "label": labels.get(row["scheme"], row["scheme"]),
                "employer_amount": row["employer_amount"] or ZERO,
                "employee_amount": row["employee_amount"] or ZERO,
                "collected": (row["employer_amount"] or ZERO) + (row["employee_amount"] or ZERO),
            }
            for row in rows
        ),
        key=lambda row: (row["month"], row["town"] or "", order.get(row["key"], 99)),
    )


ENROLMENT_MONTHS_SQL = """
SELECT date_trunc('month', {moment})::date AS month, t.code, count(*)
FROM insurance_enrolment e
JOIN residents_resident r ON r.id = e.resident_id
JOIN residents_town t ON t.id = r.town_id
WHERE {moment} IS NOT NULL
GROUP BY 1, 2
"""


def insured_figures(*, since: date) -> list[dict]:
    """Residents insured at each month's end (an enrolment in force on its last day, as the monthly run
    counts them), by town of residence: starts and ends counted once each and summed up month by month,
    so the cost does not grow with the number of months."""
    changes: dict[str, dict[date, int]] = {}
    with connection.cursor() as cursor:
        # in force on day D: started on or before D, and not ended before D (ended on the day before
        # D + 1, i.e. from the month of end_date + 1 day on)
        for moment, sign in (("e.start_date", 1), ("(e.end_date + 1)", -1)):
            cursor.execute(ENROLMENT_MONTHS_SQL.format(moment=moment))
            for month, town, n in cursor.fetchall():
                by_month = changes.setdefault(town, {})
                by_month[month] = by_month.get(month, 0) + sign * n
    last = timezone.localdate().replace(day=1)
    rows = []
    for town, by_month in sorted(changes.items()):
        insured, month = 0, min(by_month)
        while month <= last:
            insured += by_month.get(month, 0)
            if month >= since and insured:
                rows.append({"month": month, "town": town, "insured": insured})
            month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return rows


def dashboard_domain():
    """The social-insurance page of the officials' dashboards."""
    from django.utils.translation import gettext_lazy

    from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardHeadline, DashboardTable

    money = (
        DashboardColumn("collected", gettext_lazy("Collected (yuan)"), kind="money"),
        DashboardColumn("employer_amount", gettext_lazy("Employers' part (yuan)"), kind="money"),
        DashboardColumn("employee_amount", gettext_lazy("Employees' part (yuan)"), kind="money"),
    )
    return DashboardDomain(
        key="insurance",
        title=gettext_lazy("Social insurance"),
        order=40,
        tables=(
            DashboardTable(
                key="insured", title=gettext_lazy("Insured residents by month"),
                columns=(DashboardColumn("insured", gettext_lazy("Insured residents"), agg="last"),),
                rows=insured_figures, chart="line",
                caption=gettext_lazy("Residents with an enrolment in force on the month's last day."),
            ),
            DashboardTable(
                key="insured-by-town", title=gettext_lazy("Insured residents by town or zone"),
                columns=(DashboardColumn("insured", gettext_lazy("Insured residents"), agg="last"),),
                breakdown="town", source="insured",
                caption=gettext_lazy("At the end of the period, by town of residence."),
            ),
            DashboardTable(
                key="contributions", title=gettext_lazy("Contributions collected by month"), columns=money,
                rows=contribution_figures, chart="bar",
                caption=gettext_lazy("Contributions computed by the monthly runs, all funds."),
            ),
            DashboardTable(
                key="contributions-by-fund", title=gettext_lazy("Contributions by fund"), columns=money,
                breakdown="key", source="contributions", key_label=gettext_lazy("Fund"), chart="share",
                caption=gettext_lazy("Contributions in the period, by fund."),
            ),
            DashboardTable(
                key="contributions-by-town", title=gettext_lazy("Contributions by town or zone"), columns=money,
                breakdown="town", source="contributions",
                caption=gettext_lazy("Contributions in the period, by the employer's town."),
            ),
        ),
        headlines=(
            DashboardHeadline(gettext_lazy("Insured residents"), "insured", "insured"),
            DashboardHeadline(gettext_lazy("Contributions collected (yuan)"), "contributions", "collected"),
        ),
    )  # fmt: skip
