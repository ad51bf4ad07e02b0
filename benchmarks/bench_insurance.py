"""The monthly contribution run over 450,000 active enrolments (scale 1.0), on PostgreSQL.

Target (issue 4): the whole run (plan; chunks of 5,000 enrolment ids computed in Python with the pure core,
lines written with COPY + INSERT … ON CONFLICT DO NOTHING; the totals per employer built at the close) in
under 120 s with two workers on a 2-core machine, and at most 3× the time of the same lines computed by ONE set-based SQL statement
(INSERT … SELECT with the rates as constants and ROUND(…, 2), half away from zero = half-up for these
positive amounts) on the same data. The workers are two forked processes calling the chunk service, or
real Celery workers when CELERY_BROKER_URL is set (start them on the bench database:
``KUNSHAN_BENCH=1 celery -A kunshan_portal worker -c 2``).

The data (employers, minimal residents, enrolments, wages, payroll rows for a third of them) is written
with COPY, triggers off, and kept between runs: residents are marked by their look-up hash (``benchins-``),
and the enrolments are rebuilt only when the scale changes. Each timing starts from an empty month.
"""

import io
import multiprocessing
import os
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

from django.db import DatabaseError, connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from insurance import services
from insurance.contributions import format_period, period_last_day
from insurance.models import ContributionLine, ContributionRun, Enrolment
from residents.models import Employer, Resident, Town

FULL = 450_000
EMPLOYERS_FULL = 5_900
TARGET_S = 120.0
RATIO_TARGET = 3.0
PERIOD = date(2026, 10, 1)
MARK = "benchins-"
USCC_MARK = "9BENCHINS"
PAYROLL_SHARE = 0.33
INSURANCE_TABLES = (
    "insurance_contributionline", "insurance_contributiontotal", "insurance_contributionrunchunk",
    "insurance_contributionrun", "insurance_payrollentry", "insurance_payrollupload", "insurance_enrolmentwage",
    "insurance_enrolment",
)  # fmt: skip


# --- Data -------------------------------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _copy(model, rows: list[dict], fixed: dict) -> None:
    """COPY rows into the model's table: every concrete column, from the row, the fixed values or the
    field's default, so that a column added later with a default does not break the benchmark."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {}
    for field in fields:
        if field.attname in fixed:
            defaults[field.attname] = fixed[field.attname]
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        else:
            defaults[field.attname] = None if field.null else ""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(row.get(f.attname, defaults[f.attname])) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no history triggers, no FK checks
        try:
            cursor.cursor.copy_expert(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def _employers(count: int) -> list[int]:
    existing = list(
        Employer.objects.filter(uscc__startswith=USCC_MARK).order_by("pk").values_list("pk", flat=True)
    )
    if len(existing) < count:
        now = timezone.now()
        town = Town.objects.order_by("pk").first().pk
        rows = [
            {
                "name": f"Bench Works {n}",
                "uscc": f"{USCC_MARK}{n:09d}",
                "sector": "manufacturing",
                "town_id": town,
            }
            for n in range(len(existing), count)
        ]
        _copy(Employer, rows, {"created_at": now, "updated_at": now, "foreign_funded": False})
        existing = list(
            Employer.objects.filter(uscc__startswith=USCC_MARK).order_by("pk").values_list("pk", flat=True)
        )
    return existing[:count]


def _residents(count: int, employers: list[int], rng: random.Random) -> list[tuple[int, int]]:
    """(resident id, employer id) of ``count`` minimal bench residents (opaque fake identity numbers)."""
    have = Resident.objects.filter(id_number_hash__startswith=MARK).count()
    if have < count:
        now = timezone.now()
        town = Town.objects.order_by("pk").first().pk
        first_birth, span = date(1966, 1, 1), (date(2006, 12, 31) - date(1966, 1, 1)).days
        for start in range(have, count, 50_000):
            rows = [
                {
                    "id_number_encrypted": f"bench-{n}",
                    "id_number_hash": f"{MARK}{n:010d}",
                    "id_number_masked": "3401**********000X",
                    "birth_date": first_birth + timedelta(days=rng.randrange(span)),
                    "gender": "male" if n % 2 else "female",
                    "name": f"Bench {n}",
                    "phone": f"156{n:08d}",
                    "home_region_code": "340121",
                    "home_province_code": "34",
                    "employer_id": employers[n % len(employers)],
                }
                for n in range(start, min(count, start + 50_000))
            ]
            _copy(Resident, rows, {
                "state": "verified", "submitted_at": now, "created_at": now, "updated_at": now, "decision_note": "",
                "arrival_date": date(2018, 3, 1), "town_id": town, "address": "bench", "education": "junior",
            })  # fmt: skip
    return list(
        Resident.objects.filter(id_number_hash__startswith=MARK)
        .order_by("pk")
        .values_list("pk", "employer_id")[:count]
    )


def _truncate(*tables: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def _enrolments(residents: list[tuple[int, int]], rng: random.Random) -> None:
    """One active enrolment per bench resident with its wage, and payroll rows for a third of them."""
    from insurance.models import EnrolmentWage, PayrollEntry, PayrollUpload

    if Enrolment.objects.filter(state="active").count() == len(residents) == Enrolment.objects.count():
        return
    _truncate(*INSURANCE_TABLES)
    now = timezone.now()
    _copy(Enrolment, [
        {"resident_id": resident, "employer_id": employer,
         "start_date": date(2020, 1, 1) + timedelta(days=rng.randrange(2_000))}
        for resident, employer in residents
    ], {"state": "active", "submitted_at": now, "created_at": now, "updated_at": now, "decision_note": ""})  # fmt: skip
    ids = list(Enrolment.objects.order_by("pk").values_list("pk", "start_date", "employer_id"))
    _copy(EnrolmentWage, [
        {"enrolment_id": pk, "valid_from": start.replace(day=1), "wage": Decimal(rng.randrange(200_000, 3_000_000)) / 100}
        for pk, start, _employer in ids
    ], {"created_at": now, "updated_at": now})  # fmt: skip
    upload = PayrollUpload.objects.create(employer_id=ids[0][2], file_name="bench.csv", rows=0)
    _copy(PayrollEntry, [
        {"enrolment_id": pk, "period": PERIOD, "wage": Decimal(rng.randrange(200_000, 3_000_000)) / 100}
        for pk, _start, _employer in ids if rng.random() < PAYROLL_SHARE
    ], {"created_at": now, "updated_at": now, "upload_id": upload.pk})  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE residents_resident, residents_employer, insurance_enrolment, "
                       "insurance_enrolmentwage, insurance_payrollentry")  # fmt: skip


# --- The run ----------------------------------------------------------------------------------------


def _chunk(args) -> int:
    run_id, first, last = args
    return services.contribution_chunk_compute(run_id=run_id, first_id=first, last_id=last)


def _reset_month() -> None:
    _truncate("insurance_contributionline", "insurance_contributiontotal", "insurance_contributionrunchunk",
              "insurance_contributionrun")  # fmt: skip


def _checkpoint() -> None:
    """Start each timing with the previous one's dirty pages written out (needs a superuser)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def _time_run(workers: int) -> tuple[float, str]:
    """Plan and compute the month: forked worker processes, or Celery workers when a broker is set."""
    _reset_month()
    _checkpoint()
    started = time.perf_counter()
    if os.environ.get("CELERY_BROKER_URL"):
        run = services.contribution_run_start(period=PERIOD, actor=None)
        while not ContributionRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists():
            time.sleep(0.2)
        how = "real Celery workers on Redis"
    else:
        run, ranges = services.contribution_run_plan(period=PERIOD, actor=None)
        connections.close_all()  # each forked worker opens its own connection
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_chunk, [(run.pk, first, last) for first, last in ranges]))
        how = f"{workers} forked worker processes calling the chunk service"
    return time.perf_counter() - started, how


def _reference_sql(run: ContributionRun) -> str:
    table = run.rate_table
    rates = ", ".join(
        f"('{rate.scheme}', {n}, {rate.employer_rate}::numeric, {rate.employee_rate}::numeric)"
        for n, rate in enumerate(table.schemes)
    )
    bands = ", ".join(
        f"({band.min_age}, {'NULL' if band.max_age is None else band.max_age}, {band.personal_share}::numeric)"
        for band in table.medical_bands
    )
    return f"""
WITH x AS MATERIALIZED (
    SELECT e.id, e.resident_id, w.wage,
           ROUND(LEAST(GREATEST(w.wage, {table.floor}), {table.ceiling}), 2) AS base, b.share
    FROM insurance_enrolment e
    JOIN residents_resident r ON r.id = e.resident_id
    LEFT JOIN insurance_payrollentry p ON p.enrolment_id = e.id AND p.period = %(period)s
    CROSS JOIN LATERAL (
        SELECT COALESCE(p.wage, (SELECT ew.wage FROM insurance_enrolmentwage ew
                                 WHERE ew.enrolment_id = e.id AND ew.valid_from <= %(period)s
                                 ORDER BY ew.valid_from DESC LIMIT 1)) AS wage,
               date_part('year', age(%(period)s, r.birth_date)) AS age
        OFFSET 0) w
    JOIN (VALUES {bands}) AS b(lo, hi, share) ON w.age >= b.lo AND (b.hi IS NULL OR w.age <= b.hi)
    WHERE e.start_date <= %(last_day)s AND (e.end_date IS NULL OR e.end_date >= %(last_day)s)
)
INSERT INTO insurance_contributionline
    (run_id, enrolment_id, resident_id, period, scheme, kind, revision, cause, wage, base, employer_amount,
     employee_amount, pool, personal_account, employer_rate, employee_rate, medical_share, created_at)
SELECT {run.pk}, x.id, x.resident_id, %(period)s, s.scheme, 'regular', 0, '', x.wage, x.base, a.er, a.ee,
       CASE s.scheme WHEN 'pension' THEN a.er WHEN 'medical' THEN a.er + a.ee - LEAST(a.share, a.er + a.ee)
                     ELSE a.er + a.ee END,
       CASE s.scheme WHEN 'pension' THEN a.ee WHEN 'medical' THEN LEAST(a.share, a.er + a.ee) ELSE 0 END,
       s.er_rate, s.ee_rate, CASE WHEN s.scheme = 'medical' THEN x.share END, now()
FROM x
CROSS JOIN (VALUES {rates}) AS s(scheme, n, er_rate, ee_rate)
CROSS JOIN LATERAL (SELECT ROUND(x.base * s.er_rate, 2) AS er, ROUND(x.base * s.ee_rate, 2) AS ee,
                           ROUND(x.base * x.share, 2) AS share OFFSET 0) a
ORDER BY x.id, s.n
ON CONFLICT (enrolment_id, period, scheme, revision) DO NOTHING
"""


def _time_sql(run: ContributionRun) -> float:
    _truncate("insurance_contributionline")
    _checkpoint()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(_reference_sql(run), {"period": PERIOD, "last_day": period_last_day(PERIOD)})
        return time.perf_counter() - started


def _fingerprint() -> tuple:
    lines = ContributionLine.objects.filter(period=PERIOD)
    totals = lines.aggregate(
        n=Count("id"),
        er=Sum("employer_amount"),
        ee=Sum("employee_amount"),
        pool=Sum("pool"),
        pa=Sum("personal_account"),
    )
    return tuple(totals.values())


def run(scale: float = 1.0) -> list[dict]:
    count = max(1_000, round(FULL * scale))
    repeats = 3 if count <= 50_000 else 1
    rng = random.Random(450_000)
    started = time.perf_counter()
    employers = _employers(max(20, round(EMPLOYERS_FULL * scale)))
    _enrolments(_residents(count, employers, rng), rng)
    prepared = time.perf_counter() - started

    runs, how = [], ""
    for _ in range(repeats):
        seconds, how = _time_run(workers=2)
        runs.append(seconds)
    month = ContributionRun.objects.get(period=PERIOD)
    expected = _fingerprint()
    again_started = time.perf_counter()
    services.contribution_run_in_process(period=PERIOD, actor=None)
    again = time.perf_counter() - again_started
    assert _fingerprint() == expected, "a rerun changed the lines"

    sqls = [_time_sql(month) for _ in range(repeats)]
    same = _fingerprint() == expected
    measured, reference = statistics.median(runs), statistics.median(sqls)
    lines = expected[0]
    return [
        {
            "name": f"insurance: monthly run {format_period(PERIOD)}, {count:,} active enrolments",
            "measured_s": measured,
            "target_s": TARGET_S * count / FULL,
            "reference_s": reference,
            "note": f"{lines:,} lines by {how}, chunks of {services.CHUNK_SIZE:,}; run/SQL ratio "
            f"{measured / reference:.2f} (target <= {RATIO_TARGET:g}); same lines and totals as the SQL: "
            f"{'yes' if same else 'NO'}; data prepared in {prepared:.1f} s",
        },
        {
            "name": f"insurance: the same {lines:,} lines by one INSERT … SELECT (reference)",
            "measured_s": reference,
            "target_s": None,
        },
        {
            "name": f"insurance: the month run again, complete already ({count:,} enrolments)",
            "measured_s": again,
            "target_s": None,
            "note": "one process; every chunk finds its lines there and writes none",
        },
    ]
