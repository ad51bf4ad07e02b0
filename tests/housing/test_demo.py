import io
import random

import pytest

from housing.demo import seed_demo
from housing.models import Compound, HousingApplication, Offer, Tenancy
from kunshan_portal import roles
from tests.factories import make_employer
from tests.housing.factories import make_applicant

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_city_once(make_user):
    employers = [make_employer() for _ in range(3)]
    for i in range(40):
        make_applicant(employer=employers[i % 3])
    accounts = {"caseworker_housing": make_user("cw", roles.CASEWORKER_GROUPS["housing"])}
    out = io.StringIO()

    seed_demo(accounts=accounts, rng=random.Random(1), options={}, stdout=out)
    counts = (Compound.objects.count(), Tenancy.objects.count(), HousingApplication.objects.count())
    seed_demo(accounts=accounts, rng=random.Random(1), options={}, stdout=out)

    assert counts[0] == 10 and counts[1] > 10 and counts[2] > 0
    assert Offer.objects.exists()
    assert (Compound.objects.count(), Tenancy.objects.count(), HousingApplication.objects.count()) == counts
    assert "nothing added" in out.getvalue()
