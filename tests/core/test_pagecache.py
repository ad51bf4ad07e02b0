"""Public pages kept for anonymous visitors: served again without work, with each visitor's own CSRF
tokens, never to a logged-in user or a visitor with a session."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from employment.models import Job
from tests.conftest import own_cache
from tests.employment.factories import make_hr, make_job, make_seeker

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache():
    """Pages kept for a minute, in a cache of this test's own (other tests see nothing of it)."""
    with own_cache("pages", KUNSHAN_PAGE_CACHE_SECONDS=60):
        yield


def _rename(job: Job, title: str) -> None:
    Job.objects.filter(pk=job.pk).update(title=title)


def test_an_anonymous_visitor_gets_the_kept_job_page_without_queries(client, django_assert_num_queries):
    # given
    job = make_job(title="Welder")
    url = reverse("employment:job-detail", args=[job.pk])
    client.get(url, **EN)

    # when
    _rename(job, "Senior welder")
    with django_assert_num_queries(0):
        again = Client().get(url, **EN)

    # then: the page as it was kept, until it expires
    assert again.status_code == 200
    assert "Welder" in again.content.decode() and "Senior welder" not in again.content.decode()


def test_pages_are_kept_per_language_and_address(client):
    # given
    make_job(title="Welder")
    english = client.get(reverse("employment:job-list"), **EN)

    # when
    chinese = Client().get(reverse("employment:job-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    searched = Client().get(reverse("employment:job-list") + "?q=cook", **EN)

    # then
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="zh-Hans">' in chinese.content.decode()
    assert "Welder" not in searched.content.decode()


def test_a_logged_in_resident_always_sees_the_page_as_it_is_now(client):
    # given
    job = make_job(title="Welder")
    url = reverse("employment:job-detail", args=[job.pk])
    Client().get(url, **EN)
    _rename(job, "Senior welder")

    # when
    client.force_login(make_seeker().user)
    page = client.get(url, **EN).content.decode()

    # then
    assert "Senior welder" in page


def test_a_visitor_with_a_session_is_not_served_a_kept_page():
    # given
    job = make_job(title="Welder")
    url = reverse("employment:job-detail", args=[job.pk])
    Client().get(url, **EN)
    _rename(job, "Senior welder")
    visitor = Client()
    visitor.cookies["sessionid"] = "anything"

    # when
    page = visitor.get(url, **EN).content.decode()

    # then
    assert "Senior welder" in page


def test_the_language_switch_on_a_kept_page_works_for_the_next_visitor():
    # given: the first visitor's page is kept, with the first visitor's token in its form
    url = reverse("housing:compound-list")
    first = Client(enforce_csrf_checks=True)
    first_token = TOKEN.search(first.get(url, **EN).content.decode())[1]

    # when: a second visitor gets the kept page and switches the language with its form
    second = Client(enforce_csrf_checks=True)
    page = second.get(url, **EN)
    token = TOKEN.search(page.content.decode())[1]
    switched = second.post(
        reverse("set_language"), {"language": "zh-hans", "next": url, "csrfmiddlewaretoken": token}
    )

    # then
    assert token != first_token
    assert switched.status_code == 302


def test_a_missing_job_is_not_kept(client):
    # given
    job = make_job(title="Welder", publish=False)
    url = reverse("employment:job-detail", args=[job.pk])
    assert Client().get(url, **EN).status_code == 404

    # when
    Job.objects.filter(pk=job.pk).update(state=Job.State.OPEN)
    again = Client().get(url, **EN)

    # then
    assert again.status_code == 200


def test_the_job_search_keeps_its_total_a_minute_for_logged_in_residents_too(client):
    # given
    make_job()
    make_job()
    client.force_login(make_seeker().user)
    assert client.get(reverse("employment:job-list"), **EN).context["page"].paginator.count == 2

    # when
    make_job()
    page = client.get(reverse("employment:job-list"), **EN).context["page"]

    # then
    assert page.paginator.count == 2


def test_the_api_keeps_the_search_total_but_counts_an_employers_own_jobs_exactly():
    # given
    employer, account = make_hr()
    make_job(employer=employer, account=account)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(account)
    jobs = "/api/v1/employment/jobs/"
    assert api.get(jobs).json()["count"] == 1
    assert api.get(jobs, {"mine": "true"}).json()["count"] == 1

    # when
    make_job(employer=employer, account=account)

    # then
    assert api.get(jobs).json()["count"] == 1
    assert api.get(jobs, {"mine": "true"}).json()["count"] == 2


@pytest.mark.parametrize("query", ["?q=welder", "?page=2&x=1", "?page=abc", "?page=99999"])
def test_searches_and_odd_addresses_are_computed_each_time(query):
    # given
    job = make_job(title="Welder")
    url = reverse("employment:job-list") + query
    Client().get(url, **EN)
    _rename(job, "Senior welder")

    # when
    page = Client().get(url, **EN).content.decode()

    # then: nothing was kept for that address
    assert "Senior welder" in page


def test_the_pages_of_the_plain_list_are_kept():
    # given
    job = make_job(title="Welder")
    url = reverse("employment:job-list") + "?page=1"
    Client().get(url, **EN)
    _rename(job, "Senior welder")

    # when
    page = Client().get(url, **EN).content.decode()

    # then
    assert "Welder" in page and "Senior welder" not in page


def test_the_apis_plain_job_list_is_kept_for_every_user_but_searches_are_not(django_assert_num_queries):
    # given: one resident's call keeps the first page
    job = make_job(title="Welder")
    jobs = "/api/v1/employment/jobs/"
    first = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    first.force_authenticate(make_seeker().user)
    assert first.get(jobs).json()["results"][0]["title"] == "Welder"
    _rename(job, "Senior welder")

    # when: another resident calls the same list, and searches
    other = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    other.force_authenticate(make_seeker().user)
    with django_assert_num_queries(0):
        kept = other.get(jobs)
    searched = other.get(jobs, {"q": "welder"})

    # then
    assert kept.json()["results"][0]["title"] == "Welder"
    assert searched.json()["results"][0]["title"] == "Senior welder"
