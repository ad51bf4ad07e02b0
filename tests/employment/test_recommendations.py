"""Recommendations from the database agree with the pure core run over every job and every resident."""

import random
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from employment import matching
from employment.bits import shift_mask, shifts_of, to_words
from employment.models import Application, Job, JobSeekerProfile
from employment.selectors import (
    REFERENCE_CACHE_KEY,
    Reference,
    job_as_core,
    job_candidates,
    job_match_for_resident,
    job_recommendations,
    profile_as_core,
)
from employment.services import jobseeker_preferences_update
from residents.models import CertificateType, Skill, Town
from tests.employment.factories import make_application, make_hr, make_job, make_seeker, skills

pytestmark = pytest.mark.django_db

TOWNS = ("yushan", "bacheng", "zhoushi", "lujia")
SKILLS = ("assembly", "smt-operation", "quality-inspection", "forklift", "warehouse", "electrician", "sewing")
CERTIFICATES = ("forklift-special", "electrician-special", "food-hygiene")


def random_city(rng: random.Random, *, jobs: int, residents: int):
    employer, account = make_hr()
    town_objects = {t.code: t for t in Town.objects.filter(code__in=TOWNS)}
    skill_objects = {s.code: s for s in Skill.objects.filter(code__in=SKILLS)}
    certificate_objects = {c.code: c for c in CertificateType.objects.filter(code__in=CERTIFICATES)}
    made_jobs = []
    for _ in range(jobs):
        chosen = rng.sample(SKILLS, rng.randrange(0, 5))
        cut = rng.randrange(0, len(chosen) + 1)
        wage_min = rng.randrange(4000, 7000, 100)
        made_jobs.append(
            make_job(
                employer=employer,
                account=account,
                town=town_objects[rng.choice(TOWNS)],
                commute_towns=[town_objects[t] for t in rng.sample(TOWNS, rng.randrange(0, 3))],
                shifts=rng.sample(("day", "evening", "night"), rng.randrange(0, 3)),
                wage_min=Decimal(wage_min),
                wage_max=Decimal(wage_min + rng.randrange(0, 2000, 100)),
                essential_skills=[skill_objects[c] for c in chosen[:cut]],
                optional_skills=[skill_objects[c] for c in chosen[cut:]],
                required_certificates=[
                    certificate_objects[c] for c in rng.sample(CERTIFICATES, rng.choice((0, 0, 1)))
                ],
                publish=rng.random() < 0.9,
            )
        )
    made_residents = []
    for _ in range(residents):
        resident = make_seeker(
            skill_codes=rng.sample(SKILLS, rng.randrange(0, 5)),
            certificate_codes=rng.sample(CERTIFICATES, rng.randrange(0, 3)),
            town=rng.choice(TOWNS),
            verified=rng.random() < 0.85,
        )
        jobseeker_preferences_update(
            resident=resident,
            actor=resident.user,
            open_to_work=rng.random() < 0.9,
            acceptable_shifts=rng.sample(("day", "evening", "night"), rng.choice((0, 0, 2, 3))),
            wage_floor=rng.choice((None, None, Decimal(rng.randrange(4000, 8000, 100)))),
            willing_towns=[town_objects[t] for t in rng.sample(TOWNS, rng.choice((0, 0, 1, 2)))],
        )
        made_residents.append(resident)
    return made_jobs, made_residents


def core_jobs(reference):
    return [job_as_core(job, reference) for job in Job.objects.filter(state=Job.State.OPEN)]


def core_candidates(reference):
    profiles = JobSeekerProfile.objects.filter(verified=True, open_to_work=True)
    return [profile_as_core(profile, reference) for profile in profiles]


def exposure():
    counts = {}
    for job_id in Application.objects.filter(state__in=Application.ACTIVE_STATES).values_list(
        "job_id", flat=True
    ):
        counts[job_id] = counts.get(job_id, 0) + 1
    return counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_residents_recommendations_are_the_cores_over_every_open_job(seed):
    # given
    rng = random.Random(seed)
    jobs, residents = random_city(rng, jobs=45, residents=12)
    for resident in residents[:6]:
        eligible = [j for j in jobs if j.state == Job.State.OPEN and not j.required_certificates.exists()]
        make_application(job=rng.choice(eligible), resident=resident)
    reference = Reference.load()
    every_job = core_jobs(reference)

    for resident in residents:
        # when
        found = job_recommendations(resident=resident, limit=8)

        # then
        candidate = profile_as_core(JobSeekerProfile.objects.get(resident=resident), reference)
        expected = matching.recommend_jobs(candidate, every_job, limit=8, exposure=exposure(), band=5.0)
        assert [m.job.pk for m in found] == [r.job_id for r in expected]
        assert [m.explanation.score for m in found] == [r.score for r in expected]


@pytest.mark.parametrize("seed", [4, 5])
def test_a_jobs_candidates_are_the_cores_over_every_resident(seed):
    # given: fewer eligible residents than the limit, so that no tie is cut
    rng = random.Random(seed)
    jobs, _residents = random_city(rng, jobs=10, residents=40)
    reference = Reference.load()
    everyone = core_candidates(reference)

    for job in jobs:
        # when
        found = job_candidates(job=job, limit=50)

        # then
        expected = matching.recommend_candidates(job_as_core(job, reference), everyone, limit=50)
        assert [m.resident.pk for m in found] == [r.candidate_id for r in expected]


def test_with_more_candidates_than_the_limit_the_best_scores_are_kept():
    # given
    rng = random.Random(9)
    _jobs, _residents = random_city(rng, jobs=0, residents=30)
    employer, account = make_hr()
    job = make_job(employer=employer, account=account, essential_skills=skills("assembly", "forklift"),
                   optional_skills=skills("warehouse"), shifts=[], commute_towns=list(Town.objects.all()))  # fmt: skip
    reference = Reference.load()

    # when
    found = job_candidates(job=job, limit=5)

    # then
    expected = matching.recommend_candidates(job_as_core(job, reference), core_candidates(reference), limit=5)
    assert [m.explanation.score for m in found] == [r.score for r in expected]
    assert len(found) == 5


def test_the_shortcut_through_holders_of_every_essential_skill_keeps_the_best_when_they_beat_the_rest():
    # given: holders of all four essential skills and the optional one (100) and others lacking one (80)
    job = make_job(essential_skills=skills("assembly", "forklift", "warehouse", "sewing"),
                   optional_skills=skills("electrician"), shifts=[])  # fmt: skip
    full = [
        make_seeker(skill_codes=["assembly", "forklift", "warehouse", "sewing", "electrician"])
        for _ in range(5)
    ]
    for _ in range(4):
        make_seeker(skill_codes=["assembly", "forklift", "warehouse", "electrician"])

    # when
    found = job_candidates(job=job, limit=5)

    # then
    assert {m.resident.pk for m in found} == {r.pk for r in full}
    assert [m.explanation.score for m in found] == [100.0] * 5


def test_when_others_can_tie_with_the_holders_every_candidate_is_considered():
    # given: holders of the four essential skills (80) and others lacking one but holding the optional (80)
    job = make_job(essential_skills=skills("assembly", "forklift", "warehouse", "sewing"),
                   optional_skills=skills("electrician"), shifts=[])  # fmt: skip
    everyone = [make_seeker(skill_codes=["assembly", "forklift", "warehouse", "sewing"]) for _ in range(5)]
    everyone += [
        make_seeker(skill_codes=["assembly", "forklift", "warehouse", "electrician"]) for _ in range(5)
    ]

    # when
    found = job_candidates(job=job, limit=5)

    # then: the five of all ten first in the database's tie order for this job
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::bigint[]) id ORDER BY hashint8extended(id, %s) LIMIT 5",
            [[r.pk for r in everyone], job.pk],
        )
        expected = {row[0] for row in cursor.fetchall()}
    assert {m.resident.pk for m in found} == expected
    assert [m.explanation.score for m in found] == [80.0] * 5


def test_an_ineligible_match_is_explained():
    # given
    job = make_job(town=Town.objects.get(code="bacheng"), required_certificates=list(
        CertificateType.objects.filter(code="forklift-special")), essential_skills=skills("assembly", "forklift"))  # fmt: skip
    resident = make_seeker(skill_codes=["assembly"])

    # when
    explanation = job_match_for_resident(job=job, resident=resident)

    # then
    assert not explanation.eligible
    assert [s.code for s in explanation.skills_matched] == ["assembly"]
    assert [s.code for s in explanation.skills_missing_essential] == ["forklift"]
    assert [c.code for c in explanation.certificates_missing] == ["forklift-special"]
    assert explanation.reasons == [
        "A certificate the job requires is missing.",
        "The job is outside the towns where the resident looks for work.",
    ]


# --- The reference lists a process keeps ----------------------------------------------------------------


def test_a_renamed_skill_shows_once_the_kept_lists_are_read_again():
    # given: the lists read once, and the codes of a packed word worked out
    skill = Skill.objects.order_by("pk").first()
    first = Reference.load()
    assert first.skill_codes(*to_words([skill.pk])) == {skill.code}
    assert Reference.load() is first  # unchanged lists: the same Reference and what it has worked out

    # when: a caseworker renames the skill and changes its code, and the minute's copy runs out
    Skill.objects.filter(pk=skill.pk).update(code="renamed-skill", name_en="Renamed")
    cache.delete(REFERENCE_CACHE_KEY)

    # then
    second = Reference.load()
    assert second is not first
    assert second.skill_codes(*to_words([skill.pk])) == {"renamed-skill"}
    assert second.skills[skill.pk].name_en == "Renamed"


def test_every_shift_mask_reads_back_as_its_shifts():
    for codes in ([], ["day"], ["evening", "night"], ["day", "evening", "night", "weekend"]):
        assert shifts_of(shift_mask(codes)) == frozenset(codes)
