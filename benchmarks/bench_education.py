"""School placement at the city's scale: 57,000 children ranking 6 schools each among 200 schools.

Two figures: the pure core (priority lists and deferred acceptance, no Django), and a whole round on
PostgreSQL through the services (freeze: load the applications and their facts; run: load, match, write
the offers, the applications' steps, the seats held and the cut-offs). The data (parents, children,
lottery numbers, applications with 6 choices, seats, some older siblings already enrolled) is written
with COPY into the bench database, marked by the school year 2099 and the school codes ``bench-*``, and
reused by the next run at the same scale. `scale` multiplies the children; the schools stay 200.
"""

import io
import random
import statistics
import time
from collections import defaultdict
from datetime import date, datetime
from unittest import mock

from education.matching import deferred_acceptance
from education.rules import PriorityFacts, priority_key

CHILDREN = 57_000
SCHOOLS = 200
CHOICES = 6
GRADES = 9
TOWNS = 13
SEATS_PER_CHILD = 1.05  # a few more seats than children; the popular schools are still oversubscribed
SIBLING_SHARE = 0.08  # parents with an older child already enrolled at one of the schools
BENCH_YEAR = 2099
SEED = 20260601


def _popularity(rng: random.Random, count: int) -> list[float]:
    weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    rng.shuffle(weights)
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _six_of(rng: random.Random, schools: list, cumulative: list[float]) -> list:
    chosen: dict = {}
    while len(chosen) < CHOICES:
        chosen.setdefault(rng.choices(schools, cum_weights=cumulative)[0], None)
    return list(chosen)


def _split(rng: random.Random, total: int, count: int) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
    factor = total / sum(weights)
    return [max(1, round(weight * factor)) for weight in weights]


class City:
    """The deterministic instance: children, their parents' towns, months, lottery, grade and choices."""

    def __init__(self, scale: float):
        rng = random.Random(SEED)
        self.children = max(round(CHILDREN * scale), 50)
        self.school_town = [rng.randrange(TOWNS) for _ in range(SCHOOLS)]
        popularity = _popularity(rng, SCHOOLS)
        schools = list(range(SCHOOLS))
        self.grade = [rng.randint(1, GRADES) for _ in range(self.children)]
        self.town = [rng.randrange(TOWNS) for _ in range(self.children)]
        self.months = [rng.randrange(121) for _ in range(self.children)]
        self.lottery = rng.sample(range(1, 100_000_000), self.children)
        self.choices = [_six_of(rng, schools, popularity) for _ in range(self.children)]
        per_grade = defaultdict(int)
        for grade in self.grade:
            per_grade[grade] += 1
        self.seats = {
            (school, grade): seats
            for grade in range(1, GRADES + 1)
            for school, seats in enumerate(_split(rng, round(per_grade[grade] * SEATS_PER_CHILD), SCHOOLS))
        }
        # Some parents have an older child at one of the schools their younger one ranked.
        self.sibling_at = {
            child: rng.choice(self.choices[child])
            for child in range(self.children)
            if rng.random() < SIBLING_SHARE and self.grade[child] < GRADES
        }


def _core_instance(city: City):
    preferences = {c: [(s, city.grade[c]) for s in city.choices[c]] for c in range(city.children)}
    listed = defaultdict(list)
    for child, keys in preferences.items():
        for key in keys:
            facts = PriorityFacts(
                catchment=city.town[child] == city.school_town[key[0]],
                sibling=city.sibling_at.get(child) == key[0],
                months=city.months[child],
                lottery=city.lottery[child],
            )
            listed[key].append((priority_key(facts), child))
    priorities = {key: [child for _, child in sorted(found)] for key, found in listed.items()}
    return preferences, priorities, city.seats


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


# --- the database part ----------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    def value(v) -> str:
        if v is None:
            return r"\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        if isinstance(v, datetime | date):
            return v.isoformat()
        return str(v)

    buffer = io.StringIO("".join("\t".join(value(v) for v in row) + "\n" for row in rows))
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _ids(table: str, count: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _wipe() -> None:
    """Remove the bench's own rows (school year 2099, schools bench-*, their parents and children)."""
    from django.db import connection

    statements = [
        "DELETE FROM kunshan_portal_statetransition WHERE (content_type_id, object_id) IN ("
        " SELECT ct.id, a.id FROM django_content_type ct, education_application a"
        " WHERE ct.app_label = 'education' AND ct.model = 'application' AND a.school_year_id = %(y)s"
        " UNION ALL SELECT ct.id, o.id FROM django_content_type ct, education_offer o JOIN education_round r"
        " ON r.id = o.round_id WHERE ct.app_label = 'education' AND ct.model = 'offer' AND r.school_year_id = %(y)s"
        " UNION ALL SELECT ct.id, r.id FROM django_content_type ct, education_round r"
        " WHERE ct.app_label = 'education' AND ct.model = 'round' AND r.school_year_id = %(y)s)",
        "DELETE FROM education_enrolment WHERE school_id IN (SELECT id FROM education_school WHERE code LIKE 'bench-%%')",
        "DELETE FROM education_offer WHERE round_id IN (SELECT id FROM education_round WHERE school_year_id = %(y)s)",
        "DELETE FROM education_roundentry WHERE round_id IN (SELECT id FROM education_round WHERE school_year_id = %(y)s)",
        "DELETE FROM education_roundcutoff WHERE round_id IN (SELECT id FROM education_round WHERE school_year_id = %(y)s)",
        "DELETE FROM education_round WHERE school_year_id = %(y)s",
        "DELETE FROM education_applicationchoice WHERE application_id IN"
        " (SELECT id FROM education_application WHERE school_year_id = %(y)s)",
        "DELETE FROM education_application WHERE school_year_id = %(y)s",
        "DELETE FROM education_childlottery WHERE child_id_hash LIKE 'bench-%%'",
        "DELETE FROM residents_familymember WHERE id_number_hash LIKE 'bench-%%'",
        "DELETE FROM residents_resident WHERE id_number_hash LIKE 'bench-%%'",
        "DELETE FROM education_schoolseats WHERE school_year_id IN (%(y)s, %(y)s - 1)",
        "DELETE FROM education_school WHERE code LIKE 'bench-%%'",
        "DELETE FROM education_schoolyear WHERE year IN (%(y)s, %(y)s - 1)",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, {"y": BENCH_YEAR})


def _load(city: City) -> None:
    """Write the city with COPY: schools, seats, parents, children, lottery numbers, applications with their
    six choices, and the older siblings' enrolments of the year before."""
    from django.db import connection
    from django.utils import timezone

    from residents.models import Town

    now = timezone.now()
    towns = list(Town.objects.order_by("pk").values_list("pk", flat=True))[:TOWNS]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO education_schoolyear (year, applications_open, created_at) VALUES (%s, true, %s), (%s, false, %s)",
            [BENCH_YEAR, now, BENCH_YEAR - 1, now],
        )
    school_ids = _ids("education_school", SCHOOLS)
    _copy(
        "education_school",
        ["id", "created_at", "updated_at", "name_zh", "name_en", "code", "kind", "town_id", "address", "first_grade",
         "last_grade", "active"],
        ((school_ids[s], now, now, f"基准学校{s}", f"Bench School {s}", f"bench-{s}",
          "public" if s % 3 else "dedicated", towns[city.school_town[s]], f"基准路 {s} 号", 1, GRADES, True)
         for s in range(SCHOOLS)),
    )  # fmt: skip
    _copy(
        "education_schoolseats",
        ["created_at", "updated_at", "school_id", "school_year_id", "grade", "seats", "taken"],
        ((now, now, school_ids[s], BENCH_YEAR, g, seats, 0) for (s, g), seats in city.seats.items()),
    )
    n = city.children
    parents = _ids("residents_resident", n)
    # One parent per child; a child with an older sibling gets a second child row under the same parent.
    _copy(
        "residents_resident",
        ["id", "created_at", "updated_at", "submitted_at", "decision_note", "id_number_encrypted", "id_number_hash",
         "id_number_masked", "birth_date", "gender", "state", "name", "phone", "home_region_code",
         "home_province_code", "arrival_date", "town_id", "address", "education"],
        ((parents[c], now, now, now, "", "bench", f"bench-p{c}", "3401**********0000", date(1988, 1, 1), "female",
          "verified", "基准家长", f"159{c:08d}", "340121", "34", date(2015, 3, 1), towns[city.town[c]], "基准路",
          "junior") for c in range(n)),
    )  # fmt: skip
    children = _ids("residents_familymember", n)
    family_columns = ["id", "created_at", "updated_at", "id_number_encrypted", "id_number_hash", "id_number_masked",
                      "birth_date", "gender", "resident_id", "relation", "name"]  # fmt: skip
    _copy(
        "residents_familymember",
        family_columns,
        ((children[c], now, now, "bench", f"bench-c{c}", "3401**********0000",
          date(BENCH_YEAR - 5 - city.grade[c], 3, 1), "male", parents[c], "child", "基准孩子") for c in range(n)),
    )  # fmt: skip
    older = sorted(city.sibling_at)
    older_ids = _ids("residents_familymember", len(older))
    _copy(
        "residents_familymember",
        family_columns,
        ((older_ids[i], now, now, "bench", f"bench-o{c}", "3401**********0000",
          date(BENCH_YEAR - 6 - city.grade[c], 3, 1), "female", parents[c], "child", "基准哥哥")
         for i, c in enumerate(older)),
    )  # fmt: skip
    _copy(
        "education_enrolment",
        ["created_at", "updated_at", "child_id", "child_id_hash", "school_id", "school_year_id", "grade"],
        ((now, now, older_ids[i], f"bench-o{c}", school_ids[city.sibling_at[c]], BENCH_YEAR - 1, city.grade[c])
         for i, c in enumerate(older)),
    )  # fmt: skip
    _copy(
        "education_childlottery",
        ["child_id_hash", "number", "drawn_at"],
        ((f"bench-c{c}", city.lottery[c], now) for c in range(n)),
    )
    applications = _ids("education_application", n)
    _copy(
        "education_application",
        ["id", "created_at", "updated_at", "submitted_at", "decision_note", "state", "parent_id", "child_id",
         "child_id_hash", "school_year_id", "grade", "lottery"],
        ((applications[c], now, now, now, "", "submitted", parents[c], children[c], f"bench-c{c}", BENCH_YEAR,
          city.grade[c], city.lottery[c]) for c in range(n)),
    )  # fmt: skip
    _copy(
        "education_applicationchoice",
        ["application_id", "rank", "school_id"],
        (
            (applications[c], rank, school_ids[s])
            for c in range(n)
            for rank, s in enumerate(city.choices[c], 1)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE education_application; ANALYZE education_applicationchoice; ANALYZE education_enrolment"
        )


def _reset() -> None:
    """Undo a round: the applications back to submitted, no offers, no seats held."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM kunshan_portal_statetransition WHERE (content_type_id, object_id) IN ("
            " SELECT ct.id, a.id FROM django_content_type ct, education_application a"
            " WHERE ct.app_label = 'education' AND ct.model = 'application' AND a.school_year_id = %(y)s"
            " UNION ALL SELECT ct.id, r.id FROM django_content_type ct, education_round r"
            " WHERE ct.app_label = 'education' AND ct.model = 'round' AND r.school_year_id = %(y)s)",
            {"y": BENCH_YEAR},
        )
        cursor.execute(
            "DELETE FROM education_offer WHERE round_id IN (SELECT id FROM education_round WHERE school_year_id = %s)",
            [BENCH_YEAR],
        )
        for table in ("education_roundentry", "education_roundcutoff"):
            cursor.execute(
                f"DELETE FROM {table} WHERE round_id IN (SELECT id FROM education_round WHERE school_year_id = %s)",
                [BENCH_YEAR],
            )
        cursor.execute("DELETE FROM education_round WHERE school_year_id = %s", [BENCH_YEAR])
        cursor.execute(
            "UPDATE education_application SET state = 'submitted' WHERE school_year_id = %s AND state <> 'submitted'",
            [BENCH_YEAR],
        )
        cursor.execute(
            "UPDATE education_schoolseats SET taken = 0 WHERE school_year_id = %s AND taken <> 0",
            [BENCH_YEAR],
        )


def _prepare(city: City) -> None:
    from django.db import transaction

    from education.models import Application

    if Application.objects.filter(school_year_id=BENCH_YEAR).count() == city.children:
        _reset()
        return
    with transaction.atomic():
        _wipe()
    with transaction.atomic():
        _without_triggers()
        _load(city)


def _without_triggers() -> None:
    """Write the bench's data without firing triggers (the history of every row, other apps' syncs and the
    foreign-key checks of data consistent by construction): the figures are the round's, not the set-up's.
    Needs a superuser (the embedded server's and CI's); otherwise the triggers just fire."""
    from django.db import DatabaseError, connection, transaction

    try:
        # Inside a savepoint: refused, nothing else is lost; allowed, it holds to the end of the transaction.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _round_once(actor) -> tuple[float, float, int]:
    from education import services, tasks
    from education.models import SchoolYear

    # The notices go out in a worker's batches after the round: not part of the round's time.
    with (
        mock.patch.object(tasks.round_notify_task, "delay"),
        mock.patch.object(tasks.round_run_task, "delay"),
    ):
        round_ = services.round_create(school_year=SchoolYear.objects.get(pk=BENCH_YEAR), actor=actor)
        started = time.perf_counter()
        services.round_freeze(round_=round_, actor=actor)
        frozen = time.perf_counter()
        services.round_start(round_=round_, actor=actor)
        done = services.round_run(round_id=round_.pk)
        finished = time.perf_counter()
    return frozen - started, finished - frozen, done.offers_count


def run(scale: float = 1.0) -> list[dict]:
    """The pure core's median time and a whole round's on PostgreSQL, at 57,000 children times `scale`."""
    from kunshan_portal.models import User

    city = City(scale)
    repeats = 5 if scale <= 0.25 else 3
    core_times = []
    for _ in range(repeats):
        preferences, priorities, capacities = _core_instance(city)
        started = time.perf_counter()
        deferred_acceptance(preferences, priorities, capacities)
        core_times.append(time.perf_counter() - started)
    lists_started = time.perf_counter()
    _core_instance(city)
    lists_time = time.perf_counter() - lists_started

    actor, _ = User.objects.get_or_create(username="bench-education", defaults={"is_superuser": True})
    round_repeats = 1 if scale > 0.5 else 3
    prepare_started = time.perf_counter()
    _prepare(city)
    prepare_time = time.perf_counter() - prepare_started
    freezes, runs, totals = [], [], []
    offers = 0
    for attempt in range(round_repeats):
        if attempt:
            _reset()
        freeze, run_time, offers = _round_once(actor)
        freezes.append(freeze)
        runs.append(run_time)
        totals.append(freeze + run_time)
    _reset()
    size = f"{city.children:,} children, {CHOICES} choices, {SCHOOLS} schools"
    return [
        {
            "name": f"education: deferred acceptance core ({size})",
            "measured_s": _median(core_times),
            "target_s": 2.0,
            "note": f"building the {len(city.seats):,} schools' priority lists from the facts: {lists_time:.2f}s",
        },
        {
            "name": f"education: round freeze on PostgreSQL ({size})",
            "measured_s": _median(freezes),
            "target_s": None,
        },
        {
            "name": f"education: round run on PostgreSQL: load, match, write {offers:,} offers",
            "measured_s": _median(runs),
            "target_s": None,
        },
        {
            "name": f"education: whole round on PostgreSQL, freeze + run ({size})",
            "measured_s": _median(totals),
            "target_s": 30.0,
            "note": f"data written with COPY in {prepare_time:.1f}s (reused at the same scale); "
            f"{round_repeats} repeat(s)",
        },
    ]
