"""Every write of social insurance: enrolments and wages, payroll uploads, the monthly run and corrections.

The monthly run is planned once per month (``contribution_run_plan``) into chunks of enrolment ids, each
computed by ``contribution_chunk_compute`` (on a Celery worker, or in this process). A chunk writes its
lines with INSERT … ON CONFLICT DO NOTHING on (enrolment, period, scheme, revision), so running a chunk
twice, two runs at once, or a rerun after workers died never doubles a line and completes the missing.

A change after a month was computed (a payroll wage, a wage change, a late enrolment, an end date) is
*settled*: the month's stored lines are compared with what is due now and the difference is written as
adjustment lines. Settling takes the month's advisory lock exclusively, chunks take it shared, so a
correction never slips between a chunk's read of the wages and its write.
"""

import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insurance import contributions
from insurance.contributions import (
    SCHEMES,
    ContributionResult,
    adjustment_lines,
    compute_contributions,
    contribution_key,
    format_period,
    next_period,
    parse_period,
    period_of,
    previous_period,
    rate_table_to_dict,
    result_from_lines,
    reversal_lines,
)
from insurance.models import (
    ContributionLine,
    ContributionRun,
    ContributionRunChunk,
    Enrolment,
    EnrolmentWage,
    PayrollEntry,
    PayrollUpload,
)
from insurance.payroll import PayrollFileError, read_payroll
from insurance.selectors import current_period, rate_table_for_period
from kunshan_portal.dashboard import dashboard_refresh_soon
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_transition
from kunshan_portal.models import User
from kunshan_portal.notices import notice_send
from residents.models import Employer, Resident
from residents.selectors import resident_by_id_number

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5_000
LOCK_NAMESPACE = 0x494E53  # "INS": advisory locks on insurance months, keyed by YYYYMM
MAX_WAGE = Decimal("1000000.00")
PAYROLL_MAX_BYTES = 10 * 1024 * 1024
FEN = Decimal("0.01")

NOT_YOURS = _("You may only act for employees of your own company.")


# --- Shared checks ----------------------------------------------------------------------------------


def _acts_for(actor: User, employer: Employer, permission: str) -> bool:
    return actor.has_perm(permission) or employer.accounts.filter(pk=actor.pk).exists()


def _wage(value, *, field: str = "wage", allow_zero: bool = False) -> Decimal:
    """A monthly wage in yuan: a number with at most two decimals, positive, below a million."""
    try:
        wage = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("Enter the wage as a number of yuan, such as 5200 or 5200.50."), field=field
        ) from None
    if not wage.is_finite():
        raise DomainError(_("Enter the wage as a number of yuan, such as 5200 or 5200.50."), field=field)
    if wage < 0 or (wage == 0 and not allow_zero):
        raise DomainError(_("The wage must be more than zero."), field=field)
    if wage != wage.quantize(FEN):
        raise DomainError(_("A wage has at most two decimals (fen)."), field=field)
    if wage >= MAX_WAGE:
        raise DomainError(
            _("A monthly wage of a million yuan or more cannot be right: please check it."), field=field
        )
    return wage.quantize(FEN)


def _lock_month(period: date, *, shared: bool) -> None:
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [LOCK_NAMESPACE, period.year * 100 + period.month])


def _lock_months_from(since: date) -> None:
    """Take every month from ``since`` to this one exclusively, oldest first, before any row lock.

    No chunk of those months runs until this transaction ends, so none reads a wage or an end date this
    transaction is changing; and since a chunk checks its lines' enrolments (row locks) only after taking
    its month, taking the months first here keeps the same order and no deadlock is possible. Months
    before the first run (or last month) need no lock: nothing computes them.
    """
    this_month = current_period()
    first_run = ContributionRun.objects.order_by("period").values_list("period", flat=True).first()
    month = max(period_of(since), min(first_run or this_month, previous_period(this_month)))
    while month <= this_month:
        _lock_month(month, shared=False)
        month = next_period(month)


def _tell_resident(resident: Resident, subject, body, params: dict) -> None:
    if resident.user_id:
        notice_send(
            recipient=resident.user, subject=subject, body=body, params=params, link=reverse("insurance:me")
        )


# --- What a month owes, read in bulk -------------------------------------------------------------------

# The month's wage: the payroll's when the employer sent one, else the enrolment's wage in force then.
WAGE_SQL = """COALESCE(
    (SELECT p.wage FROM insurance_payrollentry p WHERE p.enrolment_id = e.id AND p.period = %(period)s),
    (SELECT w.wage FROM insurance_enrolmentwage w WHERE w.enrolment_id = e.id AND w.valid_from <= %(period)s
     ORDER BY w.valid_from DESC LIMIT 1))"""
# In force on the month's last day (contributions.covers).
COVERS_SQL = "e.start_date <= %(last_day)s AND (e.end_date IS NULL OR e.end_date >= %(last_day)s)"


def _owing(period: date, where: str, params: dict) -> list[tuple]:
    """(enrolment id, resident id, birth date, wage) of the enrolments owing the month."""
    sql = f"""
        SELECT e.id, e.resident_id, r.birth_date, {WAGE_SQL}
        FROM insurance_enrolment e JOIN residents_resident r ON r.id = e.resident_id
        WHERE {where} AND {COVERS_SQL}
        ORDER BY e.id"""  # noqa: S608 - only this module's constants are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, {"period": period, "last_day": contributions.period_last_day(period), **params})
        return cursor.fetchall()


class _Results:
    """Results of one month under one table, computed once per (base, medical share)."""

    def __init__(self, period: date, table: contributions.RateTable):
        self.period, self.table, self.cache = period, table, {}

    def due(self, wage: Decimal, birth_date: date) -> tuple[ContributionResult, Decimal]:
        key = contribution_key(wage=wage, birth_date=birth_date, period_start=self.period, table=self.table)
        found = self.cache.get(key)
        if found is None:
            result = compute_contributions(
                wage=wage, birth_date=birth_date, period_start=self.period, table=self.table
            )
            found = self.cache[key] = (result, key[1])
        return found


def _totals_add(period: date, sums: dict[tuple[int, str], list]) -> None:
    """Add line amounts to the running totals per employer, month and scheme (in key order: no deadlock)."""
    if not sums:
        return
    rows, params = [], []
    for (employer_id, scheme), (employer, employee, pool, personal, count) in sorted(sums.items()):
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s)")
        params += [employer_id, period, scheme, employer, employee, pool, personal, count]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO insurance_contributiontotal
                    (employer_id, period, scheme, employer_amount, employee_amount, pool, personal_account, lines)
                VALUES {", ".join(rows)}
                ON CONFLICT (employer_id, period, scheme) DO UPDATE SET {TOTALS_ADD}""",  # noqa: S608
            params,
        )


TOTALS_ADD = """
    employer_amount = insurance_contributiontotal.employer_amount + EXCLUDED.employer_amount,
    employee_amount = insurance_contributiontotal.employee_amount + EXCLUDED.employee_amount,
    pool = insurance_contributiontotal.pool + EXCLUDED.pool,
    personal_account = insurance_contributiontotal.personal_account + EXCLUDED.personal_account,
    lines = insurance_contributiontotal.lines + EXCLUDED.lines"""


def _line(*, run, enrolment_id, resident_id, line, wage, base, share, revision, cause) -> ContributionLine:
    return ContributionLine(
        run=run,
        enrolment_id=enrolment_id,
        resident_id=resident_id,
        period=run.period,
        scheme=line.scheme,
        kind=ContributionLine.Kind.ADJUSTMENT if revision else ContributionLine.Kind.REGULAR,
        revision=revision,
        cause=cause,
        wage=wage,
        base=base,
        employer_amount=line.employer,
        employee_amount=line.employee,
        pool=line.pool,
        personal_account=line.personal_account,
        employer_rate=line.employer_rate,
        employee_rate=line.employee_rate,
        medical_share=share if line.scheme == contributions.MEDICAL else None,
    )


def _as_core(line: ContributionLine) -> contributions.ContributionLine:
    return contributions.ContributionLine(
        scheme=line.scheme,
        employer=line.employer_amount,
        employee=line.employee_amount,
        pool=line.pool,
        personal_account=line.personal_account,
        employer_rate=line.employer_rate,
        employee_rate=line.employee_rate,
    )


def _settle(*, run: ContributionRun, enrolment_ids: list[int], cause: str) -> int:
    """Bring the stored lines of these enrolments for the run's month to what is due now: the regular
    lines when there are none yet, else adjustment lines for the differences. Returns lines written.
    The caller holds the month (``_lock_months_from``); taking it again here costs nothing."""
    period = run.period
    _lock_month(period, shared=False)
    results = _Results(period, run.rate_table)
    owing = {row[0]: row for row in _owing(period, "e.id = ANY(%(ids)s)", {"ids": list(enrolment_ids)})}
    stored: dict[int, list[ContributionLine]] = defaultdict(list)
    for line in ContributionLine.objects.filter(enrolment_id__in=enrolment_ids, period=period).order_by(
        "revision", "id"
    ):
        stored[line.enrolment_id].append(line)
    employers = dict(Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "employer_id"))
    new_lines = []
    for enrolment_id in sorted(enrolment_ids):
        row, lines = owing.get(enrolment_id), stored.get(enrolment_id, [])
        if row is None and not lines:
            continue  # owes nothing for the month and was charged nothing
        due = share = None
        wage = base = Decimal("0.00")
        if row is not None and row[3] is not None:
            wage = row[3]
            due, share = results.due(wage, row[2])
            base = due.base
        if not lines:
            changes, revision = (due.lines if due else ()), 0
        else:
            previous = result_from_lines(period, lines[-1].base, tuple(_as_core(line) for line in lines))
            changes = adjustment_lines(previous, due) if due else reversal_lines(previous)
            revision = lines[-1].revision + 1
        resident_id = row[1] if row else lines[0].resident_id
        new_lines += [
            _line(run=run, enrolment_id=enrolment_id, resident_id=resident_id, line=line, wage=wage, base=base,
                  share=share, revision=revision, cause="" if revision == 0 else cause)
            for line in changes
        ]  # fmt: skip
    ContributionLine.objects.bulk_create(new_lines)
    sums: dict[tuple[int, str], list] = {}
    for line in new_lines:
        total = sums.setdefault((employers[line.enrolment_id], line.scheme), [Decimal(0)] * 4 + [0])
        total[0] += line.employer_amount
        total[1] += line.employee_amount
        total[2] += line.pool
        total[3] += line.personal_account
        total[4] += 1
    _totals_add(period, sums)
    return len(new_lines)


def _settle_computed(*, enrolment_ids: list[int], since: date, cause: str) -> int:
    """Settle every month from ``since`` that has a run (months not run yet are left to their run)."""
    return sum(
        _settle(run=run, enrolment_ids=enrolment_ids, cause=cause)
        for run in ContributionRun.objects.filter(period__gte=since).order_by("period")
    )


# --- Enrolments ----------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *, resident: Resident, employer: Employer, start_date: date, wage, actor: User
) -> Enrolment:
    """An employer (or an insurance caseworker) enrols a verified resident from a start date at a monthly
    wage; a resident has one enrolment at a time, and months already run are computed at once."""
    if not _acts_for(actor, employer, "insurance.add_enrolment"):
        raise DomainError(NOT_YOURS, code="forbidden")
    wage = _wage(wage)
    _lock_months_from(start_date)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if not resident.is_verified:
        raise DomainError(
            _("Only residents whose registration is verified can be enrolled in social insurance.")
        )
    if start_date < resident.birth_date:
        raise DomainError(
            _("The start date cannot be before the employee's date of birth."), field="start_date"
        )
    if start_date > timezone.localdate() + timedelta(days=366):
        raise DomainError(_("The start date cannot be more than a year ahead."), field="start_date")
    current = (
        Enrolment.objects.filter(resident=resident)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        .first()
    )
    if current is not None:
        raise DomainError(
            _(
                "This resident is already enrolled from %(start)s: that enrolment must end before a new one starts."
            )
            % {"start": f"{current.start_date:%Y-%m-%d}"}
        )
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                resident=resident, employer=employer, start_date=start_date, created_by=actor
            )
    except IntegrityError as exc:  # a concurrent enrolment of the same resident won
        raise DomainError(_("This resident was enrolled at the same moment by someone else.")) from exc
    EnrolmentWage.objects.create(
        enrolment=enrolment, valid_from=period_of(start_date), wage=wage, set_by=actor
    )
    _settle_computed(
        enrolment_ids=[enrolment.pk], since=period_of(start_date), cause=ContributionLine.Cause.ENROLMENT
    )
    _tell_resident(
        resident,
        _("Social insurance: you are enrolled"),
        _(
            "%(employer)s enrolled you in social insurance from %(start)s, at a monthly wage of %(wage)s yuan."
        ),
        {"employer": employer.name, "start": f"{start_date:%Y-%m-%d}", "wage": wage},
    )
    return enrolment


def _locked_enrolment(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("resident", "employer")
        .get(pk=enrolment.pk)
    )


@transaction.atomic
def enrolment_wage_change(*, enrolment: Enrolment, wage, valid_from: date, actor: User) -> EnrolmentWage:
    """The enrolment's wage changes from a month on; months already computed get adjustment lines."""
    valid_from = period_of(valid_from)
    _lock_months_from(valid_from)
    enrolment = _locked_enrolment(enrolment)
    if not _acts_for(actor, enrolment.employer, "insurance.change_enrolment"):
        raise DomainError(NOT_YOURS, code="forbidden")
    wage = _wage(wage)
    if valid_from < period_of(enrolment.start_date):
        raise DomainError(_("The new wage cannot apply before the enrolment starts."), field="period")
    if enrolment.end_date and valid_from > period_of(enrolment.end_date):
        raise DomainError(_("The new wage cannot apply after the enrolment ends."), field="period")
    row, _created = EnrolmentWage.objects.update_or_create(
        enrolment=enrolment, valid_from=valid_from, defaults={"wage": wage, "set_by": actor}
    )
    _settle_computed(enrolment_ids=[enrolment.pk], since=valid_from, cause=ContributionLine.Cause.WAGE)
    _tell_resident(
        enrolment.resident,
        _("Social insurance: your wage"),
        _("%(employer)s declared a monthly wage of %(wage)s yuan for you from %(period)s."),
        {"employer": enrolment.employer.name, "wage": wage, "period": format_period(valid_from)},
    )
    return row


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment, end_date: date, actor: User, note: str = "") -> Enrolment:
    """The enrolment ends on a date: nothing is due for the months after it, and what was charged for
    months it no longer owes is taken back by adjustment lines."""
    _lock_months_from(end_date)
    locked = _locked_enrolment(enrolment)
    if end_date < locked.start_date:
        raise DomainError(_("The end date cannot be before the start date."), field="end_date")
    ended = lifecycle_transition(
        obj=locked, transition="end", actor=actor, note=note, decision=True, extra_fields=("end_date",),
        end_date=end_date,
    )  # fmt: skip
    _settle_computed(enrolment_ids=[ended.pk], since=period_of(end_date), cause=ContributionLine.Cause.END)
    return ended


# --- Payroll ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayrollRowError:
    line: int
    message: str

    def __str__(self) -> str:
        return str(_("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message})


class PayrollFileRejected(DomainError):
    """A payroll file with bad rows: each is reported, nothing is written."""

    def __init__(self, errors: list[PayrollRowError]):
        super().__init__(
            _("The payroll was not saved: %(count)d row(s) need correcting.")
            % {"count": len({error.line for error in errors})},
            field="file",
        )
        self.errors = errors


FILE_ERRORS = {
    "extension": _("Upload a CSV (.csv) or Excel (.xlsx) file."),
    "encoding": _("The CSV file is in an unknown text encoding: save it as UTF-8."),
    "unreadable": _("The Excel file cannot be read: save it again as .xlsx."),
    "empty": _("The file has no payroll rows."),
    "too_many_rows": _("The file has too many rows: send at most 50,000 in one file."),
}


def _file_error(exc: PayrollFileError) -> DomainError:
    if exc.code == "columns":
        return DomainError(
            _("The first row must name the columns id_number, wage and period; missing: %(columns)s.")
            % {"columns": ", ".join(exc.missing)},
            field="file",
        )
    return DomainError(FILE_ERRORS[exc.code], field="file")


@transaction.atomic
def payroll_upload(*, employer: Employer, file_name: str, content: bytes, actor: User) -> PayrollUpload:
    """An employer's monthly payroll (identity number, wage, period per row): every bad row is reported
    by its line and nothing is written from a bad file; wages of months already computed are settled."""
    if not _acts_for(actor, employer, "insurance.add_payrollupload"):
        raise DomainError(NOT_YOURS, code="forbidden")
    if len(content) > PAYROLL_MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB: split it."), field="file")
    try:
        rows = read_payroll(file_name, content)
    except PayrollFileError as exc:
        raise _file_error(exc) from exc

    enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.objects.filter(employer=employer).order_by("start_date"):
        enrolments[enrolment.resident_id].append(enrolment)
    this_month = current_period()
    errors: list[PayrollRowError] = []
    accepted: dict[tuple[int, date], tuple[int, Decimal]] = {}  # (enrolment, period) -> (line, wage)
    for row in rows:
        problems = []
        resident = resident_by_id_number(row.id_number) if row.id_number else None
        if not row.id_number:
            problems.append(_("the identity number is missing."))
        elif resident is None:
            problems.append(
                _("no registered resident has the identity number %(number)s.") % {"number": row.id_number}
            )
        try:
            wage = _wage(row.wage, allow_zero=True)
        except DomainError as exc:
            problems.append(exc.message)
            wage = None
        try:
            period = parse_period(row.period)
        except ValueError:
            problems.append(
                _("the period “%(value)s” is not a month written YYYY-MM.") % {"value": row.period}
            )
            period = None
        if period is not None and period > this_month:
            problems.append(_("the period %(period)s has not begun.") % {"period": format_period(period)})
            period = None
        enrolment = None
        if resident is not None and period is not None:
            enrolment = next((e for e in enrolments.get(resident.pk, []) if e.covers(period)), None)
            if enrolment is None:
                problems.append(
                    _("%(name)s is not enrolled by your company for %(period)s.")
                    % {"name": resident.name, "period": format_period(period)}
                )
        if enrolment is not None and (enrolment.pk, period) in accepted:
            problems.append(
                _("this employee's %(period)s wage is already on line %(line)d.")
                % {"period": format_period(period), "line": accepted[(enrolment.pk, period)][0]}
            )
        if problems:
            errors += [PayrollRowError(row.line, str(problem)) for problem in problems]
        elif enrolment is not None and wage is not None:
            accepted[(enrolment.pk, period)] = (row.line, wage)
    if errors:
        raise PayrollFileRejected(errors)

    for month in sorted({period for _e, period in accepted}):
        _lock_month(month, shared=False)  # before the entries' row locks, as chunks do (no deadlock)
    upload = PayrollUpload.objects.create(
        employer=employer, uploaded_by=actor, file_name=file_name[:200], rows=len(rows)
    )
    existing = {
        (entry.enrolment_id, entry.period): entry
        for entry in PayrollEntry.objects.filter(
            enrolment__employer=employer, period__in={period for _e, period in accepted}
        )
    }
    new, changed, settle = [], [], defaultdict(list)
    for (enrolment_id, period), (_line_no, wage) in accepted.items():
        entry = existing.get((enrolment_id, period))
        if entry is None:
            new.append(PayrollEntry(enrolment_id=enrolment_id, period=period, wage=wage, upload=upload))
        elif entry.wage != wage:
            entry.wage, entry.upload, entry.updated_at = wage, upload, timezone.now()
            changed.append(entry)
        else:
            continue
        settle[period].append(enrolment_id)
    PayrollEntry.objects.bulk_create(new)
    PayrollEntry.objects.bulk_update(changed, ["wage", "upload", "updated_at"])
    upload.changed = len(new) + len(changed)
    upload.save(update_fields=["changed"])
    for run in ContributionRun.objects.filter(period__in=list(settle)).order_by("period"):
        _settle(run=run, enrolment_ids=settle[run.period], cause=ContributionLine.Cause.PAYROLL)
    return upload


# --- The monthly run -------------------------------------------------------------------------------------


def _chunk_ranges(period: date, size: int) -> list[tuple[int, int]]:
    sql = f"""
        SELECT min(id), max(id) FROM (
            SELECT e.id, (row_number() OVER (ORDER BY e.id) - 1) / %(size)s AS chunk
            FROM insurance_enrolment e WHERE {COVERS_SQL}) numbered
        GROUP BY chunk ORDER BY chunk"""  # noqa: S608 - only this module's constants are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, {"size": size, "last_day": contributions.period_last_day(period)})
        return [(first, last) for first, last in cursor.fetchall()]


@transaction.atomic
def contribution_run_plan(
    *, period: date, actor: User | None, chunk_size: int | None = None
) -> tuple[ContributionRun, list[tuple[int, int]]]:
    """Create the month's run with the rate table in force (or reopen it: a month keeps the rates it was
    first run with) and cut the enrolments owing the month into chunks of ids, all pending."""
    if period > current_period():
        raise DomainError(_("A month can only be run once it has begun."), field="period")
    run = ContributionRun.objects.select_for_update().filter(period=period).first()
    if run is None:
        rates = rate_table_to_dict(rate_table_for_period(period))
        try:
            with transaction.atomic():
                run = ContributionRun.objects.create(period=period, rates=rates, started_by=actor)
        except IntegrityError:  # created at the same moment by another run of the month
            run = ContributionRun.objects.select_for_update().get(period=period)
    else:
        run.passes += 1
        run.started_by = actor or run.started_by
    ranges = _chunk_ranges(period, chunk_size or CHUNK_SIZE)
    run.chunks.all().delete()
    ContributionRunChunk.objects.bulk_create(
        ContributionRunChunk(run=run, first_id=first, last_id=last) for first, last in ranges
    )
    run.finished_at = None
    run.save()
    if not ranges:
        _run_close(run)
    return run, ranges


def _dispatch(run_id: int, ranges: list[tuple[int, int]]) -> None:
    from insurance.tasks import contribution_chunk_task

    for first, last in ranges:
        contribution_chunk_task.delay(run_id, first, last)


@transaction.atomic
def contribution_run_start(*, period: date, actor: User | None) -> ContributionRun:
    """Run a month: plan it and queue one Celery task per chunk (ids only) once the plan is committed."""
    run, ranges = contribution_run_plan(period=period, actor=actor)
    transaction.on_commit(partial(_dispatch, run.pk, ranges))
    return run


def contribution_run_in_process(*, period: date, actor: User | None) -> ContributionRun:
    """Run a month here and now, chunk after chunk (for the command line and the demo, without workers)."""
    run, ranges = contribution_run_plan(period=period, actor=actor)
    for first, last in ranges:
        contribution_chunk_compute(run_id=run.pk, first_id=first, last_id=last)
    run.refresh_from_db()
    return run


CHUNK_COLUMNS = (
    "enrolment_id",
    "resident_id",
    "wage",
    "base",
    "share",
    *(f"{scheme}_{part}" for scheme in SCHEMES for part in ("er", "ee", "pool", "pa")),
)
CHUNK_TABLE_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS insurance_chunk ("
    + ", ".join(f"{c} {'bigint' if c.endswith('_id') else 'numeric'}" for c in CHUNK_COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)
LINES_OF_SCHEME = ",\n".join(
    f"({n}, '{scheme}', c.{scheme}_er, c.{scheme}_ee, c.{scheme}_pool, c.{scheme}_pa, "
    f"%({scheme}_er)s::numeric, %({scheme}_ee)s::numeric, {'c.share' if scheme == contributions.MEDICAL else 'NULL::numeric'})"
    for n, scheme in enumerate(SCHEMES)
)
# Sorted, so that two workers on the same chunk meet on its first line and never deadlock.
CHUNK_INSERT_SQL = f"""
INSERT INTO insurance_contributionline
    (run_id, enrolment_id, resident_id, period, scheme, kind, revision, cause, wage, base, employer_amount,
     employee_amount, pool, personal_account, employer_rate, employee_rate, medical_share, created_at)
SELECT %(run)s, c.enrolment_id, c.resident_id, %(period)s, s.scheme, 'regular', 0, '', c.wage, c.base,
       s.er, s.ee, s.pool, s.pa, s.er_rate, s.ee_rate, s.share, now()
FROM insurance_chunk c
CROSS JOIN LATERAL (VALUES {LINES_OF_SCHEME}) AS s(n, scheme, er, ee, pool, pa, er_rate, ee_rate, share)
ORDER BY c.enrolment_id, s.n
ON CONFLICT (enrolment_id, period, scheme, revision) DO NOTHING
"""  # noqa: S608 - only this module's constants are formatted in
# The month's totals per employer and scheme, from all its lines (the BRIN index on the period finds them).
TOTALS_SQL = """
INSERT INTO insurance_contributiontotal
    (employer_id, period, scheme, employer_amount, employee_amount, pool, personal_account, lines)
SELECT e.employer_id, l.period, l.scheme, sum(l.employer_amount), sum(l.employee_amount), sum(l.pool),
       sum(l.personal_account), count(*)
FROM insurance_contributionline l JOIN insurance_enrolment e ON e.id = l.enrolment_id
WHERE l.period = %(period)s
GROUP BY e.employer_id, l.period, l.scheme
"""
# Enrolments of the chunk that still lack their regular lines (a rerun only computes what is missing).
CHUNK_WHERE = """e.id BETWEEN %(first)s AND %(last)s AND NOT EXISTS (
    SELECT 1 FROM insurance_contributionline l
    WHERE l.enrolment_id = e.id AND l.period = %(period)s AND l.scheme = 'pension' AND l.revision = 0)"""


@transaction.atomic
def contribution_chunk_compute(*, run_id: int, first_id: int, last_id: int) -> int:
    """Compute the regular lines of the run's month for the enrolments with ids first_id..last_id that
    still lack them, and mark the chunk done; safe to repeat. Returns the lines written."""
    run = ContributionRun.objects.get(pk=run_id)
    period = run.period
    _lock_month(period, shared=True)
    results = _Results(period, run.rate_table)
    # The COPY text of each distinct result, made once (results live in the cache all chunk long).
    amounts: dict[int, str] = {}
    buffer = io.StringIO()
    for enrolment_id, resident_id, birth_date, wage in _owing(
        period, CHUNK_WHERE, {"first": first_id, "last": last_id}
    ):
        if wage is None:
            continue
        result, share = results.due(wage, birth_date)
        text = amounts.get(id(result))
        if text is None:
            cells = [result.base, share]
            for line in result.lines:
                cells += (line.employer, line.employee, line.pool, line.personal_account)
            text = amounts[id(result)] = "\t".join(map(str, cells))
        buffer.write(f"{enrolment_id}\t{resident_id}\t{wage}\t{text}\n")
    written = 0
    if buffer.tell():
        buffer.seek(0)
        rates = {}
        for rate in run.rate_table.schemes:
            rates[f"{rate.scheme}_er"], rates[f"{rate.scheme}_ee"] = rate.employer_rate, rate.employee_rate
        with connection.cursor() as cursor:
            cursor.execute(CHUNK_TABLE_SQL)
            cursor.cursor.copy_expert(f"COPY insurance_chunk ({', '.join(CHUNK_COLUMNS)}) FROM STDIN", buffer)
            cursor.execute(CHUNK_INSERT_SQL, {"run": run.pk, "period": period, **rates})
            written = cursor.rowcount
            cursor.execute("TRUNCATE insurance_chunk")
    # Lock the run row before the chunk row, in the order the planner takes them (no deadlock); it also
    # orders the chunks' last steps, so the last one to finish sees all the others done.
    locked = ContributionRun.objects.select_for_update().get(pk=run_id)
    now = timezone.now()
    ContributionRunChunk.objects.filter(run_id=run_id, first_id=first_id, last_id=last_id).update(
        status=ContributionRunChunk.Status.DONE,
        attempts=F("attempts") + 1,
        lines_written=F("lines_written") + written,
        error="",
        finished_at=now,
    )
    if (
        locked.finished_at is None
        and not locked.chunks.exclude(status=ContributionRunChunk.Status.DONE).exists()
    ):
        _run_close(locked)
    return written


def _run_close(run: ContributionRun) -> None:
    """The month's last chunk is done: total its lines per employer and scheme in one statement (far
    cheaper than every chunk updating the totals of the thousands of employers it touches) and finish
    the run. Totals are rebuilt from the lines, so closing a month again leaves them exact."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM insurance_contributiontotal WHERE period = %s", [run.period])
        cursor.execute(TOTALS_SQL, {"period": run.period})
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at", "updated_at"])
    dashboard_refresh_soon("insurance run")  # the month's contributions change the officials' figures


@transaction.atomic
def contribution_chunk_fail(*, run_id: int, first_id: int, last_id: int, error: str) -> None:
    """A chunk gave up after its retries: it shows as failed until the month is run again."""
    logger.error("contribution run %s chunk %s-%s failed: %s", run_id, first_id, last_id, error)
    ContributionRunChunk.objects.filter(
        run_id=run_id, first_id=first_id, last_id=last_id, status=ContributionRunChunk.Status.PENDING
    ).update(status=ContributionRunChunk.Status.FAILED, attempts=F("attempts") + 1, error=error[:2000])
