"""Seats of a training programme under concurrent enrolment, with two real database connections."""

import pytest

from employment.models import Enrolment, TrainingProgramme
from employment.services import training_enrol, training_withdraw
from tests.concurrency import run_at_once
from tests.employment.factories import make_programme, make_seeker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_residents_enrolling_for_the_last_seat_at_once_get_one_seat_and_one_waiting_place():
    # given one seat left
    programme = make_programme(seats=2)
    holder = make_seeker()
    training_enrol(programme=programme, resident=holder, actor=holder.user)
    first, second = make_seeker(), make_seeker()

    # when both enrol at the same moment
    outcomes = run_at_once(
        *(
            lambda r=r: training_enrol(programme=programme, resident=r, actor=r.user).state
            for r in (first, second)
        )
    )

    # then
    assert sorted(outcomes) == ["enrolled", "waitlisted"]
    programme.refresh_from_db()
    assert programme.enrolled_count == 2
    assert Enrolment.objects.filter(programme=programme, state="enrolled").count() == 2


def test_the_same_resident_enrolling_twice_at_once_gets_one_place():
    programme = make_programme(seats=5)
    resident = make_seeker()

    outcomes = run_at_once(
        *(
            lambda: training_enrol(programme=programme, resident=resident, actor=resident.user).state
            for _ in range(2)
        )
    )

    assert sorted(outcomes) == [
        "You are enrolled in this programme already (or on its waiting list).",
        "enrolled",
    ]
    assert Enrolment.objects.filter(resident=resident).count() == 1
    assert TrainingProgramme.objects.get(pk=programme.pk).enrolled_count == 1


def test_a_withdrawal_and_a_new_enrolment_at_once_never_exceed_the_seats():
    # given a full programme with one waiting
    programme = make_programme(seats=1)
    holder, waiting, newcomer = make_seeker(), make_seeker(), make_seeker()
    held = training_enrol(programme=programme, resident=holder, actor=holder.user)
    training_enrol(programme=programme, resident=waiting, actor=waiting.user)

    # when the holder withdraws while a newcomer enrols
    outcomes = run_at_once(
        lambda: training_withdraw(enrolment=held, actor=holder.user).state,
        lambda: training_enrol(programme=programme, resident=newcomer, actor=newcomer.user).state,
    )

    # then the freed seat went to the one waiting, never to both
    assert "withdrawn" in outcomes
    programme.refresh_from_db()
    assert programme.enrolled_count == 1
    assert Enrolment.objects.get(resident=waiting).state == "enrolled"
    assert Enrolment.objects.filter(programme=programme, state="enrolled").count() == 1
