from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from housing import services
from housing.models import AllocationRound, HousingApplication, Offer, Tenancy, TransferRequest
from housing.selectors import allocation_plan, free_places, transfer_plan
from housing.tasks import offers_lapse_task
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, StateTransition
from tests.conftest import wait_for
from tests.housing.factories import apply, let, make_beds, make_compound, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_housing", "caseworker_housing")


@pytest.fixture
def two_compounds():
    """Compounds A and B with one bed each, and C with a family unit for four."""
    a, b, c = make_compound(), make_compound(), make_compound()
    make_beds(a, 1, rent="300.00")
    make_beds(b, 1, rent="200.00")
    make_unit(c, sleeps=4, rent="800.00")
    return a, b, c


def run_round(caseworker, kind="allocation"):
    round = services.round_create(name="June round", kind=kind, actor=caseworker)
    return services.round_run(round=round, actor=caseworker)


def test_the_preview_serves_by_points_and_explains_who_filled_each_higher_choice(two_compounds):
    a, b, c = two_compounds
    first = apply(None, a, b, housing="shed")
    second = apply(None, a, b, housing="overcrowded")
    third = apply(None, a, b)
    family = apply(None, c, household_size=3, income="9000")

    plan = allocation_plan()

    assert [applicant.key for applicant in plan.applicants] == [first.pk, second.pk, third.pk, family.pk]
    places = {pk: free_places().get(pk=place).compound_id for pk, place in plan.outcome.places.items()}
    assert places == {first.pk: a.pk, second.pk: b.pk, family.pk: c.pk}
    assert plan.full_compounds(second.pk) == [(a.pk, 0)]
    assert plan.full_compounds(third.pk) == [(a.pk, 0), (b.pk, 1)]
    assert plan.by_compound()[a.pk] == {"free": 1, "offers": 1}
    assert not Offer.objects.exists()


def test_running_a_round_makes_offers_with_a_seven_day_deadline(two_compounds, caseworker):
    a, b, _c = two_compounds
    first = apply(None, a, b, housing="shed")
    second = apply(None, a, b)
    before = timezone.now()

    round = run_round(caseworker)

    offers = {offer.application_id: offer for offer in Offer.objects.select_related("place")}
    assert {pk: offer.place.compound_id for pk, offer in offers.items()} == {first.pk: a.pk, second.pk: b.pk}
    offer = offers[first.pk]
    assert (offer.rent, offer.utilities, offer.state) == (Decimal("300.00"), Decimal("0.00"), "open")
    assert before + timedelta(days=7) <= offer.deadline <= timezone.now() + timedelta(days=7)
    assert (round.state, round.considered, round.placed, round.run_by) == ("run", 2, 2, caseworker)
    first.refresh_from_db()
    assert first.state == HousingApplication.State.OFFERED
    notice = Notice.objects.filter(recipient=first.resident.user).first()
    assert "We offer you" in notice.body and "300.00 yuan a month" in notice.body
    assert not free_places().exists() or free_places().get().compound_id not in (a.pk, b.pk)


def test_a_round_runs_once_and_a_later_round_finds_nothing_to_offer_twice(two_compounds, caseworker):
    a, _b, _c = two_compounds
    apply(None, a)
    apply(None, a)
    round = run_round(caseworker)

    with pytest.raises(DomainError, match="run already"):
        services.round_run(round=round, actor=caseworker)
    again = run_round(caseworker)

    assert again.placed == 0
    assert Offer.objects.count() == 1


def test_a_confirmed_round_runs_on_a_worker_after_the_commit(
    two_compounds, caseworker, django_capture_on_commit_callbacks
):
    apply(None, two_compounds[0])
    round = services.round_create(name="June", kind="allocation", actor=caseworker)

    with django_capture_on_commit_callbacks(execute=True):
        started = services.round_start(round=round, actor=caseworker)

    assert started.state == "running"
    round.refresh_from_db()
    assert (round.state, round.placed, round.run_by) == ("run", 1, caseworker)
    with pytest.raises(DomainError, match="run already"):
        services.round_start(round=round, actor=caseworker)


def test_a_resident_may_not_run_a_round(make_user):
    resident = make_user("13800009999", "resident")
    with pytest.raises(DomainError) as refused:
        services.round_create(name="mine", kind="allocation", actor=resident)
    assert refused.value.code == "forbidden"


def test_accepting_an_offer_starts_the_tenancy_at_the_offered_rent(two_compounds, caseworker):
    a, _b, _c = two_compounds
    application = apply(None, a)
    run_round(caseworker)
    offer = Offer.objects.get()

    tenancy = services.offer_accept(offer=offer, actor=application.resident.user)

    assert (tenancy.place_id, tenancy.rent, tenancy.start_date) == (
        offer.place_id,
        offer.rent,
        timezone.localdate(),
    )
    assert tenancy.resident == application.resident and tenancy.offer == offer
    application.refresh_from_db()
    offer.refresh_from_db()
    assert (application.state, offer.state) == ("housed", "accepted")
    with pytest.raises(DomainError, match="no longer open"):
        services.offer_accept(offer=offer, actor=application.resident.user)


def test_an_offer_cannot_be_accepted_after_its_deadline(two_compounds, caseworker):
    application = apply(None, two_compounds[0])
    run_round(caseworker)
    Offer.objects.update(deadline=timezone.now() - timedelta(minutes=1))

    with pytest.raises(DomainError, match="time to answer"):
        services.offer_accept(offer=Offer.objects.get(), actor=application.resident.user)


def test_declining_keeps_points_and_turn_and_frees_the_place(two_compounds, caseworker):
    a, _b, _c = two_compounds
    first = apply(None, a, housing="shed")
    second = apply(None, a)
    run_round(caseworker)
    offer = Offer.objects.get(application=first)

    services.offer_decline(offer=offer, actor=first.resident.user)
    run_round(caseworker)

    first.refresh_from_db()
    assert (first.state, first.points, first.unanswered_offers) == ("offered", 30, 0)
    assert Offer.objects.get(state="open").application == first
    assert HousingApplication.objects.get(pk=second.pk).state == "waiting"


def lapse_all():
    return services.offers_lapse_overdue(now=timezone.now() + timedelta(days=8))


def test_an_unanswered_offer_lapses_and_the_applicant_goes_back_on_the_list(two_compounds, caseworker):
    application = apply(None, two_compounds[0])
    run_round(caseworker)

    assert services.offers_lapse_overdue() == 0
    assert lapse_all() == 1
    assert lapse_all() == 0

    application.refresh_from_db()
    assert (application.state, application.unanswered_offers) == ("waiting", 1)
    assert Offer.objects.get().state == "lapsed"
    step = StateTransition.objects.filter(object_id=application.pk, transition="lapse").get()
    assert "1 of 3 unanswered offers in a row" in step.note


def test_three_unanswered_offers_in_a_row_make_the_application_inactive(two_compounds, caseworker):
    application = apply(None, two_compounds[0])
    for _ in range(2):
        run_round(caseworker)
        lapse_all()
    run_round(caseworker)
    services.offer_decline(offer=Offer.objects.get(state="open"), actor=None)  # an answer resets the run
    for _ in range(3):
        run_round(caseworker)
        lapse_all()

    application.refresh_from_db()
    assert (application.state, application.unanswered_offers) == ("inactive", 3)
    assert run_round(caseworker).placed == 0
    services.application_reactivate(application=application, actor=caseworker)
    application.refresh_from_db()
    assert (application.state, application.unanswered_offers) == ("waiting", 0)


def test_the_beat_task_lapses_overdue_offers(two_compounds, caseworker):
    apply(None, two_compounds[0])
    run_round(caseworker)
    Offer.objects.update(deadline=timezone.now() - timedelta(seconds=1))

    offers_lapse_task.delay()

    assert Offer.objects.get().state == "lapsed"


def test_withdrawing_with_an_open_offer_gives_the_place_back(two_compounds, caseworker):
    application = apply(None, two_compounds[0])
    run_round(caseworker)

    services.application_withdraw(application=application, actor=application.resident.user)

    assert Offer.objects.get().state == "cancelled"
    assert free_places().filter(compound=two_compounds[0]).exists()


def test_a_caseworker_cancels_an_offer_and_the_applicant_keeps_their_turn(two_compounds, caseworker):
    application = apply(None, two_compounds[0])
    run_round(caseworker)

    services.offer_cancel(offer=Offer.objects.get(), actor=caseworker, reason="Water damage in the room.")

    application.refresh_from_db()
    assert (application.state, application.unanswered_offers) == ("waiting", 0)


def test_applicants_who_got_a_tenancy_meanwhile_are_left_out(two_compounds, caseworker):
    a, _b, _c = two_compounds
    application = apply(None, a)
    let(make_beds(make_compound(), 1)[0], application.resident)

    assert allocation_plan().considered == 0


def test_rent_changes_and_move_out_free_the_place(two_compounds, caseworker):
    bed = free_places().get(compound=two_compounds[0])
    tenancy = let(bed)

    change = services.tenancy_rent_change(
        tenancy=tenancy,
        rent="320.00",
        effective_from=timezone.localdate(),
        actor=caseworker,
        note="yearly review",
    )
    services.tenancy_end(tenancy=tenancy, end_date=timezone.localdate(), actor=caseworker)

    tenancy.refresh_from_db()
    assert (change.old_rent, change.new_rent, tenancy.rent) == (
        Decimal("300.00"),
        Decimal("320.00"),
        Decimal("320.00"),
    )
    assert tenancy.end_reason == "moved_out"
    assert free_places().filter(pk=bed.pk).exists()
    assert Notice.objects.filter(recipient=tenancy.resident.user, subject="Your rent changes").exists()
    with pytest.raises(DomainError, match="ended already"):
        services.tenancy_end(tenancy=tenancy, end_date=timezone.localdate(), actor=caseworker)


@pytest.mark.parametrize(
    ("end", "message"),
    [(timedelta(days=1), "on the day it happens"), (timedelta(days=-30), "before the move-in day")],
)
def test_a_move_out_day_must_be_real(two_compounds, caseworker, end, message):
    tenancy = let(
        free_places().filter(compound=two_compounds[0]).get(), start=timezone.localdate() - timedelta(days=3)
    )
    with pytest.raises(DomainError, match=message):
        services.tenancy_end(tenancy=tenancy, end_date=timezone.localdate() + end, actor=caseworker)


def test_a_transfer_round_swaps_tenants_who_want_each_others_compound(caseworker):
    # given tenants in A and B who want to swap, and one in C who wants A but nobody wants C
    a, b, c = make_compound(), make_compound(), make_compound()
    in_a = let(make_beds(a, 1, rent="300.00")[0])
    in_b = let(make_beds(b, 1, rent="200.00")[0])
    in_c = let(make_beds(c, 1)[0])
    for tenancy, wanted in ((in_a, [b]), (in_b, [a]), (in_c, [a])):
        services.transfer_request_submit(tenancy=tenancy, compounds=wanted, actor=tenancy.resident.user)

    # when
    assert len(transfer_plan().moves) == 2
    round = run_round(caseworker, kind="transfer")

    # then
    assert round.placed == 2
    moved = Tenancy.objects.filter(end_date__isnull=True).select_related("place")
    homes = {t.resident_id: (t.place.compound_id, t.rent) for t in moved}
    assert homes[in_a.resident_id] == (b.pk, Decimal("200.00"))
    assert homes[in_b.resident_id] == (a.pk, Decimal("300.00"))
    assert homes[in_c.resident_id][0] == c.pk
    in_a.refresh_from_db()
    assert (in_a.end_date, in_a.end_reason) == (timezone.localdate(), "transferred")
    states = dict(TransferRequest.objects.values_list("tenancy_id", "state"))
    assert states == {in_a.pk: "fulfilled", in_b.pk: "fulfilled", in_c.pk: "open"}


def test_a_transfer_request_is_for_other_compounds_once_at_a_time():
    a, b = make_compound(), make_compound()
    tenancy = let(make_beds(a, 1)[0])

    with pytest.raises(DomainError, match="other than the one you live in"):
        services.transfer_request_submit(tenancy=tenancy, compounds=[a], actor=None)
    services.transfer_request_submit(tenancy=tenancy, compounds=[b], actor=None)
    with pytest.raises(DomainError, match="already"):
        services.transfer_request_submit(tenancy=tenancy, compounds=[b], actor=None)


def test_allocation_rounds_record_their_summary(two_compounds, caseworker):
    apply(None, two_compounds[0])
    round = run_round(caseworker)
    assert round.summary["offers_by_compound"] == {str(two_compounds[0].pk): 1}
    assert AllocationRound.objects.get(pk=round.pk).summary["free_places"] == 3


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_round_and_the_lapse_task_run_on_a_real_worker(celery_worker_process, make_user):
    # given a caseworker who confirms a round for one applicant
    caseworker = make_user("cw_live", "caseworker_housing")
    compound = make_compound()
    make_beds(compound, 1)
    application = apply(None, compound)
    round = services.round_create(name="live", kind="allocation", actor=caseworker)

    # when the worker runs it
    services.round_start(round=round, actor=caseworker)

    # then the offer is made, and once overdue the hourly task lapses it
    wait_for(lambda: AllocationRound.objects.get(pk=round.pk).state == "run", timeout=60)
    Offer.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    offers_lapse_task.delay()
    wait_for(lambda: Offer.objects.get().state == "lapsed", timeout=60)
    application.refresh_from_db()
    assert (application.state, application.unanswered_offers) == ("waiting", 1)
