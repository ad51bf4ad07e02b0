"""The employment demo: jobs, applications at every step and hires, made through the services, once."""

import io
import random

import pytest

from employment import demo
from employment.models import Application, Job, Placement
from kunshan_portal.management.commands.seed_demo import Command
from residents import demo as residents_demo

pytestmark = pytest.mark.django_db


def test_the_demo_city_has_jobs_applications_and_hires_and_a_second_run_adds_nothing():
    # given
    accounts = Command().create_accounts()
    out = io.StringIO()
    options = {"residents": 60, "seed": 7}
    residents_demo.seed_demo(accounts=accounts, rng=random.Random(7), options=options, stdout=out)

    # when
    demo.seed_demo(accounts=accounts, rng=random.Random(7), options=options, stdout=out)
    counts = (Job.objects.count(), Application.objects.count(), Placement.objects.count())
    demo.seed_demo(accounts=accounts, rng=random.Random(7), options=options, stdout=out)

    # then
    assert (Job.objects.count(), Application.objects.count(), Placement.objects.count()) == counts
    assert counts[0] == demo.JOBS and counts[1] > 20
    states = set(Application.objects.values_list("state", flat=True))
    assert {"submitted", "shortlisted", "interview"} <= states
    assert {"open", "draft", "closed"} <= set(Job.objects.values_list("state", flat=True))
    assert Job.objects.filter(employer__accounts=accounts["employer"]).count() >= 8
    assert "demo jobs exist already" in out.getvalue()
