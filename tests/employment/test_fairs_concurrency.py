"""Fair capacity under concurrent registration, tested with real simultaneous database connections."""

import pytest

from employment.models import Fair, FairRegistration
from employment.services import fair_register, fair_registration_cancel
from tests.concurrency import run_at_once
from tests.employment.factories import make_fair, make_seeker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_residents_registering_for_the_last_place_at_once_get_one_place_and_one_wait():
    # given: one place left
    fair = make_fair(capacity=2)
    first = make_seeker()
    fair_register(fair=fair, resident=first, actor=first.user)
    racers = [make_seeker(), make_seeker()]

    # when
    outcomes = run_at_once(
        *(lambda r=r: fair_register(fair=fair, resident=r, actor=r.user).state for r in racers)
    )

    # then
    assert sorted(outcomes) == ["registered", "waitlisted"]
    fair.refresh_from_db()
    assert fair.registered_count == 2
    assert FairRegistration.objects.filter(fair=fair, state="registered").count() == 2
    assert FairRegistration.objects.get(fair=fair, state="waitlisted").waitlist_number == 1


def test_a_cancellation_and_a_registration_at_once_never_pass_the_capacity():
    # given: a full fair with one resident waiting
    fair = make_fair(capacity=1)
    holder, waiting, newcomer = make_seeker(), make_seeker(), make_seeker()
    held = fair_register(fair=fair, resident=holder, actor=holder.user)
    fair_register(fair=fair, resident=waiting, actor=waiting.user)

    # when: the holder cancels while a newcomer registers
    run_at_once(
        lambda: fair_registration_cancel(registration=held, actor=holder.user).state,
        lambda: fair_register(fair=fair, resident=newcomer, actor=newcomer.user).state,
    )

    # then: the place went to the one who waited, never to both
    fair.refresh_from_db()
    states = dict(FairRegistration.objects.filter(fair=fair).values_list("resident_id", "state"))
    assert fair.registered_count == 1 == Fair.objects.get(pk=fair.pk).capacity
    assert states[waiting.pk] == "registered"
    assert states[newcomer.pk] == "waitlisted"
    assert states[holder.pk] == "cancelled"


def test_the_same_resident_registering_twice_at_once_registers_once():
    fair = make_fair(capacity=5)
    resident = make_seeker()

    outcomes = run_at_once(
        *(lambda: fair_register(fair=fair, resident=resident, actor=resident.user).state,) * 2
    )

    assert sorted(outcomes) == ["You are registered for this fair already.", "registered"]
    assert FairRegistration.objects.filter(fair=fair, resident=resident).count() == 1
    fair.refresh_from_db()
    assert fair.registered_count == 1
