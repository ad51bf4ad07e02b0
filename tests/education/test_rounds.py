from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from education import selectors, services
from education.explain import reason_text
from education.models import Application, Enrolment, Offer, Round, RoundCutoff, RoundEntry, SchoolSeats
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, StateTransition, User
from tests.education.factories import (
    YEAR,
    make_application,
    make_caseworker,
    make_parent,
    make_school,
    make_school_child,
    make_school_year,
    make_seats,
    run_round,
)


@pytest.fixture
def caseworker(db):
    return make_caseworker()


def with_lottery(application, number):
    """Fix a drawn lottery number, so that a test can say who wins a tie."""
    from education.models import ChildLottery

    ChildLottery.objects.filter(child_id_hash=application.child_id_hash).update(number=number)
    Application.objects.filter(pk=application.pk).update(lottery=number)
    return application


def offer_of(application):
    return Offer.objects.filter(application=application).order_by("-pk").first()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"town": "yushan"}, {"town": "bacheng", "months": 120, "lottery": 1}),
        ({"town": "bacheng", "sibling": True}, {"town": "bacheng", "months": 120, "lottery": 1}),
        ({"town": "bacheng", "months": 13}, {"town": "bacheng", "months": 12, "lottery": 1}),
        ({"town": "bacheng", "lottery": 7}, {"town": "bacheng", "lottery": 8}),
    ],
    ids=["catchment beats months and lottery", "sibling beats months", "more months first", "lower lottery"],
)
def test_a_full_school_takes_the_child_with_the_better_priority(caseworker, insurance_months, first, second):
    # given: one seat in grade 1 at a Yushan school, two children want it
    school = make_school(town="yushan", last_grade=9)
    make_seats(school, 1)
    applications = []
    for facts in (second, first):  # the worse one applies first: the order of applying does not matter
        parent = make_parent(facts["town"])
        if facts.get("sibling"):
            older = make_school_child(parent, grade=3)
            services.enrolment_record(child=older, school=school, school_year=make_school_year(YEAR - 1), grade=2,
                                      actor=caseworker)  # fmt: skip
        insurance_months[parent.pk] = facts.get("months", 0)
        application = make_application(schools=[school], parent=parent)
        applications.append(with_lottery(application, facts.get("lottery", 50)))
    worse, better = applications

    # when
    round_ = run_round(caseworker)

    # then
    assert offer_of(better).school == school and offer_of(worse) is None
    better.refresh_from_db()
    worse.refresh_from_db()
    assert (better.state, worse.state) == (Application.State.OFFERED, Application.State.WAITING)
    cutoff = RoundCutoff.objects.get(round=round_, school=school, grade=1)
    assert (cutoff.seats, cutoff.applicants, cutoff.admitted, cutoff.full) == (1, 2, 1, True)
    assert cutoff.last_lottery == better.lottery


def test_round_writes_offers_with_deadline_holds_seats_and_publishes_cutoffs(caseworker):
    # given: two schools with two seats in all; three children rank them
    popular, other = make_school(town="yushan"), make_school(town="bacheng")
    make_seats(popular, 1)
    make_seats(other, 1)
    a = with_lottery(make_application(schools=[popular, other], town="yushan"), 1)
    b = with_lottery(make_application(schools=[popular, other], town="yushan"), 2)
    c = with_lottery(make_application(schools=[popular], town="bacheng"), 3)

    # when
    round_ = run_round(caseworker)

    # then
    assert round_.state == Round.State.DONE and round_.offers_count == 2 and round_.entries_count == 3
    assert (offer_of(a).school, offer_of(b).school, offer_of(c)) == (popular, other, None)
    deadline = timezone.localtime(offer_of(a).deadline)
    assert deadline.date() == timezone.localdate() + timedelta(days=7)
    assert (deadline.hour, deadline.minute) == (23, 59)
    assert list(SchoolSeats.objects.order_by("school_id").values_list("taken", flat=True)) == [1, 1]
    steps = StateTransition.objects.filter(
        object_id__in=[a.pk, b.pk, c.pk], transition__in=["offer", "unplace"]
    )
    assert sorted(steps.values_list("transition", "to_state")) == [
        ("offer", "offered"), ("offer", "offered"), ("unplace", "waiting")
    ]  # fmt: skip
    assert selectors.round_progress(round_) | {} == {
        "entries": 3, "offers": 2, "unplaced": 1, "told": 0, "open": 2, "accepted": 0, "declined": 0,
        "lapsed": 0,
    }  # fmt: skip


def test_preview_is_what_the_run_writes(caseworker):
    schools = [make_school(town=town) for town in ("yushan", "bacheng", "zhoushi")]
    for school in schools:
        make_seats(school, 2)
    for i in range(9):
        make_application(schools=schools[i % 3 :] + schools[: i % 3], town=("yushan", "lujia")[i % 2])
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=round_, actor=caseworker)

    preview = selectors.round_outcome(Round.objects.get(pk=round_.pk))
    services.round_start(round_=round_, actor=caseworker)
    services.round_run(round_id=round_.pk)

    written = {o.application_id: (o.school_id, o.grade) for o in Offer.objects.filter(round=round_)}
    assert written == {application: key for application, key in preview.assignment.values() if key}
    assert len(written) == 6


def test_running_a_round_again_does_nothing(caseworker):
    school = make_school()
    make_seats(school, 1)
    make_application(schools=[school])
    round_ = run_round(caseworker)

    assert services.round_run(round_id=round_.pk).state == Round.State.DONE
    assert Offer.objects.count() == 1 and SchoolSeats.objects.get().taken == 1


def test_months_are_frozen_when_the_round_starts(caseworker, insurance_months):
    # given
    school = make_school(town="yushan")
    make_seats(school, 1)
    early = make_application(schools=[school], town="bacheng")
    late = make_application(schools=[school], town="bacheng")
    insurance_months |= {early.parent_id: 24, late.parent_id: 6}
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=round_, actor=caseworker)

    # when: months change after the freeze
    insurance_months |= {early.parent_id: 0, late.parent_id: 60}
    services.round_start(round_=round_, actor=caseworker)
    services.round_run(round_id=round_.pk)

    # then
    assert offer_of(early) is not None and offer_of(late) is None
    assert dict(RoundEntry.objects.values_list("application_id", "months")) == {early.pk: 24, late.pk: 6}
    assert selectors.application_facts(late).months == 6


def test_each_family_sees_why_a_higher_ranked_school_did_not_take_the_child(caseworker, insurance_months):
    # given: the popular Yushan school has one seat, the Bacheng one plenty
    popular, fallback = make_school(town="yushan"), make_school(town="bacheng")
    make_seats(popular, 1)
    make_seats(fallback, 5)
    winner = with_lottery(make_application(schools=[popular, fallback], town="bacheng"), 51234)
    loser = with_lottery(make_application(schools=[popular, fallback], town="bacheng"), 60000)
    insurance_months |= {winner.parent_id: 24, loser.parent_id: 24}

    # when
    run_round(caseworker)
    (result,) = selectors.application_results(loser)

    # then
    assert result.offer.school == fallback
    (refusal,) = result.refusals
    assert refusal.school == popular and refusal.reason == "lottery"
    assert (refusal.last_admitted.months, refusal.last_admitted.lottery) == (24, 51234)
    assert "the last child admitted had 51234, your child has 60000" in reason_text(refusal)
    assert selectors.application_results(winner)[0].refusals == []


def test_a_school_without_seats_in_the_grade_is_explained(caseworker):
    no_seats, fallback = make_school(), make_school()
    make_seats(fallback, 1)
    application = make_application(schools=[no_seats, fallback])
    run_round(caseworker)

    (refusal,) = selectors.application_results(application)[0].refusals
    assert refusal.reason == "no_seats"
    assert "no seats" in reason_text(refusal)


def test_families_are_told_their_result_once_in_their_language(caseworker):
    school = make_school()
    make_seats(school, 1)
    placed = with_lottery(make_application(schools=[school]), 1)
    waiting = with_lottery(make_application(schools=[school]), 2)
    User.objects.filter(pk__in=[placed.parent.user_id, waiting.parent.user_id]).update(language="en")
    round_ = run_round(caseworker)

    assert services.round_notify_batch(round_id=round_.pk, limit=1) == 1
    assert services.round_notify_batch(round_id=round_.pk) == 0
    assert services.round_notify_batch(round_id=round_.pk) == 0

    offered = Notice.objects.get(recipient=placed.parent.user)
    assert "School place offered" in offered.subject and "accept or decline it by" in offered.body
    unplaced = Notice.objects.get(recipient=waiting.parent.user)
    assert "No school place yet" in unplaced.subject and "next round" in unplaced.body


def test_accepting_enrols_the_child(caseworker):
    school = make_school()
    make_seats(school, 1)
    application = make_application(schools=[school])
    run_round(caseworker)
    offer = offer_of(application)

    enrolment = services.offer_accept(offer=offer, actor=application.parent.user)
    again = services.offer_accept(offer=offer, actor=application.parent.user)

    assert enrolment == again
    assert (enrolment.school, enrolment.grade, enrolment.child) == (school, 1, application.child)
    application.refresh_from_db()
    assert application.state == Application.State.PLACED
    assert SchoolSeats.objects.get().taken == 1
    with pytest.raises(DomainError, match="not allowed"):
        services.offer_decline(offer=offer_of(application), actor=application.parent.user)


def test_only_the_parent_answers_an_offer(caseworker):
    school = make_school()
    make_seats(school, 1)
    application = make_application(schools=[school])
    run_round(caseworker)
    with pytest.raises(DomainError) as caught:
        services.offer_accept(offer=offer_of(application), actor=make_parent().user)
    assert caught.value.code == "forbidden"


def test_a_declined_seat_goes_to_the_second_round(caseworker):
    # given: one seat at the popular school; A gets it, B waits
    popular, other = make_school(), make_school()
    make_seats(popular, 1)
    make_seats(other, 1)
    a = with_lottery(make_application(schools=[popular, other]), 1)
    b = with_lottery(make_application(schools=[popular]), 2)
    first = run_round(caseworker)
    assert offer_of(a).school == popular and offer_of(b) is None

    # when: A declines; the second round runs
    services.offer_decline(offer=offer_of(a), actor=a.parent.user)
    assert SchoolSeats.objects.get(school=popular).taken == 0
    second = services.round_create(school_year=make_school_year(), actor=caseworker)
    with pytest.raises(DomainError, match="not finished"):
        services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=second, actor=caseworker)
    services.round_start(round_=second, actor=caseworker)
    second = services.round_run(round_id=second.pk)

    # then: B takes the freed seat, A is placed at its next school (the declined one is left out)
    assert second.number == 2 and first.number == 1
    assert (offer_of(b).school, offer_of(b).round) == (popular, second)
    assert (offer_of(a).school, offer_of(a).round) == (other, second)
    assert RoundEntry.objects.get(round=second, application=a).choices == [other.pk]


def test_the_next_round_waits_for_the_open_offers(caseworker):
    school = make_school()
    make_seats(school, 1)
    make_application(schools=[school])
    make_application(schools=[school])
    run_round(caseworker)
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)

    with pytest.raises(DomainError, match="still open"):
        services.round_freeze(round_=round_, actor=caseworker)


def test_freezing_needs_applications_and_the_right(caseworker):
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    with pytest.raises(DomainError, match="No application"):
        services.round_freeze(round_=round_, actor=caseworker)
    with pytest.raises(DomainError) as caught:
        services.round_create(school_year=make_school_year(), actor=make_parent().user)
    assert caught.value.code == "forbidden"


def test_an_unanswered_offer_lapses_after_its_deadline(caseworker):
    school = make_school()
    make_seats(school, 1)
    application = make_application(schools=[school])
    run_round(caseworker)
    offer = offer_of(application)
    User.objects.filter(pk=application.parent.user_id).update(language="en")

    assert services.offers_lapse_overdue(now=offer.deadline - timedelta(minutes=1)) == 0
    assert services.offers_lapse_overdue(now=offer.deadline + timedelta(seconds=1)) == 1
    assert services.offers_lapse_overdue(now=offer.deadline + timedelta(hours=2)) == 0

    offer.refresh_from_db()
    application.refresh_from_db()
    assert (offer.state, application.state) == (Offer.State.LAPSED, Application.State.WAITING)
    assert SchoolSeats.objects.get().taken == 0
    assert "No answer came by the deadline" in Notice.objects.get(recipient=application.parent.user).body


def test_an_offer_past_its_deadline_cannot_be_accepted(caseworker):
    school = make_school()
    make_seats(school, 1)
    application = make_application(schools=[school])
    run_round(caseworker)
    Offer.objects.filter(application=application).update(deadline=timezone.now() - timedelta(seconds=1))

    with pytest.raises(DomainError, match="deadline"):
        services.offer_accept(offer=offer_of(application), actor=application.parent.user)


def test_the_database_refuses_more_seats_held_than_there_are(caseworker):
    seats = make_seats(make_school(), 1)
    with pytest.raises(IntegrityError, match="seats_never_overfilled"), transaction.atomic():
        SchoolSeats.objects.filter(pk=seats.pk).update(taken=2)


def test_one_round_at_a_time_per_school_year_in_the_database(caseworker):
    services.round_create(school_year=make_school_year(), actor=caseworker)
    with pytest.raises(IntegrityError, match="round_one_active_per_year"), transaction.atomic():
        Round.objects.create(school_year=make_school_year(), number=9)


def test_a_recorded_enrolment_holds_a_seat_and_is_once_a_year(caseworker):
    school = make_school()
    make_seats(school, 1)
    parent = make_parent()
    child = make_school_child(parent)
    services.enrolment_record(
        child=child, school=school, school_year=make_school_year(), grade=1, actor=caseworker
    )

    assert SchoolSeats.objects.get().taken == 1
    with pytest.raises(DomainError, match="no seat left"):
        services.enrolment_record(
            child=make_school_child(parent), school=school, school_year=make_school_year(), grade=1,
            actor=caseworker,
        )  # fmt: skip
    assert Enrolment.objects.count() == 1
    with pytest.raises(DomainError, match="already enrolled"):
        make_application(schools=[school], parent=parent, child=child)
