"""Corrections of a computed month add adjustment lines, never edits of the lines written."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from insurance import services
from insurance.models import ContributionLine, ContributionTotal
from insurance.selectors import resident_balances
from tests.factories import make_resident
from tests.insurance.factories import make_employer_account, make_enrolment

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = date(2025, 9, 1), date(2025, 10, 1)


def sums(enrolment, period=OCTOBER):
    lines = ContributionLine.objects.filter(enrolment=enrolment, period=period)
    return {
        row["scheme"]: (row["employer"], row["employee"], row["pool"], row["personal"])
        for row in lines.values("scheme").annotate(
            employer=Sum("employer_amount"), employee=Sum("employee_amount"), pool=Sum("pool"),
            personal=Sum("personal_account"),
        )
    }  # fmt: skip


def owed_for(wage: str):
    """What a fresh enrolment at this wage owes in October, from a run of its own."""
    other = make_enrolment(wage=wage)
    services.contribution_run_in_process(period=OCTOBER, actor=None)
    return sums(other)


def test_a_wage_change_for_a_computed_month_adds_adjustment_lines():
    # given
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="6000.00")
    services.contribution_run_in_process(period=OCTOBER, actor=None)
    regular = list(ContributionLine.objects.filter(enrolment=enrolment).values_list("pk", "employer_amount"))

    # when
    services.enrolment_wage_change(enrolment=enrolment, wage="6500.00", valid_from=OCTOBER, actor=account)

    # then: the regular lines are untouched, one adjustment per scheme carries the difference
    assert (
        list(
            ContributionLine.objects.filter(enrolment=enrolment, revision=0).values_list(
                "pk", "employer_amount"
            )
        )
        == regular
    )
    adjustments = ContributionLine.objects.filter(enrolment=enrolment, kind="adjustment")
    assert adjustments.count() == 5 and set(adjustments.values_list("revision", "cause")) == {(1, "wage")}
    assert adjustments.get(scheme="pension").employer_amount == Decimal("90.00")  # 18% of 500
    assert sums(enrolment) == owed_for("6500.00")


def test_a_second_correction_adds_a_second_revision_and_repeating_it_adds_nothing():
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="6000.00")
    services.contribution_run_in_process(period=OCTOBER, actor=None)

    services.enrolment_wage_change(enrolment=enrolment, wage="6500.00", valid_from=OCTOBER, actor=account)
    services.enrolment_wage_change(enrolment=enrolment, wage="5000.00", valid_from=OCTOBER, actor=account)
    services.enrolment_wage_change(enrolment=enrolment, wage="5000.00", valid_from=OCTOBER, actor=account)

    assert sorted(
        set(ContributionLine.objects.filter(enrolment=enrolment).values_list("revision", flat=True))
    ) == [0, 1, 2]
    assert sums(enrolment) == owed_for("5000.00")


def test_a_correction_below_the_floor_changes_nothing():
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="3000.00")
    services.contribution_run_in_process(period=OCTOBER, actor=None)

    services.enrolment_wage_change(enrolment=enrolment, wage="4000.00", valid_from=OCTOBER, actor=account)

    assert not ContributionLine.objects.filter(enrolment=enrolment, kind="adjustment").exists()


def test_a_wage_change_from_a_month_not_yet_run_touches_no_line():
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer)
    services.contribution_run_in_process(period=SEPTEMBER, actor=None)

    services.enrolment_wage_change(enrolment=enrolment, wage="9000.00", valid_from=OCTOBER, actor=account)
    services.contribution_run_in_process(period=OCTOBER, actor=None)

    assert not ContributionLine.objects.filter(kind="adjustment").exists()
    assert ContributionLine.objects.get(period=OCTOBER, scheme="pension").base == Decimal("9000.00")


def test_ending_before_a_computed_month_takes_back_what_it_charged():
    # given
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="6000.00")
    services.contribution_run_in_process(period=SEPTEMBER, actor=None)
    services.contribution_run_in_process(period=OCTOBER, actor=None)

    # when: the employee left on 20 September
    services.enrolment_end(enrolment=enrolment, end_date=date(2025, 9, 20), actor=account)

    # then
    assert all(value == 0 for amounts in sums(enrolment, SEPTEMBER).values() for value in amounts)
    assert all(value == 0 for amounts in sums(enrolment, OCTOBER).values() for value in amounts)
    reversal = ContributionLine.objects.filter(enrolment=enrolment, kind="adjustment")
    assert reversal.count() == 10 and set(reversal.values_list("cause", flat=True)) == {"end"}
    assert resident_balances(enrolment.resident) == {"pension": Decimal("0.00"), "medical": Decimal("0.00")}


def test_a_late_enrolment_into_a_computed_month_gets_its_regular_lines_at_once():
    # given
    employer, account = make_employer_account()
    services.contribution_run_in_process(period=SEPTEMBER, actor=None)

    # when
    enrolment = services.enrolment_create(
        resident=make_resident(), employer=employer, start_date=date(2025, 9, 1), wage="6000", actor=account
    )

    # then
    lines = ContributionLine.objects.filter(enrolment=enrolment)
    assert lines.count() == 5 and set(lines.values_list("kind", "period")) == {("regular", SEPTEMBER)}


def test_the_totals_follow_the_adjustments():
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, wage="6000.00")
    services.contribution_run_in_process(period=OCTOBER, actor=None)

    services.enrolment_wage_change(enrolment=enrolment, wage="8000.00", valid_from=OCTOBER, actor=account)

    total = ContributionTotal.objects.get(employer=employer, period=OCTOBER, scheme="pension")
    assert (total.employer_amount, total.employee_amount, total.lines) == (
        Decimal("1440.00"),
        Decimal("640.00"),
        2,
    )
