import io
import random

import pytest

from kunshan_portal.management.commands.seed_demo import Command
from legal_aid import demo
from legal_aid.models import Case, StationStaff
from residents import demo as residents_demo


@pytest.mark.django_db
def test_the_demo_makes_cases_in_every_state_once():
    accounts = Command().create_accounts()
    residents_demo.seed_demo(
        accounts=accounts, rng=None, options={"residents": 40, "seed": 3}, stdout=io.StringIO()
    )
    demo.seed_demo(accounts=accounts, rng=random.Random(3), options={}, stdout=io.StringIO())
    made = Case.objects.count()
    assert made == demo.CASES
    assert {"submitted", "refused", "assigned", "mediation", "closed", "forwarded"} <= set(
        Case.objects.values_list("state", flat=True)
    )
    assert StationStaff.objects.filter(user=accounts["caseworker_legal_aid"], is_head=True).count() == 2
    # a second run adds nothing
    demo.seed_demo(accounts=accounts, rng=random.Random(4), options={}, stdout=io.StringIO())
    assert Case.objects.count() == made
