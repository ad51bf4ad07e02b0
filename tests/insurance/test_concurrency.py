"""Concurrency claims, tested with real connections on PostgreSQL (one per thread)."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from insurance import services
from insurance.models import ContributionLine, ContributionTotal, Enrolment
from kunshan_portal.errors import DomainError
from tests.factories import make_resident
from tests.insurance.factories import make_employer_account, make_enrolment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
OCTOBER = date(2025, 10, 1)


def in_threads(*targets):
    """Run each target in its own thread (its own connection), all released at once; their outcomes."""
    barrier = threading.Barrier(len(targets))
    outcomes = [None] * len(targets)

    def runner(index, target):
        try:
            barrier.wait()
            outcomes[index] = target()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def assert_each_line_once():
    lines = ContributionLine.objects.filter(period=OCTOBER, revision=0)
    assert lines.count() == Enrolment.objects.count() * 5
    total = ContributionTotal.objects.filter(period=OCTOBER).aggregate(n=Sum("lines"), pool=Sum("pool"))
    assert total["n"] == lines.count()
    assert total["pool"] == lines.aggregate(pool=Sum("pool"))["pool"]


def test_the_same_month_run_twice_at_the_same_time_doubles_no_line():
    # given
    for _ in range(12):
        make_enrolment()

    # when
    outcomes = in_threads(
        lambda: services.contribution_run_in_process(period=OCTOBER, actor=None),
        lambda: services.contribution_run_in_process(period=OCTOBER, actor=None),
    )

    # then
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert_each_line_once()


def test_one_chunk_computed_by_two_workers_at_once_is_written_once():
    # given
    for _ in range(8):
        make_enrolment()
    planned, ((first, last),) = services.contribution_run_plan(period=OCTOBER, actor=None)

    # when
    outcomes = in_threads(
        *[lambda: services.contribution_chunk_compute(run_id=planned.pk, first_id=first, last_id=last)] * 2
    )

    # then: one wrote the 40 lines, the other found them there
    assert sorted(outcomes) == [0, 40]
    assert_each_line_once()


def test_a_payroll_correction_during_a_chunk_is_not_lost(monkeypatch):
    """The correction waits for the chunk (the month's lock) and then adjusts what the chunk wrote."""
    # given
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="6000.00")
    planned, ((first, last),) = services.contribution_run_plan(period=OCTOBER, actor=None)
    computing = threading.Event()
    real_due = services._Results.due

    def slow_due(self, wage, birth_date):
        computing.set()
        time.sleep(0.5)  # the chunk has read the old wage and not yet written
        return real_due(self, wage, birth_date)

    monkeypatch.setattr(services._Results, "due", slow_due)
    content = f"id_number,wage,period\n{enrolment.resident.id_number},8000,2025-10\n".encode()

    def correct():
        computing.wait(10)
        return services.payroll_upload(employer=employer, file_name="p.csv", content=content, actor=account)

    # when
    outcomes = in_threads(
        lambda: services.contribution_chunk_compute(run_id=planned.pk, first_id=first, last_id=last), correct
    )

    # then: the month adds up to the corrected wage
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    pension = ContributionLine.objects.filter(enrolment=enrolment, scheme="pension")
    assert pension.aggregate(s=Sum("employer_amount"))["s"] == Decimal("1440.00")  # 18% of 8,000
    assert pension.count() == 2


@pytest.mark.parametrize("change", ["wage", "end"])
def test_a_wage_change_or_an_end_during_a_chunk_waits_for_it_and_settles_after(monkeypatch, change):
    """No deadlock between the chunk (month lock, then the enrolment rows its lines reference) and the
    change (it takes the months before the enrolment row), and the month ends up as the change says."""
    # given
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="6000.00")
    planned, ((first, last),) = services.contribution_run_plan(period=OCTOBER, actor=None)
    computing = threading.Event()
    real_due = services._Results.due

    def slow_due(self, wage, birth_date):
        computing.set()
        time.sleep(0.5)
        return real_due(self, wage, birth_date)

    monkeypatch.setattr(services._Results, "due", slow_due)

    def act():
        computing.wait(10)
        if change == "wage":
            return services.enrolment_wage_change(
                enrolment=enrolment, wage="8000", valid_from=OCTOBER, actor=account
            )
        return services.enrolment_end(enrolment=enrolment, end_date=date(2025, 9, 30), actor=account)

    # when
    outcomes = in_threads(
        lambda: services.contribution_chunk_compute(run_id=planned.pk, first_id=first, last_id=last), act
    )

    # then
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    paid = ContributionLine.objects.filter(enrolment=enrolment, scheme="pension").aggregate(
        s=Sum("employer_amount")
    )
    assert paid["s"] == (Decimal("1440.00") if change == "wage" else Decimal("0.00"))


def test_two_employers_enrolling_one_resident_at_once_make_one_enrolment():
    resident = make_resident()
    (first, first_account), (second, second_account) = make_employer_account(), make_employer_account()

    def enrol(employer, account):
        return lambda: services.enrolment_create(
            resident=resident, employer=employer, start_date=date(2025, 3, 1), wage="6000", actor=account
        )

    outcomes = in_threads(enrol(first, first_account), enrol(second, second_account))

    assert sum(isinstance(o, Enrolment) for o in outcomes) == 1
    assert sum(isinstance(o, DomainError) for o in outcomes) == 1
    assert Enrolment.objects.filter(resident=resident).count() == 1


def teardown_module():
    connections.close_all()
