"""The demo data: enrolments, payroll with some arrears, six months run; a second run adds nothing."""

import io
import random

import pytest

from insurance.demo import seed_demo
from insurance.models import ContributionLine, ContributionRun, Enrolment, PayrollEntry
from kunshan_portal.models import Notice
from tests.factories import make_employer, make_resident
from tests.insurance.factories import make_employer_account

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent():
    # given: the demo logins and a few employed residents
    employer, account = make_employer_account()
    own = make_resident(employer=employer)
    for _ in range(6):
        make_resident(employer=make_employer())
    make_resident(employer=employer, verified=False)
    accounts = {"resident": own.user, "employer": account}

    # when
    seed_demo(accounts=accounts, rng=random.Random(1), options={}, stdout=io.StringIO())
    counts = (Enrolment.objects.count(), PayrollEntry.objects.count(), ContributionLine.objects.count())
    seed_demo(accounts=accounts, rng=random.Random(2), options={}, stdout=io.StringIO())

    # then
    assert counts[0] == 7 and counts[1] > 0 and counts[2] > 0
    assert (
        Enrolment.objects.count(),
        PayrollEntry.objects.count(),
        ContributionLine.objects.count(),
    ) == counts
    assert ContributionRun.objects.filter(finished_at__isnull=False).count() == 6
    assert Enrolment.objects.get(resident=own).created_by == account
    assert Notice.objects.filter(recipient=own.user, link="/insurance/me/").exists()
