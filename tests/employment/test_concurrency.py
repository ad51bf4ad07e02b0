"""Concurrency claims, tested with two real database connections at once."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from employment.models import Application, Job, Placement
from employment.services import application_hire, application_offer, application_shortlist, application_submit
from kunshan_portal.errors import DomainError
from tests.employment.factories import make_application, make_hr, make_job, make_seeker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def offered(application: Application, hr) -> Application:
    application = application_shortlist(application=application, actor=hr)
    return application_offer(application=application, actor=hr)


def test_two_simultaneous_applications_of_the_same_resident_make_one():
    # given
    job = make_job()
    resident = make_seeker()
    barrier = threading.Barrier(2)
    outcomes = []

    def apply():
        with translation.override("en"):  # each thread has its own language
            try:
                barrier.wait()
                application_submit(job=job, resident=resident, actor=resident.user)
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(str(exc))
            finally:
                connection.close()

    # when
    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes) == ["You have applied for this job already.", "ok"]
    assert Application.objects.filter(job=job, resident=resident).count() == 1


def test_two_employers_accounts_hiring_for_the_last_opening_at_once_hire_one():
    # given: one opening, two applicants offered the job
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, openings=1)
    first, second = offered(make_application(job=job), hr), offered(make_application(job=job), hr)
    barrier = threading.Barrier(2)
    outcomes = []

    def hire(application):
        try:
            barrier.wait()
            application_hire(application=application, actor=hr)
            outcomes.append("hired")
        except DomainError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=hire, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert outcomes.count("hired") == 1
    assert Placement.objects.count() == 1
    job.refresh_from_db()
    assert (job.hired_count, job.state) == (1, Job.State.FILLED)
    assert sorted(Application.objects.values_list("state", flat=True)) == ["hired", "rejected"]


def test_two_employers_hiring_the_same_resident_at_once_hire_them_once():
    # given: one resident offered two jobs of two employers
    resident = make_seeker(skill_codes=["assembly"])
    pairs = []
    for _ in range(2):
        employer, hr = make_hr()
        job = make_job(employer=employer, account=hr)
        pairs.append((offered(make_application(job=job, resident=resident), hr), hr))
    barrier = threading.Barrier(2)
    outcomes = []

    def hire(application, hr):
        try:
            barrier.wait()
            application_hire(application=application, actor=hr)
            outcomes.append("hired")
        except DomainError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=hire, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: the second waits for the first and finds the application withdrawn
    assert outcomes.count("hired") == 1
    assert sorted(Application.objects.values_list("state", flat=True)) == ["hired", "withdrawn"]
    assert Placement.objects.count() == 1
