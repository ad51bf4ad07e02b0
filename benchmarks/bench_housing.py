"""Housing at the city's scale: a round preview over 250,000 waiting applicants and 68 compounds (about
250,000 places, a tenth of them free), on PostgreSQL, and the pure core alone.

The data goes in with COPY (triggers off: the history and FK triggers are not what is measured), marked
by the `bench-h-` prefix of compound codes and residents' look-up hashes, and removed after the run.
`scale` multiplies applicants and places; the 68 compounds stay.
"""

import io
import random
import statistics
import time
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from housing.allocation import allocate_round
from housing.models import HousingApplication
from housing.selectors import allocation_plan, application_standing, housing_dashboard
from residents.models import Town

COMPOUNDS = 68
APPLICANTS = 250_000
PLACES = 250_000
FREE_SHARE = 0.10
MARK = "bench-h-"
REPEATS = 3
SEED = 20260701


def _median(call, repeats=REPEATS) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _reserve_ids(cursor, table: str, count: int) -> int:
    """The first of `count` consecutive ids taken from the table's sequence."""
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    (sequence,) = cursor.fetchone()
    cursor.execute("SELECT nextval(%s)", [sequence])
    (first,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return first


def _remove(cursor) -> None:
    like = [f"{MARK}%"]
    cursor.execute("SET session_replication_role = replica")
    cursor.execute(
        "DELETE FROM housing_applicationchoice WHERE compound_id IN (SELECT id FROM housing_compound WHERE code LIKE %s)",
        like,
    )
    cursor.execute(
        "DELETE FROM housing_offer WHERE place_id IN (SELECT p.id FROM housing_place p JOIN housing_compound c "
        "ON c.id = p.compound_id WHERE c.code LIKE %s)",
        like,
    )
    cursor.execute(
        "DELETE FROM housing_tenancy WHERE place_id IN (SELECT p.id FROM housing_place p JOIN housing_compound c "
        "ON c.id = p.compound_id WHERE c.code LIKE %s)",
        like,
    )
    cursor.execute(
        "DELETE FROM housing_housingapplication WHERE resident_id IN "
        "(SELECT id FROM residents_resident WHERE id_number_hash LIKE %s)",
        like,
    )
    for table in ("housing_place", "housing_room", "housing_building"):
        column = {
            "housing_place": "compound_id",
            "housing_room": "building_id",
            "housing_building": "compound_id",
        }[table]
        source = (
            "SELECT id FROM housing_building WHERE compound_id IN (SELECT id FROM housing_compound WHERE code LIKE %s)"
            if table == "housing_room"
            else "SELECT id FROM housing_compound WHERE code LIKE %s"
        )
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({source})", like)
    cursor.execute("DELETE FROM housing_compound_partner_employers WHERE compound_id IN "
                   "(SELECT id FROM housing_compound WHERE code LIKE %s)", like)  # fmt: skip
    cursor.execute("DELETE FROM housing_compound WHERE code LIKE %s", like)
    cursor.execute("DELETE FROM residents_resident WHERE id_number_hash LIKE %s", like)
    cursor.execute("SET session_replication_role = DEFAULT")


def _popularity(rng: random.Random, count: int) -> list[float]:
    weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    rng.shuffle(weights)
    return weights


def _build(applicants: int, places: int) -> None:
    """Residents, stock, sitting tenants and the waiting list, with COPY (a few seconds per 100,000 rows)."""
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    towns = list(Town.objects.values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        _remove(cursor)
        cursor.execute("SET session_replication_role = replica")
        # Compounds, ten buildings each.
        compound_first = _reserve_ids(cursor, "housing_compound", COMPOUNDS)
        compound_ids = list(range(compound_first, compound_first + COMPOUNDS))
        _copy(
            cursor,
            "housing_compound",
            [
                "id",
                "created_at",
                "updated_at",
                "name_zh",
                "name_en",
                "code",
                "kind",
                "town_id",
                "address",
                "facilities",
                "accepting",
            ],
            (
                (
                    pk,
                    now,
                    now,
                    f"基准公寓{i}",
                    f"Bench compound {i}",
                    f"{MARK}{i}",
                    "public",
                    towns[i % len(towns)],
                    f"{i} Bench Road",
                    "",
                    "t",
                )
                for i, pk in enumerate(compound_ids)
            ),
        )
        building_first = _reserve_ids(cursor, "housing_building", COMPOUNDS * 10)
        _copy(
            cursor,
            "housing_building",
            ["id", "compound_id", "name"],
            ((building_first + i, compound_ids[i // 10], str(i % 10 + 1)) for i in range(COMPOUNDS * 10)),
        )
        # Rooms and places: four-bed shared rooms (80% of places) and family units for 2 to 4 (20%).
        rooms, place_rows = [], []
        per_compound = places // COMPOUNDS
        room_id = 0
        for c, compound in enumerate(compound_ids):
            count = per_compound + (1 if c < places % COMPOUNDS else 0)
            made = 0
            number = 0
            while made < count:
                building = building_first + c * 10 + number % 10
                number += 1
                family = rng.random() < 0.2 / (0.2 + 0.8 / 4)
                if family:
                    sleeps = rng.choice((2, 3, 4))
                    rooms.append((room_id, building, str(number), "family", sleeps))
                    place_rows.append((compound, room_id, "", sleeps, rng.choice((600, 750, 900))))
                    made += 1
                else:
                    beds = min(4, count - made)
                    rooms.append((room_id, building, str(number), "shared", beds))
                    rent = rng.choice((150, 200, 260))
                    place_rows.extend((compound, room_id, "ABCD"[b], 1, rent) for b in range(beds))
                    made += beds
                room_id += 1
        room_first = _reserve_ids(cursor, "housing_room", len(rooms))
        _copy(
            cursor,
            "housing_room",
            ["id", "building_id", "number", "kind", "capacity"],
            ((room_first + r, b, n, k, cap) for r, b, n, k, cap in rooms),
        )
        place_first = _reserve_ids(cursor, "housing_place", len(place_rows))
        _copy(
            cursor,
            "housing_place",
            ["id", "compound_id", "room_id", "label", "sleeps", "rent", "active"],
            (
                (place_first + i, c, room_first + r, label, s, rent, "t")
                for i, (c, r, label, s, rent) in enumerate(place_rows)
            ),
        )
        # Residents: the sitting tenants of 90% of the places, then the applicants.
        let = [i for i in range(len(place_rows)) if rng.random() >= FREE_SHARE]
        residents = len(let) + applicants
        resident_first = _reserve_ids(cursor, "residents_resident", residents)
        _copy(
            cursor,
            "residents_resident",
            [
                "id",
                "created_at",
                "updated_at",
                "state",
                "submitted_at",
                "decision_note",
                "id_number_encrypted",
                "id_number_hash",
                "id_number_masked",
                "birth_date",
                "gender",
                "name",
                "phone",
                "home_region_code",
                "home_province_code",
                "arrival_date",
                "town_id",
                "address",
                "education",
            ],
            (
                (
                    resident_first + i,
                    now,
                    now,
                    "verified",
                    now,
                    "",
                    "opaque",
                    f"{MARK}{i}",
                    "3401**********0000",
                    date(1990, 1, 1),
                    "male",
                    f"Bench {i}",
                    f"15{i:09d}",
                    "340121",
                    "34",
                    date(2020, 1, 1),
                    towns[i % len(towns)],
                    "Bench Road",
                    "junior",
                )
                for i in range(residents)
            ),
        )
        _copy(
            cursor,
            "housing_tenancy",
            [
                "created_at",
                "updated_at",
                "resident_id",
                "place_id",
                "household_size",
                "start_date",
                "rent",
                "utilities",
                "end_reason",
            ],
            (
                (
                    now,
                    now,
                    resident_first + n,
                    place_first + i,
                    1 if place_rows[i][3] == 1 else place_rows[i][3],
                    today - timedelta(days=rng.randint(1, 2000)),
                    place_rows[i][4],
                    "0.00",
                    "",
                )
                for n, i in enumerate(let)
            ),
        )
        # The waiting list: points 0-75, seven in ten single, one to five choices by popularity.
        application_first = _reserve_ids(cursor, "housing_housingapplication", applicants)
        popularity = _popularity(rng, COMPOUNDS)
        applications, choices = [], []
        for a in range(applicants):
            pk = application_first + a
            size = 1 if rng.random() < 0.7 else rng.choice((2, 3, 4))
            submitted = now - timedelta(minutes=rng.randint(0, 60 * 24 * 900))
            applications.append(
                (
                    pk,
                    submitted,
                    submitted,
                    "waiting",
                    submitted,
                    "",
                    resident_first + len(let) + a,
                    size,
                    rng.choice((4000, 6000, 9000)),
                    rng.choice(("shed", "overcrowded", "adequate")),
                    rng.choice((0, 10, 20, 30, 40, 50, 60, 75)),
                    "[]",
                    0,
                )
            )
            wanted = list(dict.fromkeys(rng.choices(compound_ids, weights=popularity, k=8)))[
                : rng.randint(1, 5)
            ]
            choices.extend((pk, rank, compound, "") for rank, compound in enumerate(wanted, start=1))
        _copy(
            cursor,
            "housing_housingapplication",
            [
                "id",
                "created_at",
                "updated_at",
                "state",
                "submitted_at",
                "decision_note",
                "resident_id",
                "household_size",
                "household_income",
                "current_housing",
                "points",
                "points_breakdown",
                "unanswered_offers",
            ],
            applications,
        )
        _copy(
            cursor,
            "housing_applicationchoice",
            ["application_id", "rank", "compound_id", "unusable"],
            choices,
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cursor:
        for table in ("residents_resident", "housing_place", "housing_tenancy", "housing_housingapplication",
                      "housing_applicationchoice", "housing_offer"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")


def _clean() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        _remove(cursor)


def run(scale: float = 1.0) -> list[dict]:
    """Median times of the round preview on PostgreSQL, of the core alone, and of two pages' reads.

    The data is built for the run and removed after it, so that the other benchmarks sharing the
    database never count these residents.
    """
    applicants, places = round(APPLICANTS * scale), round(PLACES * scale)
    started = time.perf_counter()
    _build(applicants, places)
    setup = time.perf_counter() - started
    try:
        preview, plan = _median(allocation_plan)
        core, _outcome = _median(lambda: allocate_round(plan.applicants, plan.free_places), repeats=5)
        last = HousingApplication.objects.filter(state="waiting").order_by("points", "-submitted_at").first()
        standing, _ = _median(lambda: application_standing(last))
        dashboard, _ = _median(housing_dashboard)
    finally:
        _clean()
    free = sum(len(ids) for ids in plan.free_places.values())
    note = (
        f"{plan.considered:,} applicants, {free:,} free of {places:,} places, {plan.placed:,} offers; "
        f"data built in {setup:.1f}s"
    )
    return [
        {
            "name": f"housing: round preview on PostgreSQL ({applicants:,} applicants, {COMPOUNDS} compounds)",
            "measured_s": preview,
            "target_s": 20.0,
            "note": note,
        },
        {
            "name": f"housing: round core alone, pools and places ({applicants:,} applicants)",
            "measured_s": core,
            "target_s": 2.0,
        },
        {
            "name": "housing: one applicant's rank and expected wait (the last on the list)",
            "measured_s": standing,
            "target_s": None,
        },
        {"name": "housing: officials' dashboard section", "measured_s": dashboard, "target_s": None},
    ]
