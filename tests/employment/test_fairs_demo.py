"""The demo recruitment fairs: ahead and past, with employers, registrations and check-ins, made once."""

import io
import random

import pytest

from employment import demo
from employment.models import Fair, FairRegistration
from employment.selectors import fair_monthly_figures
from kunshan_portal.management.commands.seed_demo import Command
from residents import demo as residents_demo
from residents.selectors import resident_for_user

pytestmark = pytest.mark.django_db


def test_the_demo_has_fairs_ahead_and_behind_and_a_second_run_adds_none():
    # given
    accounts = Command().create_accounts()
    out = io.StringIO()
    options = {"residents": 60, "seed": 7}
    residents_demo.seed_demo(accounts=accounts, rng=random.Random(7), options=options, stdout=out)

    # when
    demo.seed_demo(accounts=accounts, rng=random.Random(7), options=options, stdout=out)
    fairs = Fair.objects.count()
    demo.seed_demo(accounts=accounts, rng=random.Random(7), options=options, stdout=out)

    # then
    assert Fair.objects.count() == fairs and "demo fairs exist already" in out.getvalue()
    assert Fair.objects.filter(state=Fair.State.SCHEDULED, participants__isnull=False).exists()
    assert Fair.objects.filter(state=Fair.State.HELD).count() == 5
    small = Fair.objects.get(capacity=5)
    assert small.registered_count == 5
    assert FairRegistration.objects.filter(fair=small, state="waitlisted").exists()
    demo_resident = resident_for_user(accounts["resident"])
    assert FairRegistration.objects.filter(resident=demo_resident).count() >= 1
    assert sum(row["attended"] for row in fair_monthly_figures(months=7)) > 0
