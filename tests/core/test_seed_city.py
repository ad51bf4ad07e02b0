"""manage.py seed_city at --scale 0.001: the city in proportion, and every rule the portal relies on holds."""

import io
import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.utils import timezone
from rest_framework.authtoken.models import Token
from stdnum.cn import ric, uscc

from benchmarks import load
from education.models import Application as SchoolApplication
from employment import seeding as employment_seeding
from employment.models import Application, Job, Placement
from employment.selectors import training_programmes_for_skills
from employment.services import application_submit
from housing.models import Compound, HousingApplication, Place, Tenancy
from insurance.models import ContributionLine, ContributionTotal, Enrolment
from kunshan_portal.crypto import decrypt, lookup_hash
from legal_aid.models import Case
from residents import seeding as registry
from residents.models import FamilyMember, Resident

SCALE = 0.001


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """The city seeded once for the module (its output kept), then a second run's output."""
    with django_db_blocker.unblock():
        first, second = io.StringIO(), io.StringIO()
        call_command("seed_city", scale=SCALE, stdout=first)
        call_command("seed_city", scale=SCALE, stdout=second)
    yield first.getvalue(), second.getvalue()
    with django_db_blocker.unblock():
        # Empty the database and put back the reference data it was created with, as Django's
        # serialized rollback does, so that the tests after these find the database as they expect.
        # Keep the sequences where they are: the reference data comes back with its own ids.
        call_command(
            "flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=False
        )
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


pytestmark = pytest.mark.django_db(serialized_rollback=True)  # the fixture restores the reference data


def test_counts_are_the_citys_in_proportion(city):
    # given the city at 0.001 (minimums apply to the smallest figures)
    # then
    assert registry.city_residents().count() == 1_350
    assert registry.city_employers().count() == 20
    assert Job.objects.filter(state=Job.State.OPEN, description__contains="(city posting)").count() == 50
    assert Enrolment.objects.filter(resident__phone__startswith="159", state="active").count() == 450
    assert Compound.objects.filter(code__startswith="city-", kind=Compound.Kind.PUBLIC).count() == 68
    assert (
        HousingApplication.objects.filter(resident__phone__startswith="159", state="waiting").count() == 250
    )
    assert Case.objects.filter(applicant__phone__startswith="159").count() == 30
    assert SchoolApplication.objects.filter(parent__phone__startswith="159").count() == 57
    public_places = Place.objects.filter(compound__code__startswith="city-", compound__kind="public").count()
    dormitory_places = Place.objects.filter(
        compound__code__startswith="city-", compound__kind="dormitory"
    ).count()
    assert 250 <= public_places <= 250 + 68 * 4
    assert 0 < dormitory_places <= 447 + 8


def test_a_second_run_adds_nothing(city):
    _first, second = city
    for app in ("residents", "employment", "insurance", "housing", "education", "legal_aid"):
        line = next(line for line in second.splitlines() if line.startswith(f"{app}:"))
        assert all(
            part.strip().startswith("0 ") for part in line.split(":", 1)[1].split(" in ")[0].split(",")
        )


def test_identity_numbers_are_valid_unique_and_found_by_their_hash(city):
    people = list(
        registry.city_residents().values_list("id_number_encrypted", "id_number_hash", "birth_date")
    )
    people += list(
        FamilyMember.objects.filter(resident__phone__startswith="159").values_list(
            "id_number_encrypted", "id_number_hash", "birth_date"
        )
    )
    numbers = set()
    for encrypted, digest, born in people:
        number = decrypt(encrypted)
        assert ric.is_valid(number)
        assert ric.get_birth_date(number) == born
        assert lookup_hash(number) == digest
        numbers.add(number)
    assert len(numbers) == len(people)


def test_employers_have_valid_credit_codes_of_kunshan(city):
    for code in registry.city_employers().values_list("uscc", flat=True):
        assert uscc.is_valid(code)
        assert code[2:8] == "320583"


def test_no_family_without_an_adult(city):
    today = date.today()
    for born in registry.city_residents().values_list("birth_date", flat=True):
        assert (today - born).days >= 18 * 365
    # every child is at least 20 years younger than the resident whose family it is
    young_parents = FamilyMember.objects.filter(
        resident__phone__startswith="159", relation="child", birth_date__lt=F("resident__birth_date")
    )
    assert not young_parents.exists()
    assert FamilyMember.objects.filter(resident__phone__startswith="159", relation="child").exists()


def test_no_place_let_twice_and_dormitories_house_their_own_staff(city):
    current = Tenancy.objects.filter(end_date__isnull=True, place__compound__code__startswith="city-")
    assert current.exists()
    assert not current.values("place").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not current.values("resident").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not current.filter(household_size__gt=F("place__sleeps")).exists()
    assert (
        not current.filter(place__compound__kind="dormitory")
        .exclude(resident__employer=F("place__compound__owner"))
        .exists()
    )
    # waiting applicants hold no place
    waiting = HousingApplication.objects.filter(state="waiting", resident__phone__startswith="159")
    assert not waiting.filter(
        Exists(Tenancy.objects.filter(resident=OuterRef("resident"), end_date__isnull=True))
    ).exists()


def test_contributions_are_consistent(city):
    lines = ContributionLine.objects.filter(resident__phone__startswith="159")
    assert lines.values("period").distinct().count() == 12
    # every line balances, to the fen
    assert not lines.exclude(
        pool=F("employer_amount") + F("employee_amount") - F("personal_account")
    ).exists()
    # five schemes a month, never doubled
    per_month = lines.values("enrolment", "period").annotate(n=Count("pk"))
    assert {row["n"] for row in per_month} == {5}
    # no month before the enrolment began
    for period, start in lines.values_list("period", "enrolment__start_date"):
        assert period >= start.replace(day=1)
    # totals per employer and month equal their lines
    total = ContributionTotal.objects.aggregate(s=Sum("employer_amount"))["s"]
    assert total == ContributionLine.objects.aggregate(s=Sum("employer_amount"))["s"]


def test_job_applications_follow_the_rules(city):
    city_applications = Application.objects.filter(job__description__contains="(city posting)")
    assert city_applications.count() == 100
    assert not city_applications.exclude(job__state="open").exists()
    assert not Job.objects.filter(hired_count__gt=F("openings")).exists()
    hired = city_applications.filter(state="hired")
    assert Placement.objects.filter(resident__in=hired.values("resident")).count() == hired.count()
    assert not hired.exclude(resident__employer=F("job__employer")).exists()


def test_training_programmes_start_within_three_months_with_their_sessions(city):
    programmes = employment_seeding.city_programmes()
    assert programmes.count() == 30
    today = timezone.localdate()
    assert not programmes.exclude(starts_on__gt=today, starts_on__lte=today + timedelta(days=91)).exists()
    assert not programmes.filter(kind="workshop", employer=None).exists()
    assert not programmes.filter(kind="safety").exclude(certificate__code="construction-safety").exists()
    for programme in programmes:
        assert [s.date for s in programme.session_list.all()] == [
            programme.starts_on + timedelta(days=7 * week) for week in range(programme.sessions)
        ]
    # a resident missing a skill is shown the programmes that teach it
    codes = set(programmes.values_list("skill__code", flat=True))
    offers = training_programmes_for_skills(codes)
    assert set(offers) == codes


def test_school_applications_rank_schools_teaching_the_grade(city):
    applications = SchoolApplication.objects.filter(parent__phone__startswith="159")
    assert applications.values("lottery").distinct().count() == applications.count()
    for application in applications.prefetch_related("choices__school"):
        schools = [choice.school for choice in application.choices.all()]
        assert 1 <= len(schools) <= 6
        assert all(s.first_grade <= application.grade <= s.last_grade for s in schools)
        assert application.child.resident_id == application.parent_id


def test_legal_aid_cases_in_every_state(city):
    cases = Case.objects.filter(applicant__phone__startswith="159")
    assert cases.values("reference").distinct().count() == cases.count()
    assert cases.filter(state="closed").exists() and cases.filter(state="submitted").exists()
    assert not cases.filter(state="closed", outcome="").exists()
    assert not cases.filter(state__in=Case.PROCEEDINGS, assignee__isnull=True).exists()


def test_the_load_test_logs_in_residents_no_earlier_run_applied_for_a_job_as(city, monkeypatch):
    # given: the load test's residents of a first run (three here), one of whom applied during the run
    monkeypatch.setattr(load, "LOGGED_IN_RESIDENTS", 3)
    first = residents_of(load._accounts(random.Random(1)))
    job = Job.objects.filter(state="open", certificates_lo=0, certificates_hi=0).first()
    application_submit(job=job, resident=first[0], actor=first[0].user, note=load.APPLICATION_NOTE)

    # when: the next run logs its residents in
    second = residents_of(load._accounts(random.Random(1)))

    # then: the one with the earlier run's application is not among them (their pages would have grown
    # with every run); the others are logged in again
    assert first[0] not in second
    assert set(first[1:]) <= set(second)
    assert len(second) == 3


def residents_of(accounts: dict) -> list[Resident]:
    tokens = Token.objects.filter(key__in=accounts["token"])
    return list(Resident.objects.filter(user__in=tokens.values("user")).order_by("pk"))
