"""Factories of the insurance tests: enrolments with their first wage, employer accounts, caseworkers."""

from datetime import date
from decimal import Decimal

from insurance.models import Enrolment, EnrolmentWage
from kunshan_portal import roles
from tests.factories import make_employer, make_resident, make_user


def make_employer_account(employer=None, **fields):
    """An employer and a login acting for it."""
    employer = employer or make_employer()
    user = make_user(None, roles.EMPLOYER, **fields)
    employer.accounts.add(user)
    return employer, user


def make_caseworker(username: str = "cw_insurance"):
    return make_user(username, roles.CASEWORKER_GROUPS["insurance"], is_staff=True)


def make_enrolment(
    *,
    resident=None,
    employer=None,
    start_date: date = date(2025, 1, 1),
    end_date: date | None = None,
    wage: str | Decimal = "6000.00",
    birth_date: date = date(1990, 5, 17),
) -> Enrolment:
    """An enrolment written directly (the factory's shortcut past the service), with its first wage."""
    resident = resident or make_resident(birth_date=birth_date)
    employer = employer or make_employer()
    enrolment = Enrolment(resident=resident, employer=employer, start_date=start_date, end_date=end_date)
    if end_date is not None:
        enrolment.__dict__["state"] = Enrolment.State.ENDED
    enrolment.save()
    EnrolmentWage.objects.create(
        enrolment=enrolment, valid_from=start_date.replace(day=1), wage=Decimal(wage)
    )
    return enrolment
