"""Social insurance: rate tables (effective-dated data), enrolments and wages, payrolls, monthly runs and
the contribution lines they write, and the ledger totals kept beside them."""

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateRangeField, RangeOperators
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Func, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from insurance import contributions
from kunshan_portal.models import LifecycleModel, TimeStampedModel
from residents.models import Employer, Resident

MONEY = {"max_digits": 12, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 5}  # a fraction of the base: 0.18000 is 18%


class Scheme(models.TextChoices):
    PENSION = contributions.PENSION, _("pension")
    MEDICAL = contributions.MEDICAL, _("medical")
    UNEMPLOYMENT = contributions.UNEMPLOYMENT, _("unemployment")
    MATERNITY = contributions.MATERNITY, _("maternity")
    WORK_INJURY = contributions.WORK_INJURY, _("work injury")


def _first_of_month(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__day": 1}), name=name)


# --- Rate tables: data an insurance caseworker edits, each row in force from its date -------------------


@pghistory.track()
class SchemeRate(TimeStampedModel):
    """The employer's and the employee's rate of one scheme from ``valid_from`` until the next row."""

    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    valid_from = models.DateField(_("valid from"))
    employer_rate = models.DecimalField(_("employer rate"), **RATE, help_text=_("0.18 means 18%"))
    employee_rate = models.DecimalField(_("employee rate"), **RATE, help_text=_("0.08 means 8%"))

    class Meta:
        ordering = ["scheme", "-valid_from"]
        verbose_name = _("scheme rate")
        verbose_name_plural = _("scheme rates")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "valid_from"], name="scheme_rate_once_per_date"),
            models.CheckConstraint(
                condition=Q(
                    employer_rate__gte=0, employer_rate__lte=1, employee_rate__gte=0, employee_rate__lte=1
                ),
                name="scheme_rate_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} ({self.valid_from:%Y-%m-%d})"


@pghistory.track()
class MedicalShareTable(TimeStampedModel):
    """The medical personal-account shares by age band, in force from ``valid_from`` until the next table."""

    valid_from = models.DateField(_("valid from"), unique=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("medical personal-account table")
        verbose_name_plural = _("medical personal-account tables")

    def __str__(self) -> str:
        return str(_("Medical shares from %(date)s") % {"date": f"{self.valid_from:%Y-%m-%d}"})


@pghistory.track()
class MedicalAgeBand(models.Model):
    """Share of the base paid into the personal medical account for ages min_age..max_age (inclusive)."""

    table = models.ForeignKey(MedicalShareTable, on_delete=models.CASCADE, related_name="bands")
    min_age = models.PositiveSmallIntegerField(_("from age"))
    max_age = models.PositiveSmallIntegerField(
        _("to age"), null=True, blank=True, help_text=_("empty: no limit")
    )
    personal_share = models.DecimalField(
        _("personal share"), **RATE, help_text=_("0.04 means 4% of the base")
    )

    class Meta:
        ordering = ["table", "min_age"]
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")
        constraints = [
            models.UniqueConstraint(fields=["table", "min_age"], name="medical_band_once_per_age"),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")), name="medical_band_ordered"
            ),
            models.CheckConstraint(
                condition=Q(personal_share__gte=0, personal_share__lte=1), name="medical_band_share_0_1"
            ),
        ]

    def __str__(self) -> str:
        upper = "" if self.max_age is None else self.max_age
        return f"{self.min_age}–{upper}: {self.personal_share}"


@pghistory.track()
class AverageWage(TimeStampedModel):
    """The city's average monthly wage of a year; the base's floor and ceiling are shares of it. A year
    without its own figure uses the latest year before it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    average_wage = models.DecimalField(_("average monthly wage"), **MONEY)
    floor_ratio = models.DecimalField(
        _("floor (share of the average)"), max_digits=5, decimal_places=4, default="0.6000"
    )
    ceiling_ratio = models.DecimalField(
        _("ceiling (share of the average)"), max_digits=5, decimal_places=4, default="3.0000"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("average wage")
        verbose_name_plural = _("average wages")
        constraints = [
            models.CheckConstraint(
                condition=Q(average_wage__gt=0, floor_ratio__gte=0, ceiling_ratio__gte=F("floor_ratio")),
                name="average_wage_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.average_wage}"

    @property
    def limits(self) -> tuple:
        return contributions.base_limits(self.average_wage, self.floor_ratio, self.ceiling_ratio)


# --- Enrolments ------------------------------------------------------------------------------------------


def may_manage_enrolment(instance, user) -> bool:
    """Insurance caseworkers, and the accounts of the enrolment's employer."""
    return (
        user.has_perm("insurance.change_enrolment") or instance.employer.accounts.filter(pk=user.pk).exists()
    )


@pghistory.track()
class Enrolment(LifecycleModel):
    """A resident insured by an employer under all five schemes, from a start date until an end date.

    Each month is owed by the enrolment in force on the month's last day; the database refuses two
    enrolments of one resident that overlap, so a resident never has two active enrolments in a scheme.
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("active")  # contributions are due every month from the start date
        ENDED = "ended", _("ended")  # an end date is set: nothing is due for the months after it

    state = FSMField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE, protected=True,
                     db_index=True)  # fmt: skip
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="insurance_enrolments", verbose_name=_("resident")
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="insurance_enrolments", verbose_name=_("employer"),
        db_index=False,
    )  # fmt: skip
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        indexes = [models.Index(fields=["employer", "state"], name="enrolment_employer_state_idx")]
        constraints = [
            # No btree_gist needed: the resident id as a one-point range, overlapping only itself.
            ExclusionConstraint(
                name="enrolment_no_overlap",
                expressions=[
                    (
                        Func(
                            F("resident"),
                            F("resident"),
                            Value("[]"),
                            function="int8range",
                            output_field=BigIntegerRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(
                            F("start_date"),
                            F("end_date"),
                            Value("[]"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="enrolment_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(state="active", end_date__isnull=True) | Q(state="ended", end_date__isnull=False),
                name="enrolment_ended_has_end_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.employer}"

    def get_absolute_url(self) -> str:
        return reverse("insurance:me")

    def lifecycle_recipient(self):
        return self.resident.user

    def lifecycle_title(self):
        return _("social-insurance enrolment")

    def covers(self, period) -> bool:
        return contributions.covers(self.start_date, self.end_date, period)

    @transition(field=state, source=State.ACTIVE, target=State.ENDED, permission=may_manage_enrolment)
    def end(self, end_date):
        self.end_date = end_date


@pghistory.track()
class EnrolmentWage(TimeStampedModel):
    """The monthly wage of an enrolment from a month on (the base when no payroll gives that month's)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="wages", db_index=False)
    valid_from = models.DateField(_("from the month of"))
    wage = models.DecimalField(_("monthly wage"), **MONEY)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["enrolment", "-valid_from"]
        verbose_name = _("wage")
        verbose_name_plural = _("wages")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "valid_from"], name="enrolment_wage_once_per_month"),
            _first_of_month("valid_from", "enrolment_wage_from_first_day"),
            models.CheckConstraint(condition=Q(wage__gte=0), name="enrolment_wage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.wage} ({contributions.format_period(self.valid_from)})"


# --- Payroll ---------------------------------------------------------------------------------------------


class PayrollUpload(models.Model):
    """One payroll file an employer sent in; every row of it was valid (a bad file writes nothing)."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="payroll_uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    changed = models.PositiveIntegerField(_("rows that changed a wage"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payroll upload")
        verbose_name_plural = _("payroll uploads")

    def __str__(self) -> str:
        return self.file_name


@pghistory.track()
class PayrollEntry(TimeStampedModel):
    """The wage an employer declared for one employee and one month (the latest upload wins)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="payroll_entries", db_index=False
    )
    period = models.DateField(_("period"))
    wage = models.DecimalField(_("wage"), **MONEY)
    upload = models.ForeignKey(PayrollUpload, on_delete=models.PROTECT, related_name="entries")

    class Meta:
        ordering = ["-period", "enrolment"]
        verbose_name = _("payroll entry")
        verbose_name_plural = _("payroll entries")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "period"], name="payroll_entry_once_per_month"),
            _first_of_month("period", "payroll_period_first_day"),
            models.CheckConstraint(condition=Q(wage__gte=0), name="payroll_wage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{contributions.format_period(self.period)}: {self.wage}"


# --- Monthly runs and their lines ------------------------------------------------------------------------


@pghistory.track()
class ContributionRun(TimeStampedModel):
    """The computation of one month for every enrolment owing it, fanned out in chunks of enrolment ids.

    The rate table is fixed when the run is first created and kept here: later rate changes never touch
    a computed month. Running the month again re-plans the chunks and completes what is missing.
    """

    period = models.DateField(_("period"), unique=True)
    rates = models.JSONField(_("rate table used"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    passes = models.PositiveSmallIntegerField(_("times started"), default=1)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("contribution run")
        verbose_name_plural = _("contribution runs")
        constraints = [_first_of_month("period", "run_period_first_day")]

    def __str__(self) -> str:
        return contributions.format_period(self.period)

    @property
    def period_label(self) -> str:
        return contributions.format_period(self.period)

    @property
    def rate_table(self) -> contributions.RateTable:
        return contributions.rate_table_from_dict(self.rates)


class ContributionRunChunk(models.Model):
    """One slice of a run: the enrolments with ids from ``first_id`` to ``last_id``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")  # queued, or being computed
        DONE = "done", _("done")  # its lines are written
        FAILED = "failed", _("failed")  # gave up after its retries; running the month again retries it

    run = models.ForeignKey(ContributionRun, on_delete=models.CASCADE, related_name="chunks")
    first_id = models.BigIntegerField(_("first enrolment id"))
    last_id = models.BigIntegerField(_("last enrolment id"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lines_written = models.PositiveIntegerField(_("lines written"), default=0)
    error = models.TextField(_("last error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["run", "first_id"]
        verbose_name = _("run chunk")
        verbose_name_plural = _("run chunks")
        constraints = [
            models.UniqueConstraint(fields=["run", "first_id"], name="run_chunk_once"),
            models.CheckConstraint(condition=Q(last_id__gte=F("first_id")), name="run_chunk_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}–{self.last_id}"


class ContributionLine(models.Model):
    """One scheme's contribution for one enrolment and month, with the rates it used.

    Revision 0 is the month's regular line, written once by the run; a correction adds an adjustment
    line with the next revision, carrying the differences. Lines are never edited.
    """

    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular")  # the month's line, written once by the run
        ADJUSTMENT = "adjustment", _("adjustment")  # a correction: the difference, never an edit

    class Cause(models.TextChoices):
        RUN = "", _("monthly run")  # the regular line
        PAYROLL = "payroll", _("payroll correction")  # the payroll gave another wage for a computed month
        WAGE = "wage", _("wage change")  # the enrolment's wage changed from a computed month on
        ENROLMENT = "enrolment", _("late enrolment")  # enrolled from a month that was already computed
        END = "end", _("enrolment ended")  # ended before a computed month: what was charged is taken back

    # A foreign-key check locks the parent row for every line: the month's run row alone would be locked
    # millions of times by concurrent workers. The run and the resident follow from the enrolment and are
    # written only by the services, so only the enrolment is checked by the database.
    run = models.ForeignKey(
        ContributionRun, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="lines", db_index=False)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    period = models.DateField(_("period"))
    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices, blank=True)
    wage = models.DecimalField(_("wage"), **MONEY)
    base = models.DecimalField(_("base"), **MONEY)
    employer_amount = models.DecimalField(_("employer"), **MONEY)
    employee_amount = models.DecimalField(_("employee"), **MONEY)
    pool = models.DecimalField(_("pool"), **MONEY)
    personal_account = models.DecimalField(_("personal account"), **MONEY)
    employer_rate = models.DecimalField(_("employer rate"), **RATE)
    employee_rate = models.DecimalField(_("employee rate"), **RATE)
    medical_share = models.DecimalField(_("medical personal share"), **RATE, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-period", "enrolment", "revision", "scheme"]
        verbose_name = _("contribution line")
        verbose_name_plural = _("contribution lines")
        constraints = [
            # The run writes with INSERT … ON CONFLICT DO NOTHING on this key: no line is ever doubled.
            models.UniqueConstraint(
                fields=["enrolment", "period", "scheme", "revision"], name="contribution_line_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="regular", revision=0) | Q(kind="adjustment", revision__gt=0),
                name="contribution_line_kind_revision",
            ),
            models.CheckConstraint(
                condition=Q(pool=F("employer_amount") + F("employee_amount") - F("personal_account")),
                name="contribution_line_balances",
            ),
            _first_of_month("period", "contribution_line_period_first_day"),
        ]
        # Lines arrive month after month, so a block-range index finds a month's lines at almost no cost
        # to the writes (the run's close totals them; the admin filters by month).
        indexes = [BrinIndex(fields=["period"], name="contribution_line_period_brin")]

    def __str__(self) -> str:
        return f"{contributions.format_period(self.period)} {self.scheme} #{self.revision}"

    @property
    def period_label(self) -> str:
        return contributions.format_period(self.period)


class ContributionTotal(models.Model):
    """Totals of the lines per employer, month and scheme (regular and adjustments): built from the lines
    when a month's run closes, then kept up to date by each correction in the same transaction as its
    lines. The ledger and the employer's statement read these, not the millions of lines."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+", db_index=False)
    period = models.DateField(_("period"))
    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    employer_amount = models.DecimalField(_("employer"), **MONEY)
    employee_amount = models.DecimalField(_("employee"), **MONEY)
    pool = models.DecimalField(_("pool"), **MONEY)
    personal_account = models.DecimalField(_("personal account"), **MONEY)
    lines = models.PositiveIntegerField(_("lines"))

    class Meta:
        ordering = ["-period", "employer", "scheme"]
        verbose_name = _("contribution total")
        verbose_name_plural = _("contribution totals")
        constraints = [
            models.UniqueConstraint(fields=["employer", "period", "scheme"], name="contribution_total_once"),
        ]
        indexes = [models.Index(fields=["period", "scheme"], name="contribution_total_period_idx")]

    def __str__(self) -> str:
        return f"{contributions.format_period(self.period)} {self.scheme}"


class EnrolmentInArrears(Enrolment):
    """The admin's list of enrolments owing a month for which their employer sent no payroll."""

    class Meta:
        proxy = True
        verbose_name = _("arrears")
        verbose_name_plural = _("arrears")
