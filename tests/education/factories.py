"""Factories of the education tests: school years, schools with seats, parents with school-age children,
applications and rounds run to the end."""

import itertools
from datetime import date

from django.contrib.auth.models import Group

from education import services
from education.models import Round, School, SchoolSeats, SchoolYear
from kunshan_portal import roles
from tests.factories import make_child, make_resident, make_town, make_user

YEAR = 2026
_sequence = itertools.count(1)


def make_school_year(year: int = YEAR, applications_open: bool = True) -> SchoolYear:
    school_year, _ = SchoolYear.objects.update_or_create(
        year=year, defaults={"applications_open": applications_open}
    )
    return school_year


def make_school(*, town: str = "yushan", kind: str = "public", first_grade: int = 1, last_grade: int = 6,
                **fields) -> School:  # fmt: skip
    n = next(_sequence)
    values = {
        "code": f"test-school-{n}", "name_zh": f"测试学校{n}", "name_en": f"Test School {n}", "kind": kind,
        "town": make_town(town), "address": f"学府路 {n} 号", "first_grade": first_grade, "last_grade": last_grade,
    }  # fmt: skip
    values.update(fields)
    return School.objects.create(**values)


def make_seats(school: School, seats: int = 1, *, grade: int = 1, year: int = YEAR) -> SchoolSeats:
    return SchoolSeats.objects.create(
        school=school, school_year=make_school_year(year), grade=grade, seats=seats
    )


def birth_date_for(grade: int = 1, year: int = YEAR) -> date:
    """A birth date that fits the grade in the school year (age 6 by 31 August for grade 1)."""
    return date(year - 5 - grade, 3, 1)


def make_parent(town: str = "yushan", **fields):
    return make_resident(town=make_town(town), **fields)


def make_school_child(parent, *, grade: int = 1, year: int = YEAR, **fields):
    return make_child(parent, birth_date=fields.pop("birth_date", birth_date_for(grade, year)), **fields)


def make_application(
    *, schools, parent=None, child=None, grade: int = 1, year: int = YEAR, town: str = "yushan"
):
    parent = parent or make_parent(town)
    child = child or make_school_child(parent, grade=grade, year=year)
    return services.application_submit(
        parent=parent, child=child, school_year=make_school_year(year), grade=grade, schools=list(schools),
        actor=parent.user,
    )  # fmt: skip


def make_caseworker(username: str | None = None):
    user = make_user(username or f"cw-education-{next(_sequence)}", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.CASEWORKER_GROUPS["education"]))
    return user


def run_round(actor, *, year: int = YEAR) -> Round:
    """Create, freeze, start and run the next round of the school year, as the worker would."""
    round_ = services.round_create(school_year=make_school_year(year), actor=actor)
    services.round_freeze(round_=round_, actor=actor)
    services.round_start(round_=round_, actor=actor)
    services.round_run(round_id=round_.pk)
    return Round.objects.get(pk=round_.pk)
