"""Social insurance's part of ``manage.py seed_city``: 450,000 active enrolments of the city's verified,
employed residents with their wages, the last month's payroll, and twelve months of history computed by
the real monthly run (``contribution_run_in_process``, months side by side in worker processes), so
every line, total and balance is the one the portal itself would have written.

Enrolments are written with COPY; a second run enrols only residents not enrolled yet and runs only the
months not finished yet.
"""

import os
import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef

from insurance import selectors, services
from insurance.contributions import period_of, previous_period
from insurance.models import ContributionRun, Enrolment, EnrolmentWage, PayrollEntry, PayrollUpload
from kunshan_portal.bulkload import copy_rows, forked_workers, next_ids
from residents import seeding as registry
from residents.models import Resident

ENROLMENTS = 450_000
HISTORY_MONTHS = 12
PAYROLL_SHARE = 0.93  # of the last month's employee-months; the rest show as arrears
RAISE_SHARE = 0.3


def history_months(count: int = HISTORY_MONTHS) -> list:
    """The last ``count`` closed months, oldest first."""
    months, period = [], selectors.last_closed_period()
    for _ in range(count):
        months.append(period)
        period = previous_period(period)
    return sorted(months)


@transaction.atomic
def create_enrolments(*, count: int, seed: int, first_month) -> int:
    """Enrol city residents (verified, with an employer, not enrolled yet) up to ``count`` enrolments:
    most from before the history's first month, a share joining during it; each with its wage."""
    have = Enrolment.objects.filter(resident__phone__startswith=registry.PHONE_PREFIX).count()
    wanted = count - have
    if wanted <= 0:
        return 0
    rng = random.Random(seed)
    candidates = list(
        registry.city_residents()
        .filter(state=Resident.State.VERIFIED, employer__isnull=False)
        .exclude(Exists(Enrolment.objects.filter(resident=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "employer_id", "arrival_date")
    )
    rng.shuffle(candidates)
    chosen = sorted(candidates[:wanted])
    ids = next_ids(Enrolment, len(chosen))
    enrolments, wages = [], []
    for pk, (resident_id, employer_id, arrival) in zip(ids, chosen, strict=True):
        if rng.random() < 0.85:  # insured before the history starts
            start = max(arrival, first_month - timedelta(days=1500)) + timedelta(days=rng.randrange(0, 200))
            start = min(start, first_month - timedelta(days=1))
        else:  # joined during the year
            start = first_month + timedelta(days=rng.randrange(0, 330))
        enrolments.append((pk, start, start, start, "", "active", resident_id, employer_id, start))
        wage = Decimal(rng.randrange(45, 130) * 100)
        wages.append((start, start, pk, period_of(start), wage))
        if rng.random() < RAISE_SHARE:
            raised = period_of(start + timedelta(days=rng.randrange(62, 600)))
            wages.append((start, start, pk, raised, wage + Decimal(rng.randrange(3, 15) * 100)))
    copy_rows(
        Enrolment,
        ["id", "created_at", "updated_at", "submitted_at", "decision_note", "state", "resident", "employer",
         "start_date"],
        enrolments,
    )  # fmt: skip
    copy_rows(EnrolmentWage, ["created_at", "updated_at", "enrolment", "valid_from", "wage"], wages)
    return len(enrolments)


@transaction.atomic
def create_payroll(*, period, seed: int) -> int:
    """The month's payroll of most employers' insured staff (one upload per employer), if not sent yet."""
    if PayrollEntry.objects.filter(
        period=period, enrolment__resident__phone__startswith=registry.PHONE_PREFIX
    ).exists():
        return 0
    rng = random.Random(seed + 1)
    by_employer: dict[int, list[tuple[int, Decimal]]] = {}
    enrolments = (
        Enrolment.objects.filter(resident__phone__startswith=registry.PHONE_PREFIX, start_date__lte=period)
        .order_by("pk")
        .values_list("pk", "employer_id")
    )
    wage_of = {}
    for enrolment_id, wage in (
        EnrolmentWage.objects.filter(valid_from__lte=period)
        .order_by("valid_from")
        .values_list("enrolment_id", "wage")
    ):
        wage_of[enrolment_id] = wage  # the latest in force
    for enrolment_id, employer_id in enrolments.iterator(chunk_size=20_000):
        if enrolment_id in wage_of and rng.random() < PAYROLL_SHARE:
            overtime = Decimal(rng.choice((0, 0, 0, 150, 300, 480)))
            by_employer.setdefault(employer_id, []).append((enrolment_id, wage_of[enrolment_id] + overtime))
    uploads = PayrollUpload.objects.bulk_create(
        PayrollUpload(employer_id=employer_id, file_name=f"payroll-{period:%Y-%m}.xlsx", rows=len(rows),
                      changed=len(rows))
        for employer_id, rows in by_employer.items()
    )  # fmt: skip
    entries = [
        (period, period, upload.pk, enrolment_id, period, wage)
        for upload, rows in zip(uploads, by_employer.values(), strict=True)
        for enrolment_id, wage in rows
    ]
    return copy_rows(
        PayrollEntry, ["created_at", "updated_at", "upload", "enrolment", "period", "wage"], entries
    )


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """450,000 enrolments at this scale, the last month's payroll and twelve months of runs."""
    months = history_months()
    enrolled = create_enrolments(
        count=registry.scaled(ENROLMENTS, scale, 50), seed=seed, first_month=months[0]
    )
    registry.analyze("insurance_enrolment", "insurance_enrolmentwage")
    payroll = create_payroll(period=months[-1], seed=seed)
    finished = set(ContributionRun.objects.filter(finished_at__isnull=False).values_list("period", flat=True))
    todo = [month for month in months if month not in finished]
    progress("contribution months", len(months) - len(todo), len(months))
    # Each month's run stands alone (its own lines and totals): months run side by side, a worker per core.
    if todo:
        with forked_workers(min(len(todo), os.cpu_count() or 1)) as pool:
            for done, _month in enumerate(pool.map(_run_month, todo), start=len(months) - len(todo) + 1):
                progress("contribution months", done, len(months))
    registry.analyze("insurance_contributionline", "insurance_contributiontotal")
    return {"enrolments": enrolled, "payroll rows": payroll, "months run": len(todo)}


def _run_month(month) -> None:
    services.contribution_run_in_process(period=month, actor=None)
