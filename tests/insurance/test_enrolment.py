"""Enrolment: who may enrol whom, one enrolment at a time (a database constraint), wages and ends."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from insurance import services
from insurance.models import Enrolment, EnrolmentWage
from kunshan_portal.errors import DomainError
from kunshan_portal.lifecycle import lifecycle_timeline
from kunshan_portal.models import Notice
from tests.factories import make_employer, make_resident
from tests.insurance.factories import make_caseworker, make_employer_account, make_enrolment

pytestmark = pytest.mark.django_db


def enrol(resident, employer, actor, start=date(2025, 3, 1), wage="6000"):
    return services.enrolment_create(
        resident=resident, employer=employer, start_date=start, wage=wage, actor=actor
    )


def test_an_employer_enrols_a_verified_employee_who_is_told():
    # given
    employer, account = make_employer_account()
    resident = make_resident()

    # when
    enrolment = enrol(resident, employer, account, wage="6200.50")

    # then
    assert enrolment.state == Enrolment.State.ACTIVE and enrolment.created_by == account
    assert list(enrolment.wages.values_list("valid_from", "wage")) == [(date(2025, 3, 1), Decimal("6200.50"))]
    notice = Notice.objects.get(recipient=resident.user)
    assert employer.name in notice.body and "2025-03-01" in notice.body


def test_an_insurance_caseworker_may_enrol_for_any_employer():
    enrolment = enrol(make_resident(), make_employer(), make_caseworker())

    assert enrolment.pk


def test_another_employers_account_may_not_enrol():
    _, stranger = make_employer_account()

    with pytest.raises(DomainError) as refused:
        enrol(make_resident(), make_employer(), stranger)

    assert refused.value.code == "forbidden"
    assert not Enrolment.objects.exists()


def test_only_verified_residents_are_enrolled():
    employer, account = make_employer_account()

    with pytest.raises(DomainError, match="verified"):
        enrol(make_resident(verified=False), employer, account)


@pytest.mark.parametrize(
    ("wage", "message"),
    [
        ("0", "more than zero"),
        ("-10", "more than zero"),
        ("5000.555", "two decimals"),
        ("2000000", "million"),
    ],
)
def test_a_wage_must_be_plausible(wage, message):
    employer, account = make_employer_account()

    with pytest.raises(DomainError, match=message) as refused:
        enrol(make_resident(), employer, account, wage=wage)

    assert refused.value.field == "wage"


def test_a_resident_has_one_enrolment_at_a_time():
    # given
    employer, account = make_employer_account()
    resident = make_resident()
    enrol(resident, employer, account, start=date(2025, 3, 1))
    other, other_account = make_employer_account()

    # when / then
    with pytest.raises(DomainError, match="already enrolled"):
        enrol(resident, other, other_account, start=date(2025, 6, 1))


def test_after_an_end_the_next_employer_may_enrol_from_the_next_day():
    employer, account = make_employer_account()
    resident = make_resident()
    first = enrol(resident, employer, account, start=date(2025, 3, 1))
    services.enrolment_end(enrolment=first, end_date=date(2025, 6, 15), actor=account)
    other, other_account = make_employer_account()

    with pytest.raises(DomainError, match="already enrolled"):
        enrol(resident, other, other_account, start=date(2025, 6, 15))
    second = enrol(resident, other, other_account, start=date(2025, 6, 16))

    assert second.pk and Enrolment.objects.filter(resident=resident).count() == 2


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((date(2025, 1, 1), None), (date(2026, 1, 1), None)),  # two open enrolments
        ((date(2025, 1, 1), date(2025, 6, 30)), (date(2025, 6, 30), None)),  # sharing a day
        (
            (date(2025, 1, 1), date(2025, 12, 31)),
            (date(2025, 3, 1), date(2025, 4, 30)),
        ),  # one inside the other
    ],
)
def test_the_database_refuses_overlapping_enrolments_of_a_resident(first, second):
    resident = make_resident()
    make_enrolment(resident=resident, start_date=first[0], end_date=first[1])

    with pytest.raises(IntegrityError, match="enrolment_no_overlap"), transaction.atomic():
        make_enrolment(resident=resident, start_date=second[0], end_date=second[1])


def test_the_database_allows_enrolments_one_after_the_other_and_of_different_residents():
    resident = make_resident()
    make_enrolment(resident=resident, start_date=date(2025, 1, 1), end_date=date(2025, 6, 30))
    make_enrolment(resident=resident, start_date=date(2025, 7, 1))
    make_enrolment(start_date=date(2025, 1, 1))

    assert Enrolment.objects.count() == 3


def test_an_end_is_recorded_in_the_timeline_and_told_to_the_resident():
    employer, account = make_employer_account()
    resident = make_resident()
    resident.user.language = "en"  # notices are written in the reader's language
    resident.user.save(update_fields=["language"])
    enrolment = enrol(resident, employer, account)

    ended = services.enrolment_end(
        enrolment=enrolment, end_date=date(2025, 9, 30), actor=account, note="left"
    )

    assert (ended.state, ended.end_date) == (Enrolment.State.ENDED, date(2025, 9, 30))
    step = lifecycle_timeline(obj=ended, include_internal=False)[-1]
    assert (step.transition, step.actor, step.note) == ("end", account, "left")
    assert Notice.objects.filter(recipient=enrolment.resident.user, body__contains="ended").exists()


def test_an_ended_enrolment_cannot_end_again_nor_before_it_starts():
    employer, account = make_employer_account()
    enrolment = enrol(make_resident(), employer, account, start=date(2025, 3, 1))

    with pytest.raises(DomainError, match="before the start"):
        services.enrolment_end(enrolment=enrolment, end_date=date(2025, 2, 1), actor=account)
    services.enrolment_end(enrolment=enrolment, end_date=date(2025, 4, 30), actor=account)
    with pytest.raises(DomainError, match="not allowed"):
        services.enrolment_end(enrolment=enrolment, end_date=date(2025, 5, 31), actor=account)


def test_another_employer_may_not_end_or_change_an_enrolment():
    enrolment = make_enrolment()
    _, stranger = make_employer_account()

    with pytest.raises(DomainError) as refused_end:
        services.enrolment_end(enrolment=enrolment, end_date=date(2025, 5, 31), actor=stranger)
    with pytest.raises(DomainError) as refused_wage:
        services.enrolment_wage_change(
            enrolment=enrolment, wage="7000", valid_from=date(2025, 5, 1), actor=stranger
        )

    assert refused_end.value.code == refused_wage.value.code == "forbidden"


def test_a_wage_change_applies_from_a_month_and_replaces_that_months_wage():
    employer, account = make_employer_account()
    enrolment = enrol(make_resident(), employer, account, start=date(2025, 3, 10))

    services.enrolment_wage_change(
        enrolment=enrolment, wage="7000", valid_from=date(2025, 6, 15), actor=account
    )
    services.enrolment_wage_change(
        enrolment=enrolment, wage="7100", valid_from=date(2025, 6, 1), actor=account
    )

    assert list(
        EnrolmentWage.objects.filter(enrolment=enrolment)
        .order_by("valid_from")
        .values_list("valid_from", "wage")
    ) == [
        (date(2025, 3, 1), Decimal("6000.00")),
        (date(2025, 6, 1), Decimal("7100.00")),
    ]
    with pytest.raises(DomainError, match="before the enrolment starts"):
        services.enrolment_wage_change(
            enrolment=enrolment, wage="7000", valid_from=date(2025, 2, 1), actor=account
        )


def test_the_resident_sees_their_enrolments_among_their_applications():
    from kunshan_portal.registry import applications_of

    enrolment = make_enrolment()

    summaries = applications_of(enrolment.resident)

    assert [(s.kind, s.state, s.url) for s in summaries] == [
        ("Social insurance enrolment", "active", "/insurance/me/")
    ]
    assert enrolment.employer.name in summaries[0].title
