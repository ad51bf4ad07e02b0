"""Education's part of ``manage.py seed_city``: the coming school year open, seats in every school for the
city's 57,000 migrant children applying (63% of the seats in public schools), and their applications.

Each application is for a school-age child of a verified city resident, for the grade the age rule gives,
with 1 to 6 ranked schools that teach it (the parent's catchment first, a dedicated school, others), and
the child's lottery number drawn once and stored, as the service does. Written with COPY; a second run
adds only children not applied for yet.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from education.demo import _grade_for, admission_year
from education.models import Application, ApplicationChoice, ChildLottery, School, SchoolSeats, SchoolYear
from education.selectors import policy_in_force
from education.services import LOTTERY_RANGE
from kunshan_portal.bulkload import copy_rows, next_ids
from residents import seeding as registry
from residents.models import FamilyMember, Resident

APPLICANTS = 57_000
PUBLIC_SHARE = 0.63
SEATS_PER_APPLICANT = 1.1  # a little more room than children, unevenly spread: some schools fill


@transaction.atomic
def create_seats(*, year: int, applicants: int, seed: int) -> int:
    """Seats per school and grade of the year (those not there yet), about 1.1 per applicant."""
    SchoolYear.objects.update_or_create(year=year, defaults={"applications_open": True})
    rng = random.Random(seed)
    existing = set(SchoolSeats.objects.filter(school_year_id=year).values_list("school_id", "grade"))
    schools = list(School.objects.filter(active=True).order_by("pk"))
    total = applicants * SEATS_PER_APPLICANT
    rows = []
    for school in schools:
        kind_share = PUBLIC_SHARE if school.kind == School.Kind.PUBLIC else 1 - PUBLIC_SHARE
        same_kind = sum(1 for s in schools if s.kind == school.kind)
        grades = school.last_grade - school.first_grade + 1
        for grade in range(school.first_grade, school.last_grade + 1):
            if (school.pk, grade) in existing:
                continue
            seats = max(1, round(total * kind_share / same_kind / grades * rng.uniform(0.6, 1.4)))
            rows.append(SchoolSeats(school=school, school_year_id=year, grade=grade, seats=seats))
    return len(SchoolSeats.objects.bulk_create(rows))


def create_applications(*, year: int, count: int, seed: int, progress) -> int:
    """Applications for school-age children of verified city residents (up to ``count`` in the year)."""
    have = Application.objects.filter(
        school_year_id=year, parent__phone__startswith=registry.PHONE_PREFIX
    ).count()
    if have >= count:
        return 0
    rng = random.Random(seed + 1)
    applied = set(Application.objects.filter(school_year_id=year).values_list("child_id_hash", flat=True))
    children = []
    rule = policy_in_force().age_rule  # one look-up, not one per child
    for child_id, child_hash, born, parent_id, town_id in (
        FamilyMember.objects.filter(
            relation=FamilyMember.Relation.CHILD,
            resident__phone__startswith=registry.PHONE_PREFIX,
            resident__state=Resident.State.VERIFIED,
        )
        .order_by("pk")
        .values_list("pk", "id_number_hash", "birth_date", "resident_id", "resident__town_id")
        .iterator(chunk_size=50_000)
    ):
        if child_hash in applied:
            continue
        grade = _grade_for(born, year, rule)
        if grade is not None:
            children.append((child_id, child_hash, parent_id, town_id, grade))
    rng.shuffle(children)
    children = sorted(children[: count - have])
    schools = list(School.objects.filter(active=True).order_by("code"))
    dedicated = [s for s in schools if s.kind == School.Kind.DEDICATED]
    by_town: dict[int, list[School]] = {}
    for school in schools:
        if school.kind == School.Kind.PUBLIC:
            by_town.setdefault(school.town_id, []).append(school)
    most = policy_in_force().max_choices
    taken = set(ChildLottery.objects.values_list("number", flat=True))
    lottery_of = dict(ChildLottery.objects.values_list("child_id_hash", "number"))
    ids = next_ids(Application, len(children))
    applications, choices, lotteries = [], [], []
    now = timezone.now()
    for pk, (child_id, child_hash, parent_id, town_id, grade) in zip(ids, children, strict=True):
        fits = [s for s in by_town.get(town_id, []) if s.first_grade <= grade <= s.last_grade]
        ranked = rng.sample(fits, k=min(len(fits), rng.randint(1, 2)))
        ranked += rng.sample(
            [s for s in dedicated if s.first_grade <= grade <= s.last_grade], k=rng.randint(1, 2)
        )
        others = [s for s in schools if s.first_grade <= grade <= s.last_grade and s not in ranked]
        ranked += rng.sample(others, k=min(len(others), rng.randint(0, 3)))
        number = lottery_of.get(child_hash)
        if number is None:
            number = rng.randrange(1, LOTTERY_RANGE)
            while number in taken:
                number = rng.randrange(1, LOTTERY_RANGE)
            taken.add(number)
            lotteries.append((child_hash, number, now))
        submitted = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 1440))
        applications.append((pk, submitted, submitted, submitted, "", "submitted", parent_id, child_id, child_hash,
                             year, grade, number))  # fmt: skip
        choices += [(pk, rank, school.pk) for rank, school in enumerate(ranked[:most], start=1)]
    with transaction.atomic():
        copy_rows(ChildLottery, ["child_id_hash", "number", "drawn_at"], lotteries)
        copy_rows(
            Application,
            ["id", "created_at", "updated_at", "submitted_at", "decision_note", "state", "parent", "child",
             "child_id_hash", "school_year", "grade", "lottery"],
            applications,
        )  # fmt: skip
        copy_rows(ApplicationChoice, ["application", "rank", "school"], choices)
    progress("school applications", len(applications), len(applications))
    return len(applications)


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """The school year, its seats and the children's applications, at this scale."""
    year = admission_year(timezone.localdate())
    count = registry.scaled(APPLICANTS, scale, 20)
    seats = create_seats(year=year, applicants=count, seed=seed)
    applications = create_applications(year=year, count=count, seed=seed, progress=progress)
    registry.analyze("education_application", "education_applicationchoice", "education_childlottery")
    return {"seat rows": seats, "applications": applications}
