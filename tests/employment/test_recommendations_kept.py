"""A resident's ranking of recommended jobs kept for a while: served again without ranking every job, yet
a changed profile, a closed job or a changed job shows at once, and a short list is never kept."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from employment.selectors import job_recommendations
from employment.services import job_close, job_update, jobseeker_preferences_update
from tests.conftest import own_cache
from tests.employment.factories import make_hr, make_job, make_seeker, skills

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _kept_rankings():
    """Rankings kept five minutes, in a cache of this test's own (other tests see nothing of it)."""
    with own_cache("ranks", KUNSHAN_RECOMMENDATION_SECONDS=300):
        yield


@pytest.fixture
def city():
    """An assembler and five jobs that fit them, the better paid the better: the list of 3 is full."""
    employer, account = make_hr()
    jobs = [
        make_job(employer=employer, account=account, title=f"Assembler {n}", wage_min=Decimal(5000 + n * 100),
                 wage_max=Decimal(6000 + n * 100), essential_skills=skills("assembly"), optional_skills=[])
        for n in range(5)
    ]  # fmt: skip
    return make_seeker(skill_codes=["assembly"]), jobs, account


def _ranked(resident) -> tuple[list, int]:
    """The resident's recommendations, and how many times the whole ranking ran to make them."""
    with CaptureQueriesContext(connection) as queries:
        found = job_recommendations(resident=resident, limit=LIMIT)
    return found, sum("WITH scored" in q["sql"] for q in queries.captured_queries)


def test_a_kept_ranking_is_served_again_without_ranking_every_job(city):
    # given
    resident, _jobs, _account = city
    first, ranked = _ranked(resident)
    assert len(first) == LIMIT and ranked == 1

    # when
    again, ranked_again = _ranked(resident)

    # then: the same jobs, scores and explanations, from the kept order
    assert ranked_again == 0
    assert [(m.job.pk, m.job.title, m.explanation) for m in again] == [
        (m.job.pk, m.job.title, m.explanation) for m in first
    ]


def test_a_kept_ranking_is_the_one_made_afresh(city):
    # given
    resident, _jobs, _account = city
    job_recommendations(resident=resident, limit=LIMIT)

    # when
    kept = job_recommendations(resident=resident, limit=LIMIT)
    with override_settings(KUNSHAN_RECOMMENDATION_SECONDS=0):
        fresh = job_recommendations(resident=resident, limit=LIMIT)

    # then
    assert [(m.job.pk, m.explanation) for m in kept] == [(m.job.pk, m.explanation) for m in fresh]


def test_new_preferences_rank_anew_at_once(city):
    # given
    resident, jobs, _account = city
    job_recommendations(resident=resident, limit=LIMIT)

    # when: the resident now works only for at least 6,300 yuan a month (jobs 3 and 4 pay that)
    jobseeker_preferences_update(resident=resident, actor=resident.user, open_to_work=True,
                                 wage_floor=Decimal("6300"))  # fmt: skip
    found, ranked = _ranked(resident)

    # then
    assert ranked == 1
    assert {m.job.pk for m in found} == {jobs[3].pk, jobs[4].pk}


def test_a_closed_job_leaves_the_kept_list_at_once(city):
    # given
    resident, _jobs, account = city
    first = job_recommendations(resident=resident, limit=LIMIT)
    closed = first[0].job

    # when
    job_close(job=closed, actor=account)
    found, ranked = _ranked(resident)

    # then: ranked anew, still a full list, without the closed job
    assert ranked == 1
    assert len(found) == LIMIT
    assert closed.pk not in {m.job.pk for m in found}


def test_a_changed_job_shows_as_it_is_now(city):
    # given
    resident, _jobs, account = city
    first = job_recommendations(resident=resident, limit=LIMIT)
    renamed, reskilled = first[0].job, first[1].job

    # when: one job renamed (it matches as before), another now asks for a skill the resident lacks
    job_update(job=renamed, actor=account, title="Senior assembler")
    job_update(job=reskilled, actor=account, essential_skills=skills("assembly", "forklift"))
    found, ranked = _ranked(resident)

    # then: the new title, and a ranking made anew in which the reskilled job scores what it now does
    assert ranked == 1
    titles = {m.job.pk: m.job.title for m in found}
    assert titles[renamed.pk] == "Senior assembler"
    assert reskilled.pk not in titles  # three jobs that fit fully rank before it


def test_a_short_list_is_not_kept_so_a_new_job_shows_at_once():
    # given: only two jobs fit the resident
    employer, account = make_hr()
    resident = make_seeker(skill_codes=["electric-welding"])
    for _ in range(2):
        make_job(
            employer=employer,
            account=account,
            essential_skills=skills("electric-welding"),
            optional_skills=[],
        )
    assert len(job_recommendations(resident=resident, limit=LIMIT)) == 2

    # when
    new = make_job(
        employer=employer, account=account, essential_skills=skills("electric-welding"), optional_skills=[]
    )
    found, ranked = _ranked(resident)

    # then
    assert ranked == 1
    assert new.pk in {m.job.pk for m in found}
