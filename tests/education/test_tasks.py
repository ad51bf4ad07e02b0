from datetime import timedelta

import pytest
from django.utils import timezone

from education import tasks
from education.models import Application, Offer, Round
from kunshan_portal.celery import app
from tests.conftest import wait_for
from tests.education.factories import (
    make_application,
    make_caseworker,
    make_school,
    make_school_year,
    make_seats,
    run_round,
)


def test_the_hourly_task_is_scheduled():
    entry = app.conf.beat_schedule["education-lapse-overdue-offers"]
    assert entry["task"] == tasks.offers_lapse_task.name


def test_the_hourly_task_lapses_overdue_offers_only(db):
    school = make_school()
    make_seats(school, 2)
    overdue, current = make_application(schools=[school]), make_application(schools=[school])
    run_round(make_caseworker())
    Offer.objects.filter(application=overdue).update(deadline=timezone.now() - timedelta(minutes=1))

    assert tasks.offers_lapse_task() == 1
    assert tasks.offers_lapse_task() == 0

    assert dict(Offer.objects.values_list("application_id", "state")) == {
        overdue.pk: Offer.State.LAPSED, current.pk: Offer.State.OPEN
    }  # fmt: skip


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_round_runs_on_a_real_worker(celery_worker_process):
    # given
    from education import services

    caseworker = make_caseworker()
    school = make_school()
    make_seats(school, 1)
    applications = [make_application(schools=[school]) for _ in range(2)]
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=round_, actor=caseworker)

    # when: the caseworker starts it; the worker computes, writes the offers and tells the families
    services.round_start(round_=round_, actor=caseworker)

    # then
    wait_for(lambda: Round.objects.get(pk=round_.pk).state == Round.State.DONE, timeout=60)
    wait_for(lambda: not round_.entries.filter(notified_at__isnull=True).exists(), timeout=60)
    states = sorted(
        Application.objects.filter(pk__in=[a.pk for a in applications]).values_list("state", flat=True)
    )
    assert states == ["offered", "waiting"]
