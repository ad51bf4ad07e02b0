"""Legal aid at the city's scale: the morning overdue run, the dashboard figures and a caseworker's list.

At scale 1.0 the benchmark holds 200,000 cases (several years of the city's legal aid and complaints over
its 53 stations, 5% of them late for their examination decision) from 2,000 applicants, written with
PostgreSQL's COPY and kept between runs (they carry the reference prefix ``BENCH``; a run at another
scale replaces them). It times:
- ``cases_flag_overdue`` on a working day, from no flags to all flags set and every station head told
  (the flags and the day's alerts are reset between repeats);
- ``case_stats`` for a year by month, station and category, and the overview behind the dashboard;
- the first page of a station head's case list in the admin (overdue first);
- the pure working-day arithmetic, 100,000 deadlines.
"""

import io
import random
import statistics
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db import connection, transaction

from kunshan_portal import roles
from kunshan_portal.models import Notice, User
from legal_aid.models import Case, OverdueAlert, Station, StationStaff
from legal_aid.selectors import case_list_for_staff, case_stats, legal_aid_overview, work_calendar
from legal_aid.services import cases_flag_overdue
from legal_aid.workdays import add_working_days
from residents import demo as residents_demo
from residents.models import Resident

FULL_CASES = 200_000
FULL_APPLICANTS = 2_000
PREFIX = "BENCH"
PHONE_PREFIX = "156"  # residents' demo uses 158 and its benchmark 157
DAY = date(2025, 6, 10)  # a Tuesday: the morning run's day
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 20_000
COLUMNS = (
    "state",
    "created_at",
    "updated_at",
    "submitted_at",
    "decided_at",
    "decision_note",
    "reference",
    "kind",
    "category",
    "applicant_id",
    "station_id",
    "respondent_name",
    "amount_claimed",
    "facts",
    "channel",
    "means_test",
    "examination_due",
    "assignee_role",
    "outcome",
    "amount_recovered",
    "closed_at",
)


def _median(fn, repeats: int, before=None) -> float:
    timings = []
    for _ in range(repeats):
        if before:
            before()
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _applicants(count: int) -> list[int]:
    have = Resident.objects.filter(phone__startswith=PHONE_PREFIX).count()
    if have < count:
        residents_demo.create_residents(count=count, seed=9, phone_prefix=PHONE_PREFIX, stdout=None)
    return list(Resident.objects.filter(phone__startswith=PHONE_PREFIX).values_list("pk", flat=True)[:count])


def _case_rows(count: int, applicants: list[int], stations: list[int], rng: random.Random):
    categories = Case.Category.values
    first = DAY - timedelta(days=3 * 365)
    span = (DAY - first).days
    calendar = work_calendar(years=range(first.year, DAY.year + 1))
    for n in range(count):
        day = first + timedelta(days=rng.randrange(span))
        submitted = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(
            minutes=rng.randrange(600, 1100)
        )
        due = add_working_days(day, 3, calendar)
        category = rng.choice(categories)
        amount = f"{rng.randrange(2_000, 80_000)}.00" if category in Case.CLAIMS_WITH_AMOUNT else None
        late = rng.random() < 0.05
        if due < DAY and not late:
            decided = submitted + timedelta(days=rng.choice((1, 2, 3, 3, 6)))
            state, outcome, closed, recovered = (
                "closed",
                rng.choice(("settled", "award", "withdrawn")),
                decided,
                None,
            )
            if outcome != "withdrawn":
                recovered = amount or "0.00"
            if rng.random() < 0.15:
                state, outcome, closed, recovered = "refused", "", None, None
        else:
            decided, state, outcome, closed, recovered = (
                None,
                rng.choice(("submitted", "examined")),
                "",
                None,
                None,
            )
        yield (
            state,
            submitted,
            submitted,
            submitted,
            decided,
            "",
            f"{PREFIX}{n:09d}",
            "aid",
            category,
            rng.choice(applicants),
            rng.choice(stations),
            "bench respondent",
            amount,
            "bench",
            "online",
            "not_required",
            due,
            "",
            outcome,
            recovered,
            closed,
        )


def _copy(rows) -> None:
    def text(value) -> str:
        if value is None:
            return r"\N"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(text(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY legal_aid_case ({', '.join(COLUMNS)}) FROM STDIN", buffer)


@transaction.atomic
def _copy_batch(rows: list[tuple]) -> None:
    # bench data is not history: the history triggers stay off while it is written (bench database only)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE legal_aid_case DISABLE TRIGGER USER")
        _copy(rows)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys now, before re-enabling
        cursor.execute("ALTER TABLE legal_aid_case ENABLE TRIGGER USER")


def _cases(count: int) -> bool:
    """Make sure the bench holds ``count`` cases; True when they had to be written."""
    if Case.objects.filter(reference__startswith=PREFIX).count() == count:
        return False
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM legal_aid_case WHERE reference LIKE %s", [f"{PREFIX}%"])
    applicants = _applicants(max(100, round(FULL_APPLICANTS * count / FULL_CASES)))
    stations = list(Station.objects.values_list("pk", flat=True))
    rows = _case_rows(count, applicants, stations, random.Random(2025))
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _copy_batch(batch)
            batch = []
    if batch:
        _copy_batch(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE legal_aid_case")
    return True


def _head() -> User:
    """One bench account heading every station that has no head (so each station's alert has a reader)."""
    user, _ = User.objects.get_or_create(username="bench-legal-aid-head", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.CASEWORKER_GROUPS["legal_aid"]))
    headless = Station.objects.filter(parent__isnull=True).exclude(staff__is_head=True)
    StationStaff.objects.bulk_create(
        [
            StationStaff(station=station, user=user, role=StationStaff.Role.CASEWORKER, is_head=True)
            for station in headless
        ]
    )
    return User.objects.get(pk=user.pk)


def _reset_overdue() -> None:
    Case.objects.filter(reference__startswith=PREFIX, overdue_since__isnull=False).update(overdue_since=None)
    OverdueAlert.objects.filter(day=DAY).delete()
    Notice.objects.filter(
        subject__contains="overdue", created_at__gte=datetime.now(SHANGHAI) - timedelta(hours=1)
    ).delete()


def run(scale: float = 1.0) -> list[dict]:
    count = max(1_000, round(FULL_CASES * scale))
    started = time.perf_counter()
    written = _cases(count)
    setup = (
        f"written in {time.perf_counter() - started:.1f} s (COPY)" if written else "kept from an earlier run"
    )
    head = _head()
    overdue = Case.objects.filter(
        reference__startswith=PREFIX, state__in=Case.AWAITING_DECISION, examination_due__lt=DAY
    ).count()
    flag = _median(lambda: cases_flag_overdue(today=DAY), 3, before=_reset_overdue)
    stats = _median(lambda: case_stats(date_from=date(DAY.year - 1, DAY.month, 1), date_to=DAY), 5)
    overview = _median(lambda: legal_aid_overview(year=DAY.year), 5)

    def first_page():
        user = User.objects.get(pk=head.pk)  # a fresh request's user: nothing memoised
        list(case_list_for_staff(user=user).order_by("overdue_since", "examination_due", "-id")[:50])

    page = _median(first_page, 11)
    calendar = work_calendar(years=[2025, 2026])
    rng = random.Random(7)
    starts = [date(2025, 1, 1) + timedelta(days=rng.randrange(700)) for _ in range(100_000)]
    arithmetic = _median(lambda: [add_working_days(day, 3, calendar) for day in starts], 3)
    _reset_overdue()
    ratio = count / FULL_CASES
    return [
        {
            "name": f"legal aid: morning overdue run over {count:,} cases ({overdue:,} late)",
            "measured_s": flag,
            "target_s": max(1.0, 10.0 * ratio),
            "note": f"flags set, every station head told once; cases {setup}",
        },
        {
            "name": f"legal aid: figures by month, station, category (a year of {count:,})",
            "measured_s": stats,
            "target_s": max(0.5, 2.0 * ratio),
        },
        {
            "name": "legal aid: dashboard overview (year)",
            "measured_s": overview,
            "target_s": max(0.3, 1.0 * ratio),
        },
        {
            "name": "legal aid: first admin page of a head of all stations, overdue first",
            "measured_s": page,
            "target_s": 0.2,
        },
        {
            "name": "legal aid: 100,000 examination deadlines (pure)",
            "measured_s": arithmetic,
            "target_s": 1.0,
        },
    ]
