"""The employment API: what each caller sees and may do, across residents and across employers."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from employment.api import JobRecommendationSerializer
from employment.models import Application, Job
from employment.selectors import job_recommendations
from residents.models import Town
from tests.employment.factories import (
    make_application,
    make_hr,
    make_job,
    make_programme,
    make_seeker,
    skills,
)

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/employment/jobs/"
APPLICATIONS = "/api/v1/employment/applications/"


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def resident():
    return make_seeker(skill_codes=["assembly", "quality-inspection"])


@pytest.fixture
def company():
    """An employer and its HR account."""
    return make_hr()


# --- Jobs --------------------------------------------------------------------------------------------


def test_open_jobs_are_public_as_on_the_site_but_nothing_else_is():
    # given
    open_job, draft = make_job(title="Welder"), make_job(title="Secret draft", publish=False)
    anonymous = APIClient()

    # when
    listed = anonymous.get(JOBS)

    # then
    assert listed.status_code == 200
    assert [job["title"] for job in listed.json()["results"]] == ["Welder"]
    assert anonymous.get(f"{JOBS}{open_job.pk}/").status_code == 200
    assert anonymous.get(f"{JOBS}{draft.pk}/").status_code == 404
    assert anonymous.get(JOBS, {"mine": "true"}).status_code in (401, 403)
    assert anonymous.get(f"{JOBS}recommended/").status_code in (401, 403)
    assert anonymous.post(JOBS, {}, format="json").status_code in (401, 403)


def test_the_job_list_shows_open_jobs_filtered_and_paged(resident, django_assert_max_num_queries):
    # given
    bacheng = Town.objects.get(code="bacheng")
    for number in range(22):
        make_job(title=f"Packer {number}", town=bacheng, dormitory=True, shifts=["day"])
    make_job(title="Packer at night", town=bacheng, dormitory=True, shifts=["night"])
    make_job(title="Packer draft", town=bacheng, publish=False)
    api = client_for(resident.user)

    # when
    with django_assert_max_num_queries(12):
        first = api.get(JOBS, {"town": "bacheng", "dormitory": "true", "shifts": "day", "q": "packer"})
    second = api.get(first.json()["next"])

    # then
    body = first.json()
    assert first.status_code == 200 and body["count"] == 22 and len(body["results"]) == 20
    assert len(second.json()["results"]) == 2
    job = body["results"][0]
    assert job["town"] == {"code": "bacheng", "name": "Bacheng"} and job["shifts"] == ["day"]
    assert {"essential_skills", "required_certificates", "wage_min", "openings_left"} <= set(job)


@pytest.mark.parametrize("query", [{"town": "atlantis"}, {"wage": "lots"}, {"shifts": "siesta"}])
def test_a_bad_filter_answers_400_in_the_error_shape(resident, query):
    response = client_for(resident.user).get(JOBS, query)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"} and response.json()["errors"]


def test_a_draft_is_seen_only_by_its_employer(resident, company):
    employer, hr = company
    draft = make_job(employer=employer, account=hr, publish=False)
    _other, other_hr = make_hr()

    assert client_for(hr).get(f"{JOBS}{draft.pk}/").status_code == 200
    assert client_for(other_hr).get(f"{JOBS}{draft.pk}/").status_code == 404
    assert client_for(resident.user).get(f"{JOBS}{draft.pk}/").status_code == 404


def test_an_employer_lists_its_own_jobs_in_every_state(resident, company):
    employer, hr = company
    make_job(employer=employer, account=hr, publish=False)
    make_job(employer=employer, account=hr)
    make_job()

    mine = client_for(hr).get(JOBS, {"mine": "true"})

    assert {j["state"] for j in mine.json()["results"]} == {"draft", "open"} and mine.json()["count"] == 2
    assert client_for(resident.user).get(JOBS, {"mine": "true"}).status_code == 403


def test_an_employer_posts_publishes_and_closes_a_job(company):
    # given
    _employer, hr = company
    api = client_for(hr)
    data = {
        "title": "Rebar worker", "occupation": "rebar-worker", "sector": "construction",
        "essential_skills": ["rebar"], "wage_min": "7000", "wage_max": "9000", "shifts": ["day"],
        "town": "huaqiao", "openings": 5,
    }  # fmt: skip

    # when
    created = api.post(JOBS, data, format="json")

    # then
    assert created.status_code == 201
    job = created.json()
    assert job["state"] == "draft"
    assert [c["code"] for c in job["required_certificates"]] == ["construction-safety"]
    assert api.post(f"{JOBS}{job['id']}/publish/").json()["state"] == "open"
    changed = api.patch(f"{JOBS}{job['id']}/", {"openings": 6}, format="json")
    assert changed.status_code == 200 and changed.json()["openings"] == 6
    assert (
        api.post(f"{JOBS}{job['id']}/close/", {"note": "Enough"}, format="json").json()["state"] == "closed"
    )
    assert api.post(f"{JOBS}{job['id']}/close/").status_code == 400  # closed already


def test_a_bad_job_is_refused_with_the_field(company):
    _employer, hr = company
    data = {"title": "X", "occupation": "welder", "wage_min": "9000", "wage_max": "8000", "town": "yushan",
            "openings": 1}  # fmt: skip

    response = client_for(hr).post(JOBS, data, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"wage_max": ["The maximum wage cannot be below the minimum wage."]}


def test_residents_cannot_post_jobs_and_employers_cannot_touch_others_jobs(resident, company):
    _employer, hr = company
    others = make_job()
    data = {
        "title": "X",
        "occupation": "welder",
        "wage_min": "1",
        "wage_max": "2",
        "town": "yushan",
        "openings": 1,
    }

    assert client_for(resident.user).post(JOBS, data, format="json").status_code == 403
    assert client_for(hr).post(f"{JOBS}{others.pk}/close/").status_code == 404
    assert client_for(hr).patch(f"{JOBS}{others.pk}/", {"title": "Mine"}, format="json").status_code == 404
    others.refresh_from_db()
    assert (others.state, others.title != "Mine") == (Job.State.OPEN, True)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_recommendations_answer_is_the_serializers(resident, language):
    # given: jobs that fit, some lacking an optional skill that free training teaches
    programme = make_programme(skill="carpentry", certificate=None)
    for index in range(4):
        make_job(optional_skills=skills("carpentry") if index % 2 else [], dormitory=bool(index % 2))
    client = client_for(resident.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    # when
    answer = client.get(f"{JOBS}recommended/").json()

    # then: what the documented serializer gives for the same matches
    with translation.override(language):
        matches = job_recommendations(resident=resident)
        expected = json.loads(JSONRenderer().render(JobRecommendationSerializer(matches, many=True).data))
    assert answer == {"count": 4, "results": expected}
    trained = [r for r in answer["results"] if r["match"]["skills_missing_optional"]]
    assert len(trained) == 2
    assert trained[0]["match"]["training"]["carpentry"][0]["title"] == programme.title


def test_a_resident_gets_the_top_20_with_score_and_explanation(resident):
    for _ in range(22):
        make_job()
    make_job(title="Needs forklift", essential_skills=skills("forklift"))

    response = client_for(resident.user).get(f"{JOBS}recommended/")

    body = response.json()
    assert response.status_code == 200 and body["count"] == 20
    first = body["results"][0]
    assert first["match"]["score"] == 100.0 and first["match"]["eligible"] is True
    assert first["match"]["skills_matched"] == [
        {"code": "assembly", "name": "electronics assembly"},
        {"code": "quality-inspection", "name": "quality inspection"},
    ]
    assert first["match"]["training"] == {} and "Needs forklift" not in {
        r["job"]["title"] for r in body["results"]
    }


def test_recommendations_are_for_residents_only(company):
    assert client_for(company[1]).get(f"{JOBS}recommended/").status_code == 403


def test_a_resident_sees_how_they_match_one_job(resident):
    job = make_job(essential_skills=skills("assembly", "forklift"))

    body = client_for(resident.user).get(f"{JOBS}{job.pk}/match/").json()

    assert body["score"] == pytest.approx(60.0)
    assert [s["code"] for s in body["skills_missing_essential"]] == ["forklift"]


def test_an_employer_gets_the_best_candidates_of_its_own_job_only(resident, company):
    # given
    employer, hr = company
    job = make_job(employer=employer, account=hr)
    others = make_job()
    unverified = make_seeker(skill_codes=["assembly"], verified=False)

    # when
    response = client_for(hr).get(f"{JOBS}{job.pk}/candidates/")

    # then
    body = response.json()
    assert response.status_code == 200
    ids = [r["resident"]["id"] for r in body["results"]]
    assert resident.pk in ids and unverified.pk not in ids
    assert body["results"][0]["match"]["score"] == 100.0
    assert "phone" not in body["results"][0]["resident"]
    assert client_for(hr).get(f"{JOBS}{others.pk}/candidates/").status_code == 404
    _other, other_hr = make_hr()
    assert client_for(other_hr).get(f"{JOBS}{job.pk}/candidates/").status_code == 404
    assert client_for(resident.user).get(f"{JOBS}{job.pk}/candidates/").status_code == 403


# --- Applications ------------------------------------------------------------------------------------


def test_residents_see_their_own_applications_and_employers_those_for_their_jobs(
    resident, company, django_assert_max_num_queries
):
    # given
    employer, hr = company
    job = make_job(employer=employer, account=hr)
    mine = make_application(job=job, resident=resident)
    someone_elses = make_application(job=job)
    elsewhere = make_application(resident=resident)
    unrelated = make_application()

    # when
    with django_assert_max_num_queries(8):
        as_resident = client_for(resident.user).get(APPLICATIONS).json()
    as_employer = client_for(hr).get(APPLICATIONS).json()

    # then
    assert {a["id"] for a in as_resident["results"]} == {mine.pk, elsewhere.pk}
    assert {a["id"] for a in as_employer["results"]} == {mine.pk, someone_elses.pk}
    assert client_for(resident.user).get(f"{APPLICATIONS}{someone_elses.pk}/").status_code == 404
    assert client_for(hr).get(f"{APPLICATIONS}{elsewhere.pk}/").status_code == 404
    assert client_for(hr).get(f"{APPLICATIONS}{unrelated.pk}/").status_code == 404


def test_a_resident_applies_through_the_api(resident):
    job = make_job()

    response = client_for(resident.user).post(APPLICATIONS, {"job": job.pk, "note": "Hello"}, format="json")

    assert response.status_code == 201
    assert response.json()["state"] == "submitted" and response.json()["job"]["id"] == job.pk


def test_the_certificate_refusal_answers_400_with_the_reason(resident):
    job = make_job(employer=make_hr(sector="construction")[0])

    response = client_for(resident.user).post(APPLICATIONS, {"job": job.pk}, format="json")

    assert response.status_code == 400
    assert "construction safety certificate" in response.json()["detail"]
    assert not Application.objects.exists()


def test_employers_cannot_apply(company):
    assert client_for(company[1]).post(APPLICATIONS, {"job": make_job().pk}, format="json").status_code == 403


def test_an_employer_takes_an_application_to_hire_through_the_api(resident, company):
    # given
    employer, hr = company
    application = make_application(job=make_job(employer=employer, account=hr), resident=resident)
    api = client_for(hr)
    url = f"{APPLICATIONS}{application.pk}/"
    when = (timezone.now() + timedelta(days=2)).isoformat()

    # when / then
    assert api.post(f"{url}shortlist/").json()["state"] == "shortlisted"
    invited = api.post(f"{url}invite/", {"interview_at": when, "interview_place": "Gate 3"}, format="json")
    assert invited.json()["state"] == "interview" and invited.json()["interview_place"] == "Gate 3"
    assert api.post(f"{url}offer/", {"note": "5,800"}, format="json").json()["state"] == "offered"
    assert api.post(f"{url}hire/").json()["state"] == "hired"
    resident.refresh_from_db()
    assert resident.employer == employer


@pytest.mark.parametrize("step", ["shortlist", "offer", "hire", "reject"])
def test_a_resident_cannot_take_the_employers_steps(resident, step):
    application = make_application(resident=resident)

    response = client_for(resident.user).post(f"{APPLICATIONS}{application.pk}/{step}/")

    assert response.status_code in (400, 403)
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED


def test_another_employer_cannot_take_steps_on_an_application(company):
    application = make_application()

    response = client_for(company[1]).post(f"{APPLICATIONS}{application.pk}/shortlist/")

    assert response.status_code == 404


def test_the_applicant_withdraws_and_the_employer_cannot(resident, company):
    employer, hr = company
    application = make_application(job=make_job(employer=employer, account=hr), resident=resident)

    assert client_for(hr).post(f"{APPLICATIONS}{application.pk}/withdraw/").status_code == 403
    response = client_for(resident.user).post(f"{APPLICATIONS}{application.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_the_schema_documents_the_employment_api(client, db):
    schema = client.get("/api/schema/").content.decode()

    assert "/api/v1/employment/jobs/recommended/" in schema
    assert "/api/v1/employment/jobs/{id}/candidates/" in schema
