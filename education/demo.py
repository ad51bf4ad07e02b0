"""Demo data of the education app: the coming school year open, seats in every seeded school, school-age
children of demo residents applying, the first placement round run, and some offers answered.

Idempotent: once the school year has a round, a second run adds nothing.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from education import services
from education.models import Application, Offer, Round, School, SchoolSeats, SchoolYear
from education.rules import age_on
from education.selectors import policy_in_force
from kunshan_portal.errors import DomainError
from residents.models import FamilyMember, Resident

MOST_APPLICATIONS = 400


def admission_year(today: date) -> int:
    """The school year families apply for: the one starting this September, or next year's after it."""
    return today.year + (1 if today.month >= 9 else 0)


def _grade_for(birth_date: date, year: int, rule=None) -> int | None:
    """The grade a child born that day enters in the year, by the age rule in force (or the one given)."""
    rule = rule or policy_in_force().age_rule
    grade = age_on(birth_date, rule.cutoff(year)) - rule.entry_age + 1
    return grade if 1 <= grade <= 9 else None


def _seats(year: int, rng) -> int:
    schools = list(School.objects.filter(active=True))
    existing = set(SchoolSeats.objects.filter(school_year_id=year).values_list("school_id", "grade"))
    rows = []
    for school in schools:
        for grade in range(school.first_grade, school.last_grade + 1):
            if (school.pk, grade) in existing:
                continue
            # Few seats per grade: the demo city is small, and some schools must fill up.
            seats = rng.randint(2, 6) if school.kind == School.Kind.PUBLIC else rng.randint(4, 9)
            rows.append(SchoolSeats(school=school, school_year_id=year, grade=grade, seats=seats))
    return len(SchoolSeats.objects.bulk_create(rows))


def _ranked(
    parent: Resident, grade: int, by_town: dict, dedicated: list, everyone: list, rng
) -> list[School]:
    fits = [s for s in by_town.get(parent.town_id, []) if s.offers_grade(grade)]
    ranked = rng.sample(fits, k=min(len(fits), rng.randint(1, 2)))
    ranked += rng.sample([s for s in dedicated if s.offers_grade(grade)], k=rng.randint(1, 2))
    others = [s for s in everyone if s.offers_grade(grade) and s not in ranked]
    ranked += rng.sample(others, k=min(len(others), rng.randint(0, 3)))
    return ranked[: policy_in_force().max_choices]


def _applications(year: int, accounts: dict, rng) -> int:
    school_year = SchoolYear.objects.get(pk=year)
    everyone = list(School.objects.filter(active=True).order_by("code"))
    dedicated = [s for s in everyone if s.kind == School.Kind.DEDICATED]
    by_town: dict[int, list[School]] = {}
    for school in everyone:
        if school.kind == School.Kind.PUBLIC:
            by_town.setdefault(school.town_id, []).append(school)
    applied = set(Application.objects.filter(school_year_id=year).values_list("child_id_hash", flat=True))
    children = (
        FamilyMember.objects.filter(
            relation=FamilyMember.Relation.CHILD,
            resident__state=Resident.State.VERIFIED,
            resident__user__isnull=False,
        )
        .select_related("resident__user")
        .order_by("pk")
    )
    own = accounts.get("resident")
    made = 0
    for child in children.iterator():
        if made >= MOST_APPLICATIONS and child.resident.user != own:
            continue
        grade = _grade_for(child.birth_date, year)
        if grade is None or child.id_number_hash in applied:
            continue
        parent = child.resident
        schools = _ranked(parent, grade, by_town, dedicated, everyone, rng)
        try:
            services.application_submit(
                parent=parent,
                child=child,
                school_year=school_year,
                grade=grade,
                schools=schools,
                actor=parent.user,
            )
        except DomainError:
            continue
        applied.add(child.id_number_hash)
        made += 1
    return made


def _answer_some_offers(accounts: dict, round_: Round, rng) -> tuple[int, int]:
    own = accounts.get("resident")
    accepted = declined = 0
    for offer in Offer.objects.filter(round=round_, state=Offer.State.OPEN).select_related(
        "application__parent__user"
    ):
        user = offer.application.parent.user
        if user == own:
            continue  # the demo resident answers their own offer
        draw = rng.random()
        if draw < 0.6:
            services.offer_accept(offer=offer, actor=user)
            accepted += 1
        elif draw < 0.7:
            services.offer_decline(offer=offer, actor=user)
            declined += 1
    return accepted, declined


def seed_demo(*, accounts, rng, options, stdout) -> None:
    """The education demo: a school year open, seats, applications, round 1 run, some answers."""
    caseworker = accounts.get("caseworker_education")
    if caseworker is None:
        return
    year = admission_year(timezone.localdate())
    if Round.objects.filter(school_year_id=year).exists():
        stdout.write("education: the demo school year has its round already; nothing added")
        return
    with transaction.atomic():
        services.school_year_open(year=year, actor=caseworker)
        seats = _seats(year, rng)
    applications = _applications(year, accounts, rng)
    if not Application.objects.filter(school_year_id=year).exists():
        stdout.write(f"education: {seats} seat rows; no school-age children of verified residents yet")
        return
    round_ = services.round_create(school_year=SchoolYear.objects.get(pk=year), actor=caseworker,
                                   note="demo")  # fmt: skip
    services.round_freeze(round_=round_, actor=caseworker)
    services.round_start(round_=round_, actor=caseworker)
    round_ = services.round_run(round_id=round_.pk)  # does nothing if a worker ran it already
    while services.round_notify_batch(round_id=round_.pk):
        pass
    accepted, declined = _answer_some_offers(accounts, round_, rng)
    stdout.write(
        f"education: {seats} seat rows, {applications} applications, round 1 made {round_.offers_count} offers "
        f"({accepted} accepted, {declined} declined)"
    )
