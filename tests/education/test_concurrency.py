"""Concurrency claims, each with two real database connections (threads) on PostgreSQL."""

import threading
import time

import pytest
from django.db import connection, transaction

from education import services
from education.models import Enrolment, Offer, Round, SchoolSeats
from tests.education.factories import (
    make_application,
    make_caseworker,
    make_parent,
    make_school,
    make_school_child,
    make_school_year,
    make_seats,
    run_round,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _runs_by_hand(monkeypatch):
    """Outside a test transaction a started round would run at once in-process; here the test runs it."""
    from education import tasks

    monkeypatch.setattr(tasks.round_run_task, "delay", lambda *args: None)


def in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # the test inspects what each side got
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def hold_then(service, hold_seconds: float, started: threading.Event):
    """Call a service inside a transaction that stays open a while (its locks held) before committing."""

    def call():
        with transaction.atomic():
            result = service()
            started.set()
            time.sleep(hold_seconds)
        return result

    return call


def test_accepting_the_same_offer_twice_at_once_enrols_once():
    # given
    caseworker = make_caseworker()
    school = make_school()
    make_seats(school, 1)
    application = make_application(schools=[school])
    run_round(caseworker)
    offer = Offer.objects.get(application=application)
    parent_user = application.parent.user
    results, first_holds = {}, threading.Event()

    # when: the first accept holds its lock while the second arrives
    first = in_thread(
        hold_then(lambda: services.offer_accept(offer=offer, actor=parent_user), 0.5, first_holds), results, 1
    )
    first_holds.wait(10)
    second = in_thread(lambda: services.offer_accept(offer=offer, actor=parent_user), results, 2)
    first.join(20)
    second.join(20)

    # then
    assert isinstance(results[1], Enrolment) and results[1] == results[2]
    assert Enrolment.objects.count() == 1
    assert SchoolSeats.objects.get().taken == 1


def test_running_the_same_round_twice_at_once_writes_the_offers_once():
    # given
    caseworker = make_caseworker()
    school = make_school()
    make_seats(school, 2)
    for _ in range(3):
        make_application(schools=[school])
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=round_, actor=caseworker)
    services.round_start(round_=round_, actor=caseworker)
    results, barrier = {}, threading.Barrier(2)

    def run():
        barrier.wait(10)
        return services.round_run(round_id=round_.pk)

    threads = [in_thread(run, results, n) for n in (1, 2)]
    for thread in threads:
        thread.join(30)

    # then
    assert all(isinstance(result, Round) and result.state == Round.State.DONE for result in results.values())
    assert Offer.objects.filter(round=round_).count() == 2
    assert SchoolSeats.objects.get().taken == 2


def test_a_round_and_a_recorded_enrolment_at_once_never_overfill_a_school():
    # given: two seats; a caseworker records an enrolment while the round runs
    caseworker = make_caseworker()
    school = make_school()
    make_seats(school, 2)
    for _ in range(3):
        make_application(schools=[school])
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=round_, actor=caseworker)
    services.round_start(round_=round_, actor=caseworker)
    child = make_school_child(make_parent())
    results, enrolment_holds = {}, threading.Event()

    # when
    first = in_thread(
        hold_then(
            lambda: services.enrolment_record(
                child=child, school=school, school_year=make_school_year(), grade=1, actor=caseworker
            ),
            0.5,
            enrolment_holds,
        ),
        results,
        "enrolment",
    )
    enrolment_holds.wait(10)
    second = in_thread(lambda: services.round_run(round_id=round_.pk), results, "round")
    first.join(20)
    second.join(30)

    # then: the round saw the seat taken and offered only the one left
    assert isinstance(results["enrolment"], Enrolment)
    assert results["round"].state == Round.State.DONE
    assert Offer.objects.filter(round=round_).count() == 1
    seats = SchoolSeats.objects.get()
    assert seats.taken == seats.seats == 2
