"""Demo data of social insurance: the verified, employed residents enrolled by their employers, six
months of payroll (with a few months missing, to show arrears) and the runs of those six months.

The demo resident (王芳) is enrolled by the demo employer's account through the service, so she finds the
notice in her inbox; the other residents are enrolled in bulk. Running it again adds only what is
missing: residents without an enrolment, payroll rows not yet sent, months not yet run.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from insurance import selectors, services
from insurance.contributions import period_of, previous_period
from insurance.models import ContributionRun, Enrolment, EnrolmentWage, PayrollEntry, PayrollUpload
from residents.models import Resident
from residents.selectors import employer_for_user, resident_for_user

MONTHS = 6
PAYROLL_SHARE = 0.93  # the rest of the employee-months stay in arrears
ENDED_SHARE = 0.05


def _months() -> list[date]:
    months, period = [], selectors.last_closed_period()
    for _ in range(MONTHS):
        months.append(period)
        period = previous_period(period)
    return sorted(months)


def _wage(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(45, 130) * 100)


def _enrol_demo_resident(accounts: dict, first_month: date) -> bool:
    resident = resident_for_user(accounts.get("resident"))
    employer = employer_for_user(accounts.get("employer"))
    if resident is None or employer is None or not resident.is_verified:
        return False
    if Enrolment.objects.filter(resident=resident).exists():
        return False
    services.enrolment_create(
        resident=resident, employer=employer, start_date=first_month.replace(year=first_month.year - 2),
        wage=Decimal("6800.00"), actor=accounts["employer"],
    )  # fmt: skip
    return True


def _enrol_others(rng: random.Random, first_month: date) -> int:
    """Every verified resident with an employer and no enrolment yet, from a day after their arrival."""
    today = timezone.localdate()
    residents = (
        Resident.objects.filter(state=Resident.State.VERIFIED, employer__isnull=False)
        .exclude(Exists(Enrolment.objects.filter(resident=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "employer_id", "arrival_date")
    )
    enrolments, wages = [], []
    earliest = first_month.replace(year=first_month.year - 3)
    for resident_id, employer_id, arrival in residents.iterator(chunk_size=5_000):
        start = max(arrival, earliest) + timedelta(days=rng.randrange(0, 400))
        start = min(start, first_month + timedelta(days=rng.randrange(0, 120)))
        end = None
        if rng.random() < ENDED_SHARE:
            end = min(start + timedelta(days=rng.randrange(60, 700)), today - timedelta(days=1))
            end = max(end, start)
        enrolment = Enrolment(
            resident_id=resident_id, employer_id=employer_id, start_date=start, end_date=end
        )
        if end is not None:
            enrolment.__dict__["state"] = (
                Enrolment.State.ENDED
            )  # demo data: written as if ended through the service
        enrolments.append(enrolment)
    Enrolment.objects.bulk_create(enrolments, batch_size=5_000)
    for enrolment in enrolments:
        wage = _wage(rng)
        wages.append(
            EnrolmentWage(enrolment=enrolment, valid_from=period_of(enrolment.start_date), wage=wage)
        )
        if rng.random() < 0.3:  # a raise some months later
            raised = period_of(enrolment.start_date + timedelta(days=rng.randrange(90, 600)))
            wages.append(
                EnrolmentWage(
                    enrolment=enrolment, valid_from=raised, wage=wage + Decimal(rng.randrange(3, 15) * 100)
                )
            )
    EnrolmentWage.objects.bulk_create(wages, batch_size=5_000, ignore_conflicts=True)
    return len(enrolments)


def _payroll(rng: random.Random, months: list[date]) -> int:
    """Payroll rows for most employee-months not sent yet: the wage in force, with some overtime."""
    sent = set(PayrollEntry.objects.filter(period__in=months).values_list("enrolment_id", "period"))
    uploads: dict[tuple[int, date], PayrollUpload] = {}
    entries = []
    enrolments = Enrolment.objects.prefetch_related("wages").only(
        "pk", "employer_id", "start_date", "end_date"
    )
    for enrolment in enrolments.iterator(chunk_size=2_000):
        for month in months:
            if (enrolment.pk, month) in sent or not enrolment.covers(month):
                continue
            if random.Random(f"{enrolment.pk}-{month}").random() > PAYROLL_SHARE:
                continue  # the same employee-months stay in arrears however often the demo runs
            wage = max(
                (w for w in enrolment.wages.all() if w.valid_from <= month), key=lambda w: w.valid_from
            ).wage
            key = (enrolment.employer_id, month)
            if key not in uploads:
                uploads[key] = PayrollUpload(
                    employer_id=enrolment.employer_id, file_name=f"payroll-{month:%Y-%m}.xlsx", rows=0
                )
            uploads[key].rows += 1
            overtime = Decimal(rng.choice((0, 0, 0, 150, 300, 480)))
            entries.append((key, PayrollEntry(enrolment_id=enrolment.pk, period=month, wage=wage + overtime)))
    PayrollUpload.objects.bulk_create(uploads.values())
    for upload in uploads.values():
        upload.changed = upload.rows
    PayrollUpload.objects.bulk_update(uploads.values(), ["changed"])
    for key, entry in entries:
        entry.upload = uploads[key]
    PayrollEntry.objects.bulk_create(
        [entry for _key, entry in entries], batch_size=5_000, ignore_conflicts=True
    )
    return len(entries)


def seed_demo(*, accounts, rng, options, stdout) -> None:
    """Enrolments, payroll and six months of runs (idempotent)."""
    months = _months()
    rng = random.Random(rng.random())
    with transaction.atomic():
        own = _enrol_demo_resident(accounts, months[0])
        enrolled = _enrol_others(rng, months[0])
        payroll = _payroll(rng, months)
    finished = set(ContributionRun.objects.filter(finished_at__isnull=False).values_list("period", flat=True))
    ran = 0
    for month in months:
        if month not in finished:
            services.contribution_run_in_process(period=month, actor=None)
            ran += 1
    stdout.write(
        f"insurance: {enrolled + own:,} enrolments and {payroll:,} payroll rows added, {ran} months run"
        + (" (the demo resident enrolled by the demo employer)" if own else "")
    )
