import os
import random
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from employment.matching import (
    FILTER_CERTIFICATES,
    FILTER_SHIFT,
    FILTER_TOWN,
    FILTER_WAGE,
    Candidate,
    Job,
    match,
    recommend_candidates,
    recommend_jobs,
)

D = Decimal
F = frozenset


def make_job(**changes) -> Job:
    values = {
        "id": 1,
        "required_certificates": F(),
        "town": "Yushan",
        "commute_towns": F(),
        "shifts": F({"day"}),
        "wage_min": D("5000"),
        "wage_max": D("6000"),
        "essential_skills": F({"welding", "assembly"}),
        "optional_skills": F({"forklift", "english"}),
    } | changes
    return Job(**values)


def make_candidate(**changes) -> Candidate:
    values = {
        "id": 1,
        "certificates": F(),
        "skills": F({"welding", "assembly", "forklift", "english"}),
        "town": "Yushan",
        "acceptable_shifts": F(),
        "wage_floor": None,
        "willing_towns": F(),
    } | changes
    return Candidate(**values)


# Hard filters


def test_the_default_job_and_candidate_match():
    result = match(make_job(), make_candidate())

    assert (result.eligible, result.failed_filters, result.score) == (True, (), 100.0)


@pytest.mark.parametrize(
    ("job", "candidate", "failed"),
    [
        # certificates
        ({"required_certificates": F({"safety"})}, {}, (FILTER_CERTIFICATES,)),
        (
            {"required_certificates": F({"safety", "forklift"})},
            {"certificates": F({"safety"})},
            (FILTER_CERTIFICATES,),
        ),
        ({"required_certificates": F({"safety"})}, {"certificates": F({"safety", "first-aid"})}, ()),
        # town or commute
        ({"town": "Bacheng"}, {}, (FILTER_TOWN,)),
        ({"town": "Bacheng", "commute_towns": F({"Zhoushi"})}, {}, (FILTER_TOWN,)),
        ({"town": "Bacheng"}, {"willing_towns": F({"Zhoushi"})}, (FILTER_TOWN,)),
        ({"town": "Bacheng"}, {"willing_towns": F({"Bacheng"})}, ()),
        ({"town": "Bacheng", "commute_towns": F({"Yushan"})}, {}, ()),
        ({"town": "Yushan"}, {"willing_towns": F({"Bacheng"})}, ()),
        # shift
        ({"shifts": F({"night"})}, {"acceptable_shifts": F({"day"})}, (FILTER_SHIFT,)),
        ({"shifts": F({"day", "night"})}, {"acceptable_shifts": F({"day"})}, (FILTER_SHIFT,)),
        ({"shifts": F({"day", "night"})}, {"acceptable_shifts": F({"day", "night", "weekend"})}, ()),
        ({"shifts": F({"night"})}, {"acceptable_shifts": F()}, ()),
        ({"shifts": F()}, {"acceptable_shifts": F({"day"})}, ()),
        # wage floor
        ({"wage_max": D("6000")}, {"wage_floor": D("6000.01")}, (FILTER_WAGE,)),
        ({"wage_max": D("6000")}, {"wage_floor": D("6000")}, ()),
        ({"wage_max": D("6000")}, {"wage_floor": D("5500")}, ()),
        ({"wage_max": D("6000")}, {"wage_floor": None}, ()),
    ],
)
def test_each_hard_filter_alone(job, candidate, failed):
    result = match(make_job(**job), make_candidate(**candidate))

    assert result.failed_filters == failed
    assert result.eligible is (not failed)


def test_all_failed_filters_are_listed_in_order():
    # given
    job = make_job(
        required_certificates=F({"safety"}), town="Bacheng", shifts=F({"night"}), wage_max=D("5000")
    )
    candidate = make_candidate(acceptable_shifts=F({"day"}), wage_floor=D("8000"))

    # when
    result = match(job, candidate)

    # then
    assert result.failed_filters == (FILTER_CERTIFICATES, FILTER_TOWN, FILTER_SHIFT, FILTER_WAGE)
    assert not result.eligible


def test_a_construction_job_without_the_safety_certificate_names_what_is_missing():
    job = make_job(required_certificates=F({"safety", "height-work"}))
    candidate = make_candidate(certificates=F({"height-work"}))

    result = match(job, candidate)

    assert result.certificates_missing == ("safety",)


def test_a_job_with_a_minimum_wage_above_its_maximum_is_refused():
    with pytest.raises(ValueError, match="above the maximum"):
        make_job(wage_min=D("7000"), wage_max=D("6000"))


# Score and explanation


@pytest.mark.parametrize(
    ("essential", "optional", "skills", "score"),
    [
        ({"a", "b"}, {"c", "d"}, {"a", "b", "c", "d"}, 100.0),
        ({"a", "b"}, {"c", "d"}, set(), 0.0),
        ({"a", "b"}, {"c", "d"}, {"a", "b"}, 80.0),
        ({"a", "b"}, {"c", "d"}, {"c", "d"}, 20.0),
        ({"a", "b"}, {"c", "d"}, {"a", "c"}, 50.0),
        ({"a", "b", "c"}, {"d", "e"}, {"a", "b", "d", "x"}, 80 * 2 / 3 + 20 / 2),
        ({"a", "b"}, set(), {"a"}, 40.0 + 20.0),
        (set(), {"a", "b", "c", "d"}, {"a"}, 80.0 + 5.0),
        (set(), set(), set(), 100.0),
    ],
)
def test_score_weighs_essential_skills_80_and_optional_skills_20(essential, optional, skills, score):
    job = make_job(essential_skills=F(essential), optional_skills=F(optional))

    result = match(job, make_candidate(skills=F(skills)))

    assert result.score == pytest.approx(score)
    assert 0 <= result.score <= 100


def test_the_explanation_names_skills_matched_and_missing_in_order():
    # given
    job = make_job(
        essential_skills=F({"welding", "assembly", "cnc"}),
        optional_skills=F({"forklift", "english", "excel"}),
    )
    candidate = make_candidate(skills=F({"welding", "english", "cooking"}))

    # when
    result = match(job, candidate)

    # then
    assert result.skills_matched == ("english", "welding")
    assert result.skills_missing_essential == ("assembly", "cnc")
    assert result.skills_missing_optional == ("excel", "forklift")
    assert result.certificates_missing == ()
    assert (result.job_id, result.candidate_id) == (job.id, candidate.id)


def test_an_ineligible_match_is_still_scored_and_explained():
    result = match(make_job(town="Bacheng"), make_candidate(skills=F({"welding"})))

    assert not result.eligible
    assert result.score == pytest.approx(40.0)
    assert result.skills_missing_essential == ("assembly",)


# Recommendations


def job_with_score(job_id: int, held: int, **changes) -> Job:
    """A job without optional skills; SKILLED holds ``held`` of its 10 essential skills (20 + 8 × held)."""
    essential = F(
        {f"skill-{number}" for number in range(held)} | {f"other-{job_id}-{n}" for n in range(10 - held)}
    )
    return make_job(id=job_id, essential_skills=essential, optional_skills=F(), **changes)


SKILLED = make_candidate(skills=F(f"skill-{number}" for number in range(10)))


def test_recommend_jobs_orders_by_score_and_leaves_out_ineligible_jobs():
    # given
    jobs = [
        job_with_score(1, 4),
        job_with_score(2, 10, town="Bacheng"),
        job_with_score(3, 7),
        job_with_score(4, 10),
        job_with_score(5, 1),
    ]

    # when
    results = recommend_jobs(SKILLED, jobs)

    # then
    assert [result.job_id for result in results] == [4, 3, 1, 5]
    assert [result.score for result in results] == pytest.approx([100.0, 76.0, 52.0, 28.0])
    assert all(result.eligible for result in results)


def test_recommend_jobs_respects_the_limit():
    jobs = [job_with_score(job_id, job_id % 10) for job_id in range(1, 101)]

    results = recommend_jobs(SKILLED, jobs, limit=7)

    assert len(results) == 7
    assert [result.score for result in results] == pytest.approx([92.0] * 7)
    assert recommend_jobs(SKILLED, jobs, limit=0) == []


def job_with_optional(job_id: int, held: int) -> Job:
    """A job of which SKILLED holds the one essential skill and ``held`` of the 5 optional skills."""
    optional = F(
        {f"skill-{number}" for number in range(1, held + 1)} | {f"other-{n}" for n in range(5 - held)}
    )
    return make_job(id=job_id, essential_skills=F({"skill-0"}), optional_skills=optional)


def test_recommend_jobs_orders_bands_but_not_within_a_band():
    # given: ten jobs each scoring 100, 96 and 92; with 5-point bands 100 and 96 share a band, 92 does not
    jobs = [
        job_with_optional(job_id, held)
        for held, first in ((5, 1), (4, 11), (3, 21))
        for job_id in range(first, first + 10)
    ]

    # when
    banded = [result.score for result in recommend_jobs(SKILLED, jobs, limit=30)]
    strict = [result.score for result in recommend_jobs(SKILLED, jobs, limit=30, band=0.5)]

    # then
    assert sorted(banded[:20]) == [96.0] * 10 + [100.0] * 10
    assert banded[:20] != sorted(banded[:20], reverse=True)
    assert banded[20:] == [92.0] * 10
    assert strict == [100.0] * 10 + [96.0] * 10 + [92.0] * 10


def test_recommend_jobs_prefers_less_exposed_jobs_within_a_band():
    # given: equally good jobs, some already recommended often
    jobs = [job_with_score(job_id, 10) for job_id in range(1, 6)]
    exposure = {1: 9, 2: 0, 3: 4, 4: 1, 5: 7}

    # when
    results = recommend_jobs(SKILLED, jobs, exposure=exposure)

    # then
    assert [result.job_id for result in results] == [2, 4, 3, 5, 1]


def test_exposure_never_lifts_a_job_above_a_better_band():
    jobs = [job_with_score(1, 10), job_with_score(2, 5)]

    results = recommend_jobs(SKILLED, jobs, exposure={1: 1000})

    assert [result.job_id for result in results] == [1, 2]


def test_recommend_jobs_is_deterministic_and_ignores_the_order_of_the_jobs():
    # given
    jobs = [job_with_score(job_id, job_id % 3 + 8) for job_id in range(1, 61)]
    shuffled = list(jobs)
    random.Random(7).shuffle(shuffled)

    # when
    first = recommend_jobs(SKILLED, jobs, limit=30)
    second = recommend_jobs(SKILLED, shuffled, limit=30)

    # then
    assert first == second


def test_the_tie_order_is_the_same_in_every_process():
    # given: Python's own hash of a str is salted per process; the tie order must not depend on it
    script = (
        "from tests.employment.test_matching import SKILLED, job_with_score\n"
        "from employment.matching import recommend_jobs\n"
        "jobs = [job_with_score(job_id, 10) for job_id in range(1, 41)]\n"
        "print([result.job_id for result in recommend_jobs(SKILLED, jobs, limit=10)])\n"
    )
    root = Path(__file__).resolve().parents[2]

    # when
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env=os.environ | {"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }

    # then
    jobs = [job_with_score(job_id, 10) for job_id in range(1, 41)]
    assert outputs == {f"{[result.job_id for result in recommend_jobs(SKILLED, jobs, limit=10)]}\n"}


def test_the_top_recommendation_is_spread_over_equally_good_jobs():
    # given: 500 residents with the same profile and 50 equally good jobs
    jobs = [job_with_score(job_id, 10) for job_id in range(1, 51)]
    residents = [make_candidate(id=resident_id, skills=SKILLED.skills) for resident_id in range(1, 501)]

    # when
    tops = Counter(recommend_jobs(resident, jobs, limit=1)[0].job_id for resident in residents)

    # then: about 10 each; no job is pushed to everyone, nor to a large share of them
    assert len(tops) >= 45
    assert max(tops.values()) <= 25


def test_with_exposure_fed_back_the_top_recommendation_is_spread_evenly():
    # given
    jobs = [job_with_score(job_id, 10) for job_id in range(1, 51)]
    exposure: Counter[int] = Counter()

    # when: each resident's top recommendation is counted before the next resident asks
    for resident_id in range(1, 201):
        resident = make_candidate(id=resident_id, skills=SKILLED.skills)
        exposure[recommend_jobs(resident, jobs, limit=1, exposure=exposure)[0].job_id] += 1

    # then
    assert set(exposure.values()) == {4}


@pytest.mark.parametrize(("arguments", "message"), [({"limit": -1}, "limit"), ({"band": 0}, "band")])
def test_recommend_jobs_refuses_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        recommend_jobs(SKILLED, [], **arguments)


towns = st.sampled_from(("Yushan", "Bacheng", "Zhoushi"))
small_sets = st.frozensets(st.sampled_from("abcdef"), max_size=4)
wages = st.integers(3000, 9000).map(Decimal)

jobs_strategy = st.lists(
    st.builds(
        Job,
        id=st.integers(1, 10_000),
        required_certificates=small_sets,
        town=towns,
        commute_towns=st.frozensets(towns),
        shifts=st.frozensets(st.sampled_from(("day", "night"))),
        wage_min=st.just(D(3000)),
        wage_max=wages,
        essential_skills=small_sets,
        optional_skills=small_sets,
    ),
    max_size=30,
    unique_by=lambda job: job.id,
)
candidates_strategy = st.builds(
    Candidate,
    id=st.integers(1, 10_000),
    certificates=small_sets,
    skills=small_sets,
    town=towns,
    acceptable_shifts=st.frozensets(st.sampled_from(("day", "night"))),
    wage_floor=st.none() | wages,
    willing_towns=st.frozensets(towns),
)


@given(
    candidate=candidates_strategy,
    jobs=jobs_strategy,
    limit=st.integers(0, 40),
    band=st.sampled_from((0.5, 5.0, 25.0)),
)
def test_recommend_jobs_agrees_with_match(candidate, jobs, limit, band):
    # when
    results = recommend_jobs(candidate, jobs, limit=limit, band=band)

    # then: the same eligible jobs as match() finds, as many as the limit allows, best bands first
    eligible = {job.id: match(job, candidate) for job in jobs if match(job, candidate).eligible}
    assert len(results) == min(limit, len(eligible))
    assert all(result == eligible[result.job_id] for result in results)
    bands = [(100 - result.score) // band for result in results]
    assert bands == sorted(bands)
    if results and len(results) < len(eligible):
        assert (
            min(result.score for result in results)
            >= max(
                eligible[job_id].score for job_id in eligible.keys() - {result.job_id for result in results}
            )
            - band
        )


def test_recommend_candidates_orders_by_score_and_leaves_out_ineligible_candidates():
    # given
    job = make_job(essential_skills=F({"a", "b"}), optional_skills=F({"c"}))
    candidates = [
        make_candidate(id=1, skills=F({"a"})),
        make_candidate(id=2, skills=F({"a", "b", "c"})),
        make_candidate(id=3, skills=F({"a", "b", "c"}), town="Bacheng"),
        make_candidate(id=4, skills=F({"a", "b"})),
        make_candidate(id=5, skills=F()),
    ]

    # when
    results = recommend_candidates(job, candidates)

    # then
    assert [result.candidate_id for result in results] == [2, 4, 1, 5]
    assert [result.score for result in results] == pytest.approx([100.0, 80.0, 40.0, 0.0])


def test_recommend_candidates_respects_the_limit_and_is_deterministic():
    # given
    job = make_job()
    candidates = [make_candidate(id=candidate_id) for candidate_id in range(1, 201)]
    shuffled = list(candidates)
    random.Random(3).shuffle(shuffled)

    # when
    results = recommend_candidates(job, candidates, limit=50)

    # then
    assert len(results) == 50
    assert results == recommend_candidates(job, shuffled, limit=50)
    assert recommend_candidates(job, candidates, limit=0) == []


def test_recommend_candidates_does_not_list_equal_candidates_by_id():
    candidates = [make_candidate(id=candidate_id) for candidate_id in range(1, 201)]

    results = recommend_candidates(make_job(), candidates, limit=20)

    assert [result.candidate_id for result in results] != list(range(1, 21))


def test_recommend_candidates_refuses_a_negative_limit():
    with pytest.raises(ValueError, match="limit"):
        recommend_candidates(make_job(), [], limit=-1)
