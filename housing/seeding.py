"""Housing's part of ``manage.py seed_city``: the city's 68 blue-collar compounds (about 250,000 places)
and the employer dormitories (about 447,000 places), sitting tenants, and 250,000 applicants waiting.

Places follow the services' layout (one place per bed of a shared room, one per family unit; dormitories
rent-free with the utilities charge). Dormitories belong to the employers with the most staff, sized to
their staff; only their own staff live in them. Waiting applicants are verified, employed residents with
no tenancy, their points computed by the pure rules of ``housing.priority`` and their choices marked as
the service would mark them (affordable, fitting). Written with COPY; marked by the ``city-`` codes, so
a second run adds nothing.
"""

import json
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from housing.models import (
    ApplicationChoice,
    Building,
    Compound,
    CurrentHousing,
    HousingApplication,
    Place,
    Room,
    Tenancy,
)
from housing.priority import priority_points
from housing.selectors import housing_rules
from housing.services import BED_LABELS
from kunshan_portal.bulkload import copy_rows, next_ids
from residents import seeding as registry
from residents.models import FamilyMember, Resident, Town

PUBLIC_COMPOUNDS = 68
PUBLIC_PLACES = 250_000
DORMITORY_PLACES = 447_000
WAITING = 250_000
OCCUPANCY = 0.6  # share of places let: the rest are free, offered in rounds
MOVED_OUT_SHARE = 0.06  # tenancies ended within the last year (the turnover behind expected waits)
ROOMS_PER_BUILDING = 120
CODE = "city-"


def _rooms(rng: random.Random, dormitory: bool, places: int) -> list[tuple[str, int, Decimal]]:
    """(kind, capacity, rent per place) of rooms adding up to about ``places`` places."""
    rooms, made = [], 0
    while made < places:
        if dormitory:
            rooms.append(("shared", rng.choice((4, 6, 8)), Decimal(0)))
        elif rng.random() < 0.25:
            rooms.append(("family", rng.choice((2, 3, 4)), Decimal(rng.choice((600, 750, 900)))))
        else:
            rooms.append(("shared", rng.choice((2, 4)), Decimal(rng.choice((150, 200, 260)))))
        made += 1 if rooms[-1][0] == "family" else rooms[-1][1]
    return rooms


def _write_stock(compound_id: int, rooms: list) -> int:
    buildings = next_ids(Building, (len(rooms) + ROOMS_PER_BUILDING - 1) // ROOMS_PER_BUILDING)
    copy_rows(Building, ["id", "compound", "name"], [(b, compound_id, str(n + 1)) for n, b in enumerate(buildings)])  # fmt: skip
    room_ids = next_ids(Room, len(rooms))
    room_rows, place_rows = [], []
    for n, (pk, (kind, capacity, rent)) in enumerate(zip(room_ids, rooms, strict=True)):
        building = buildings[n // ROOMS_PER_BUILDING]
        within = n % ROOMS_PER_BUILDING
        room_rows.append((pk, building, f"{within // 8 + 1}{within % 8 + 1:02d}", kind, capacity))
        if kind == "family":
            place_rows.append((compound_id, pk, "", capacity, rent, True))
        else:
            place_rows += [(compound_id, pk, BED_LABELS[i], 1, rent, True) for i in range(capacity)]
    copy_rows(Room, ["id", "building", "number", "kind", "capacity"], room_rows)
    return copy_rows(Place, ["compound", "room", "label", "sleeps", "rent", "active"], place_rows)


@transaction.atomic
def create_stock(*, scale: float, seed: int) -> tuple[int, int]:
    """The public compounds and the dormitories with their buildings, rooms and places (once)."""
    if Compound.objects.filter(code__startswith=CODE).exists():
        return 0, 0
    rng = random.Random(seed)
    towns = list(Town.objects.order_by("pk"))
    employers = list(registry.city_employers().order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    public_places = registry.scaled(PUBLIC_PLACES, scale, PUBLIC_COMPOUNDS)
    public = []
    for n in range(1, PUBLIC_COMPOUNDS + 1):
        town = towns[(n - 1) % len(towns)]
        compound = Compound(
            code=f"{CODE}{n:02d}", kind=Compound.Kind.PUBLIC, town=town, created_at=now, updated_at=now,
            name_zh=f"{town.name_zh}第{n}蓝领公寓", name_en=f"{town.name_en} Blue-collar Apartments No. {n}",
            address=f"{town.name_zh}工业园 {n} 号", facilities=rng.choice(("食堂\n洗衣房", "食堂\n超市", "洗衣房\n篮球场")),
        )  # fmt: skip
        public.append(compound)
    Compound.objects.bulk_create(public)
    places = 0
    for compound in public:
        compound.partner_employers.set(rng.sample(employers, k=min(len(employers), rng.randint(1, 3))))
        places += _write_stock(compound.pk, _rooms(rng, False, public_places // PUBLIC_COMPOUNDS))
    # Dormitories of the employers with the most verified staff, each sized to about its staff.
    staff = (
        Resident.objects.filter(state=Resident.State.VERIFIED, employer__isnull=False)
        .values("employer_id", "employer__town_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "employer_id")
    )
    dormitory_places, dormitories = registry.scaled(DORMITORY_PLACES, scale, 8), 0
    for row in staff:
        if dormitory_places <= 0 or row["n"] < 8:
            break
        size = min(dormitory_places, row["n"] * 3 // 4)
        dormitories += 1
        compound = Compound.objects.create(
            code=f"{CODE}dorm-{row['employer_id']}", kind=Compound.Kind.DORMITORY, owner_id=row["employer_id"],
            town_id=row["employer__town_id"], name_zh=f"员工宿舍 {dormitories}", name_en=f"Staff dormitory {dormitories}",
            address="工业园", facilities="食堂\n淋浴",
        )  # fmt: skip
        made = _write_stock(compound.pk, _rooms(rng, True, size))
        dormitory_places -= made
        places += made
    return PUBLIC_COMPOUNDS + dormitories, places


def _eligible() -> list[tuple[int, int]]:
    """(resident, employer) of verified, employed city residents with no current tenancy, by id."""
    return list(
        registry.city_residents()
        .filter(state=Resident.State.VERIFIED, employer__isnull=False)
        .exclude(Exists(Tenancy.objects.filter(resident=OuterRef("pk"), end_date__isnull=True)))
        .order_by("pk")
        .values_list("pk", "employer_id")
    )


@transaction.atomic
def create_tenancies(*, seed: int) -> int:
    """Sitting tenants in about 60% of the city's places (dormitories: their owner's staff), a share of
    them moved out within the last year."""
    if Tenancy.objects.filter(place__compound__code__startswith=CODE).exists():
        return 0
    rng = random.Random(seed + 1)
    rules = housing_rules()
    today = timezone.localdate()
    free = _eligible()
    rng.shuffle(free)
    by_employer: dict[int, list[int]] = defaultdict(list)
    for resident_id, employer_id in free:
        by_employer[employer_id].append(resident_id)
    anyone = [resident_id for resident_id, _employer in free]
    housed: set[int] = set()
    rows = []
    places = Place.objects.filter(compound__code__startswith=CODE).order_by("pk")
    for place_id, sleeps, rent, dormitory, owner in places.values_list(
        "pk", "sleeps", "rent", "compound__kind", "compound__owner_id"
    ).iterator(chunk_size=50_000):
        if rng.random() > OCCUPANCY:
            continue
        pool = by_employer[owner] if dormitory == Compound.Kind.DORMITORY else anyone
        while pool and pool[-1] in housed:
            pool.pop()
        if not pool:
            continue
        resident_id = pool.pop()
        housed.add(resident_id)
        start = today - timedelta(days=rng.randint(30, 1500))
        end = None
        if rng.random() < MOVED_OUT_SHARE:
            end = max(start + timedelta(days=1), today - timedelta(days=rng.randint(1, 300)))
        utilities = rules.dormitory_utilities if dormitory == Compound.Kind.DORMITORY else Decimal(0)
        rows.append((start, start, resident_id, place_id, 1 if sleeps == 1 else rng.randint(2, sleeps), start,
                     end, "moved_out" if end else "", rent, utilities))  # fmt: skip
    return copy_rows(
        Tenancy,
        ["created_at", "updated_at", "resident", "place", "household_size", "start_date", "end_date",
         "end_reason", "rent", "utilities"],
        rows,
    )  # fmt: skip


def _costs() -> dict[int, dict]:
    """Per public compound: the cheapest bed, and the cheapest family unit by size (what a household pays)."""
    costs: dict[int, dict] = defaultdict(lambda: {"bed": None, "family": {}})
    for compound_id, sleeps, rent in (
        Place.objects.filter(compound__code__startswith=CODE, compound__kind=Compound.Kind.PUBLIC)
        .values_list("compound_id", "sleeps", "rent")
        .distinct()
    ):
        entry = costs[compound_id]
        if sleeps == 1:
            entry["bed"] = rent if entry["bed"] is None else min(entry["bed"], rent)
        else:
            entry["family"][sleeps] = min(rent, entry["family"].get(sleeps, rent))
    return costs


def _cost_for(entry: dict, size: int):
    if size == 1:
        return entry["bed"]
    fitting = [rent for sleeps, rent in entry["family"].items() if sleeps >= size]
    return min(fitting) if fitting else None


def create_waiting_list(*, count: int, seed: int, progress) -> int:
    """Applicants waiting: eligible residents with up to five public compounds in order, their points and
    their choices marked as the service marks them."""
    if HousingApplication.objects.filter(resident__phone__startswith=registry.PHONE_PREFIX).exists():
        return 0
    rng = random.Random(seed + 2)
    rules = housing_rules()
    today = timezone.localdate()
    free = _eligible()
    rng.shuffle(free)
    chosen = sorted(free[:count])
    arrivals = dict(
        registry.city_residents().filter(pk__in=[r for r, _e in chosen]).values_list("pk", "arrival_date")
    )
    children = defaultdict(list)
    for resident_id, born in FamilyMember.objects.filter(
        relation=FamilyMember.Relation.CHILD, resident__phone__startswith=registry.PHONE_PREFIX
    ).values_list("resident_id", "birth_date"):
        children[resident_id].append(born)
    compounds = list(Compound.objects.filter(code__startswith=CODE, kind=Compound.Kind.PUBLIC).order_by("pk"))
    partners = defaultdict(set)
    for compound_id, employer_id in Compound.partner_employers.through.objects.filter(
        compound__code__startswith=CODE
    ).values_list("compound_id", "employer_id"):
        partners[employer_id].add(compound_id)
    costs = _costs()
    ids = next_ids(HousingApplication, len(chosen))
    applications, choices = [], []
    for pk, (resident_id, employer_id) in zip(ids, chosen, strict=True):
        size = rng.choices((1, 2, 3, 4), weights=(60, 15, 15, 10))[0]
        income = Decimal(rng.choice((4500, 5200, 6000, 8000, 11000)) * (1 if size == 1 else 2))
        housing = rng.choice(
            (CurrentHousing.TEMPORARY_SHED, CurrentHousing.OVERCROWDED, "adequate", "adequate")
        )
        picked = rng.sample(compounds, k=rng.randint(1, 5))
        cap = rules.cap_for(income)
        usable_partnered = []
        for rank, compound in enumerate(picked, start=1):
            cost = _cost_for(costs[compound.pk], size)
            unusable = "no_room" if cost is None else ("unaffordable" if cost > cap else "")
            if not unusable and compound.pk in partners[employer_id]:
                usable_partnered.append(compound.pk)
            choices.append((pk, rank, compound.pk, cost, unusable))
        points, breakdown = priority_points(
            rules.points, current_housing=str(housing), arrival_date=arrivals[resident_id], today=today,
            partner_compounds=usable_partnered, children_birth_dates=children.get(resident_id, ()),
        )  # fmt: skip
        submitted = timezone.now() - timedelta(days=rng.randint(1, 540), minutes=rng.randint(0, 1440))
        applications.append((
            pk, submitted, submitted, submitted, "", "waiting", resident_id, size, income, str(housing),
            employer_id, points, breakdown, today, 0,
        ))  # fmt: skip
    with transaction.atomic():
        step = 50_000
        for start in range(0, len(applications), step):
            copy_rows(
                HousingApplication,
                ["id", "created_at", "updated_at", "submitted_at", "decision_note", "state", "resident",
                 "household_size", "household_income", "current_housing", "employer", "points",
                 "points_breakdown", "points_computed_on", "unanswered_offers"],
                [(*row[:12], json.dumps(row[12], ensure_ascii=False), *row[13:]) for row in applications[start : start + step]],
            )  # fmt: skip
            progress("housing applications", min(len(applications), start + step), len(applications))
        copy_rows(ApplicationChoice, ["application", "rank", "compound", "monthly_cost", "unusable"], choices)
    return len(applications)


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """Compounds, dormitories, tenants and the waiting list, at this scale."""
    compounds, places = create_stock(scale=scale, seed=seed)
    registry.analyze("housing_compound", "housing_building", "housing_room", "housing_place")
    progress("housing stock", 1, 1)
    tenancies = create_tenancies(seed=seed)
    registry.analyze("housing_tenancy")
    waiting = create_waiting_list(count=registry.scaled(WAITING, scale, 20), seed=seed, progress=progress)
    registry.analyze("housing_housingapplication", "housing_applicationchoice")
    return {"compounds": compounds, "places": places, "tenancies": tenancies, "waiting applicants": waiting}
