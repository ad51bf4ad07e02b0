"""Never let twice: concurrent rounds, accepts and lets on real PostgreSQL connections (one per thread)."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from housing import services
from housing.models import Offer, Tenancy
from kunshan_portal.errors import DomainError
from tests.housing.factories import apply, make_applicant, make_beds, make_compound

concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_parallel(*jobs):
    """Run each job in its own thread (so on its own database connection), all released together."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=30)
            results[i] = job()
        except Exception as exc:  # the test inspects what each side got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_housing", "caseworker_housing")


@concurrent
def test_two_rounds_run_at_once_offer_each_place_once(caseworker):
    # given 3 free beds and 5 applicants, and two caseworkers who each start a round
    compound = make_compound()
    make_beds(compound, 3)
    for _ in range(5):
        apply(None, compound)
    rounds = [services.round_create(name=f"round {n}", kind="allocation", actor=caseworker) for n in (1, 2)]

    # when both run at the same moment
    results = in_parallel(*(lambda r=r: services.round_run(round=r, actor=caseworker) for r in rounds))

    # then one round made the three offers and the other found nothing left
    assert sorted(result.placed for result in results) == [0, 3]
    open_offers = Offer.objects.filter(state="open")
    assert open_offers.count() == 3
    assert not open_offers.values("place").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not open_offers.values("application").annotate(n=Count("id")).filter(n__gt=1).exists()


@concurrent
def test_two_accepts_of_one_offer_or_two_lets_of_one_bed_let_it_once(caseworker):
    # given an offer of one bed, and another free bed
    compound = make_compound()
    offered, free = make_beds(compound, 2)
    application = apply(None, compound)
    services.round_run(
        round=services.round_create(name="r", kind="allocation", actor=caseworker), actor=caseworker
    )
    offer = Offer.objects.get()
    user = application.resident.user

    # when the applicant accepts twice at once (phone and laptop), and two caseworkers let the free bed at once
    accepts = in_parallel(
        lambda: services.offer_accept(offer=offer, actor=user),
        lambda: services.offer_accept(offer=offer, actor=user),
    )
    lets = in_parallel(
        *(
            lambda r=r: services.tenancy_move_in(
                place=free, resident=r, household_size=1, start_date=timezone.localdate(), actor=None
            )
            for r in (make_applicant(), make_applicant())
        )
    )

    # then each bed has exactly one tenancy, and the losers were told why
    for results in (accepts, lets):
        assert sum(isinstance(result, Tenancy) for result in results) == 1
        assert sum(isinstance(result, DomainError) for result in results) == 1
    assert [str(result) for result in accepts if isinstance(result, DomainError)] == [
        "This offer is no longer open."
    ]
    assert [str(result) for result in lets if isinstance(result, DomainError)] == [
        "This place has just been let to someone else."
    ]
    assert {t.place_id for t in Tenancy.objects.filter(end_date__isnull=True)} == {offered.pk, free.pk}
    assert Tenancy.objects.count() == 2


@concurrent
def test_the_database_alone_refuses_a_second_tenancy_or_open_offer_of_a_place(caseworker):
    """Without any service lock: two connections insert for the same place; the partial unique index
    makes the second wait for the first and then refuse."""
    compound = make_compound()
    bed = make_beds(compound, 1)[0]
    applications = [apply(None, compound), apply(None, compound)]
    round = services.round_create(name="r", kind="allocation", actor=caseworker)

    def insert(table, application, hold_open: bool):
        with transaction.atomic():
            if table == "tenancy":
                Tenancy.objects.create(
                    resident=application.resident, place=bed, household_size=1,
                    start_date=timezone.localdate(), rent=bed.rent, utilities=0,
                )  # fmt: skip
            else:
                Offer.objects.create(
                    round=round, application=application, place=bed, rent=bed.rent, utilities=0,
                    deadline=timezone.now(),
                )  # fmt: skip
            if hold_open:
                time.sleep(0.5)  # the other connection's insert now waits on the index entry
        return "inserted"

    for table in ("tenancy", "offer"):
        results = in_parallel(
            lambda t=table: insert(t, applications[0], True),
            lambda t=table: insert(t, applications[1], False),
        )

        assert results.count("inserted") == 1, table
        assert sum(isinstance(result, IntegrityError) for result in results) == 1, table
