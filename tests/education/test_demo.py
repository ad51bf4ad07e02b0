import io
import random

from education.demo import admission_year, seed_demo
from education.models import Application, Offer, Round, SchoolSeats
from tests.education.factories import birth_date_for, make_caseworker, make_parent, make_school_child


def test_seed_demo_applies_runs_the_first_round_and_is_idempotent(db):
    # given: a few verified parents with school-age children, and the demo logins
    from django.utils import timezone

    year = admission_year(timezone.localdate())
    parents = [make_parent(town) for town in ("yushan", "bacheng", "development-zone", "zhoushi")]
    for parent in parents:
        make_school_child(parent, grade=1, year=year)
        make_school_child(parent, birth_date=birth_date_for(4, year))
    accounts = {"caseworker_education": make_caseworker(), "resident": parents[0].user}
    out = io.StringIO()

    # when
    seed_demo(accounts=accounts, rng=random.Random(1), options={}, stdout=out)
    counts = (
        Application.objects.count(),
        Offer.objects.count(),
        SchoolSeats.objects.count(),
        Round.objects.count(),
    )
    seed_demo(accounts=accounts, rng=random.Random(1), options={}, stdout=out)

    # then
    assert counts[0] == 8 and counts[3] == 1 and counts[1] > 0
    assert (
        Application.objects.count(),
        Offer.objects.count(),
        SchoolSeats.objects.count(),
        Round.objects.count(),
    ) == counts
    assert Round.objects.get().state == Round.State.DONE
    assert (
        Offer.objects.filter(application__parent=parents[0], state=Offer.State.OPEN).exists()
        or not Offer.objects.filter(application__parent=parents[0]).exists()
    )
    assert "nothing added" in out.getvalue()
