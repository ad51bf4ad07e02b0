"""The job seeker profiles: created with every resident and kept in step with the registry by triggers."""

import pytest
from django.db import connection

from employment.bits import from_words
from employment.models import JobSeekerProfile
from employment.services import jobseeker_preferences_update, jobseeker_profiles_rebuild
from kunshan_portal.errors import DomainError
from residents.models import ResidentCertificate, Town
from residents.services import resident_verify
from tests.employment.factories import certificates, make_seeker, skills, towns
from tests.factories import make_resident, make_user

pytestmark = pytest.mark.django_db


def profile_of(resident) -> JobSeekerProfile:
    return JobSeekerProfile.objects.get(resident=resident)


def test_every_new_resident_gets_a_profile_with_the_registry_copy():
    # when
    resident = make_seeker(skill_codes=["assembly", "forklift"], certificate_codes=["forklift-special"])

    # then
    profile = profile_of(resident)
    assert from_words(profile.skills_lo, profile.skills_hi) == {s.pk for s in skills("assembly", "forklift")}
    assert from_words(profile.certificates_lo, profile.certificates_hi) == {
        certificates("forklift-special")[0].pk
    }
    assert (profile.town_id, profile.verified, profile.open_to_work) == (resident.town_id, True, True)
    assert (profile.acceptable_shift_mask, profile.wage_floor, profile.willing_town_ids) == (0, None, [])


def test_changes_in_the_registry_reach_the_profile_however_they_are_written():
    # given
    resident = make_seeker(skill_codes=["assembly"])

    # when: skills replaced, a certificate added in bulk, the town changed by a plain update
    resident.skills.set(skills("welding", "electric-welding"))
    ResidentCertificate.objects.bulk_create(
        [ResidentCertificate(resident=resident, certificate_type=c) for c in certificates("welder-special")]
    )
    type(resident).objects.filter(pk=resident.pk).update(town=Town.objects.get(code="bacheng"))

    # then
    profile = profile_of(resident)
    assert from_words(profile.skills_lo, profile.skills_hi) == {s.pk for s in skills("electric-welding")}
    assert from_words(profile.certificates_lo, profile.certificates_hi) == {
        certificates("welder-special")[0].pk
    }
    assert profile.town.code == "bacheng"

    # when: the certificate and the skills go
    ResidentCertificate.objects.filter(resident=resident).delete()
    resident.skills.clear()

    # then
    profile = profile_of(resident)
    assert (profile.skills_lo, profile.skills_hi, profile.certificates_lo) == (0, 0, 0)


def test_verification_reaches_the_profile(make_user):
    # given
    resident = make_resident(verified=False)
    caseworker = make_user("cw", "caseworker_residents")
    assert profile_of(resident).verified is False

    # when
    resident_verify(resident=resident, actor=caseworker)

    # then
    assert profile_of(resident).verified is True


def test_a_preference_survives_a_change_in_the_registry():
    # given
    resident = make_seeker(skill_codes=["assembly"])
    jobseeker_preferences_update(
        resident=resident, actor=resident.user, open_to_work=True, acceptable_shifts=["day"],
        wage_floor="5500", willing_towns=towns("bacheng"),
    )  # fmt: skip

    # when
    resident.skills.add(*skills("forklift"))

    # then
    profile = profile_of(resident)
    assert (profile.acceptable_shift_mask, str(profile.wage_floor)) == (1, "5500.00")
    assert profile.willing_town_ids == [Town.objects.get(code="bacheng").pk]


def test_deleting_a_resident_deletes_the_profile():
    resident = make_seeker(skill_codes=["assembly"], certificate_codes=["forklift-special"])

    resident.delete()

    assert not JobSeekerProfile.objects.filter(resident_id=resident.pk).exists()


def test_preferences_are_the_residents_own():
    resident = make_seeker()
    other = make_user("13999999999")

    with pytest.raises(DomainError) as refused:
        jobseeker_preferences_update(resident=resident, actor=other, open_to_work=False)

    assert refused.value.code == "forbidden"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"acceptable_shifts": ["siesta"]}, "acceptable_shifts"), ({"wage_floor": "lots"}, "wage_floor")],
)
def test_preferences_are_checked(changes, field):
    resident = make_seeker()

    with pytest.raises(DomainError) as refused:
        jobseeker_preferences_update(resident=resident, actor=resident.user, open_to_work=True, **changes)

    assert refused.value.field == field


def test_the_rebuild_repairs_profiles_written_past_the_triggers():
    # given: a profile damaged by hand and one missing
    first = make_seeker(skill_codes=["assembly"])
    second = make_seeker(skill_codes=["forklift"])
    JobSeekerProfile.objects.filter(resident=first).update(skills_lo=0, verified=False)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM employment_jobseekerprofile WHERE resident_id = %s", [second.pk])

    # when
    looked_at = jobseeker_profiles_rebuild(batch=1)

    # then
    assert looked_at >= 2
    assert from_words(profile_of(first).skills_lo) == {skills("assembly")[0].pk}
    assert profile_of(first).verified
    assert from_words(profile_of(second).skills_lo) == {skills("forklift")[0].pk}


def test_a_resident_deleted_by_plain_sql_takes_the_profile_along():
    resident = make_seeker(skill_codes=["assembly"])

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM residents_resident_skills WHERE resident_id = %s", [resident.pk])
        cursor.execute("DELETE FROM residents_resident WHERE id = %s", [resident.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks run now, not at the end

    assert not JobSeekerProfile.objects.filter(resident_id=resident.pk).exists()
