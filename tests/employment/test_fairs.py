"""Recruitment fairs: registration, the waiting list, check-in, the weekly schedule, interview slots,
the figures for the dashboards."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from employment.models import Application, Fair, FairInterviewSlot, FairRegistration
from employment.selectors import fair_attendance, fair_check_in_qr_svg, fair_monthly_figures
from employment.services import (
    application_hire,
    application_offer,
    application_shortlist,
    fair_cancel,
    fair_check_in,
    fair_interview_book,
    fair_interview_cancel,
    fair_mark_held,
    fair_month_dates,
    fair_participant_save,
    fair_register,
    fair_registration_cancel,
    fair_schedule_month,
    fair_update,
    fair_waitlist_place,
)
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice
from residents.models import Town
from tests.employment.factories import (
    make_application,
    make_fair,
    make_fair_caseworker,
    make_hr,
    make_job,
    make_seeker,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker():
    return make_fair_caseworker()


def register(fair, resident=None):
    resident = resident or make_seeker()
    return fair_register(fair=fair, resident=resident, actor=resident.user)


# --- Registration and the waiting list ---------------------------------------------------------------


def test_registering_takes_a_place_and_tells_the_resident_the_number():
    # given
    fair = make_fair(capacity=2)
    resident = make_seeker()

    # when
    registration = register(fair, resident)

    # then
    fair.refresh_from_db()
    assert registration.state == FairRegistration.State.REGISTERED
    assert len(registration.code) == 8 and registration.code.isdigit()
    assert fair.registered_count == 1 and fair.places_left == 1
    notice = Notice.objects.get(recipient=resident.user)
    assert "Registered" in notice.subject and registration.code in notice.body


def test_a_full_fair_puts_the_next_residents_on_the_waiting_list_in_order():
    # given
    fair = make_fair(capacity=1)
    register(fair)

    # when
    second, third = register(fair), register(fair)

    # then
    fair.refresh_from_db()
    assert fair.registered_count == 1
    assert (second.state, third.state) == (FairRegistration.State.WAITLISTED,) * 2
    assert (fair_waitlist_place(second), fair_waitlist_place(third)) == (1, 2)
    assert "number 2 on the waiting list" in Notice.objects.filter(recipient=third.resident.user).get().body


def test_a_resident_registers_once_per_fair():
    fair = make_fair()
    resident = make_seeker()
    register(fair, resident)

    with pytest.raises(DomainError, match="registered for this fair already"):
        register(fair, resident)

    assert FairRegistration.objects.filter(fair=fair, resident=resident).count() == 1


def test_the_database_refuses_a_second_live_registration():
    fair = make_fair()
    registration = register(fair)

    with pytest.raises(IntegrityError), transaction.atomic():
        FairRegistration.objects.create(fair=fair, resident=registration.resident, code="12345678")


def test_the_database_refuses_more_places_than_the_capacity():
    fair = make_fair(capacity=1)
    register(fair)

    with pytest.raises(IntegrityError), transaction.atomic():
        Fair.objects.filter(pk=fair.pk).update(registered_count=2)


def test_cancelling_a_place_moves_the_first_on_the_waiting_list_up_and_tells_them():
    # given
    fair = make_fair(capacity=1)
    first = register(fair)
    waiting, behind = register(fair), register(fair)

    # when
    fair_registration_cancel(registration=first, actor=first.resident.user)

    # then
    waiting.refresh_from_db()
    behind.refresh_from_db()
    fair.refresh_from_db()
    assert waiting.state == FairRegistration.State.REGISTERED and waiting.waitlist_number is None
    assert behind.state == FairRegistration.State.WAITLISTED and fair_waitlist_place(behind) == 1
    assert fair.registered_count == 1
    promoted = Notice.objects.filter(recipient=waiting.resident.user).order_by("-id").first()
    assert "A place is yours" in promoted.subject and waiting.code in promoted.body


def test_leaving_the_waiting_list_frees_no_place():
    fair = make_fair(capacity=1)
    register(fair)
    waiting, behind = register(fair), register(fair)

    fair_registration_cancel(registration=waiting, actor=waiting.resident.user)

    behind.refresh_from_db()
    assert behind.state == FairRegistration.State.WAITLISTED and fair_waitlist_place(behind) == 1


def test_a_cancelled_registration_can_register_again():
    fair = make_fair(capacity=3)
    registration = register(fair)
    fair_registration_cancel(registration=registration, actor=registration.resident.user)

    again = register(fair, registration.resident)

    assert again.state == FairRegistration.State.REGISTERED and again.code != registration.code


def test_nobody_else_cancels_a_residents_registration():
    fair = make_fair()
    registration = register(fair)
    other = make_seeker()

    with pytest.raises(DomainError, match="only for yourself"):
        fair_registration_cancel(registration=registration, actor=other.user)


def test_a_larger_capacity_moves_the_waiting_list_up(caseworker):
    fair = make_fair(capacity=1, actor=caseworker)
    register(fair)
    waiting = register(fair)

    fair_update(fair=fair, actor=caseworker, capacity=2)

    waiting.refresh_from_db()
    assert waiting.state == FairRegistration.State.REGISTERED


def test_the_capacity_cannot_go_below_the_places_taken(caseworker):
    fair = make_fair(capacity=2, actor=caseworker)
    register(fair)
    register(fair)

    with pytest.raises(DomainError, match="2 residents hold a place"):
        fair_update(fair=fair, actor=caseworker, capacity=1)


def test_cancelled_and_past_fairs_take_no_registrations(caseworker):
    fair = make_fair(actor=caseworker)
    fair_cancel(fair=fair, actor=caseworker)

    with pytest.raises(DomainError, match="not taking registrations"):
        register(fair)


def test_cancelling_a_fair_ends_its_registrations_and_tells_the_residents(caseworker):
    fair = make_fair(capacity=1, actor=caseworker)
    registered, waiting = register(fair), register(fair)

    fair_cancel(fair=fair, actor=caseworker, note="The hall is closed for repairs.")

    assert set(FairRegistration.objects.values_list("state", flat=True)) == {"cancelled"}
    for registration in (registered, waiting):
        notice = Notice.objects.filter(recipient=registration.resident.user).order_by("-id").first()
        assert "Fair cancelled" in notice.subject and "closed for repairs" in notice.body


# --- Scheduling ----------------------------------------------------------------------------------------


def test_only_staff_schedule_fairs():
    _employer, hr = make_hr()
    with pytest.raises(DomainError, match="Only recruitment-centre staff"):
        make_fair(actor=hr)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": date(2020, 1, 6)}, "date"),
        ({"ends_at": time(8, 0)}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"venue": "  "}, "venue"),
        ({"title": ""}, "title"),
    ],
)
def test_a_fair_with_bad_details_is_refused_and_nothing_is_written(change, field):
    with pytest.raises(DomainError) as refusal:
        make_fair(**change)
    assert refusal.value.field == field
    assert not Fair.objects.exists()


def test_two_fairs_at_the_same_venue_and_time_are_refused(caseworker):
    fair = make_fair(actor=caseworker)

    with pytest.raises(DomainError, match="exists already"):
        make_fair(actor=caseworker, date=fair.date, venue=fair.venue, starts_at=fair.starts_at)


def test_the_dates_of_a_weekly_schedule():
    assert fair_month_dates(2027, 2, {0, 2}) == [date(2027, 2, day) for day in (1, 3, 8, 10, 15, 17, 22, 24)]


def next_month(today: date) -> tuple[int, int]:
    return (today.year, today.month + 1) if today.month < 12 else (today.year + 1, 1)


def test_a_weekly_schedule_makes_one_fair_per_weekday_of_the_month(caseworker):
    # given: next month, Monday to Friday (the centre's five fairs a week)
    year, month = next_month(timezone.localdate())
    values = {
        "title": "Weekday fair", "starts_at": time(9), "ends_at": time(11, 30), "venue": "Hall A",
        "town": Town.objects.get(code="yushan"), "capacity": 300,
    }  # fmt: skip

    # when
    fairs = fair_schedule_month(actor=caseworker, year=year, month=month, weekdays=[0, 1, 2, 3, 4], **values)

    # then
    expected = fair_month_dates(year, month, {0, 1, 2, 3, 4})
    assert [fair.date for fair in fairs] == expected and 20 <= len(expected) <= 23
    assert {(f.starts_at, f.venue, f.capacity) for f in Fair.objects.all()} == {(time(9), "Hall A", 300)}


def test_a_weekly_schedule_that_repeats_an_existing_fair_is_refused_whole(caseworker):
    # given
    year, month = next_month(timezone.localdate())
    first_monday = fair_month_dates(year, month, {0})[0]
    make_fair(actor=caseworker, date=first_monday, venue="Hall A", starts_at=time(9), ends_at=time(11))

    # when
    with pytest.raises(DomainError) as refusal:
        fair_schedule_month(
            actor=caseworker, year=year, month=month, weekdays=[0, 3], title="Fair", starts_at=time(9),
            ends_at=time(11), venue="Hall A", town=Town.objects.get(code="yushan"), capacity=100,
        )  # fmt: skip

    # then
    assert f"{first_monday:%Y-%m-%d}" in str(refusal.value)
    assert Fair.objects.count() == 1


def test_a_weekly_schedule_needs_a_weekday(caseworker):
    year, month = next_month(timezone.localdate())
    with pytest.raises(DomainError, match="at least one day"):
        fair_schedule_month(
            actor=caseworker, year=year, month=month, weekdays=[], title="Fair", starts_at=time(9),
            ends_at=time(11), venue="Hall A", town=Town.objects.get(code="yushan"), capacity=100,
        )  # fmt: skip


SATURDAY_AFTERNOON = datetime(2027, 3, 6, 15, 0, tzinfo=timezone.get_default_timezone())  # a Saturday


def test_a_fair_whose_hours_today_are_over_cannot_be_scheduled(caseworker, monkeypatch):
    # given: Saturday, three in the afternoon
    monkeypatch.setattr(timezone, "now", lambda: SATURDAY_AFTERNOON)
    today = SATURDAY_AFTERNOON.date()

    # then: a fair of the morning is refused, one of the evening is taken
    with pytest.raises(DomainError) as refusal:
        make_fair(actor=caseworker, date=today, starts_at=time(9), ends_at=time(12))
    assert refusal.value.field == "ends_at" and Fair.objects.count() == 0
    evening = make_fair(actor=caseworker, date=today, starts_at=time(16), ends_at=time(19))
    assert evening.date == today


def test_a_weekly_schedule_leaves_out_today_when_its_hours_are_over(caseworker, monkeypatch):
    # given: Saturday afternoon, and the Saturday morning fair for the rest of the month
    monkeypatch.setattr(timezone, "now", lambda: SATURDAY_AFTERNOON)
    today = SATURDAY_AFTERNOON.date()

    # when
    fairs = fair_schedule_month(
        actor=caseworker, year=today.year, month=today.month, weekdays=[5], title="Saturday fair",
        starts_at=time(9), ends_at=time(12), venue="Hall A", town=Town.objects.get(code="yushan"), capacity=100,
    )  # fmt: skip

    # then: the Saturdays still ahead, and every one open to registrations
    assert [fair.date for fair in fairs] == [date(2027, 3, day) for day in (13, 20, 27)]
    register(fairs[0])


# --- Check-in ------------------------------------------------------------------------------------------


@pytest.fixture
def todays_fair(caseworker, midday):
    return make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59), capacity=1)


def test_staff_check_a_registered_resident_in_by_the_number(caseworker, todays_fair):
    registration = register(todays_fair)

    checked = fair_check_in(
        fair=todays_fair, code=f" {registration.code[:4]} {registration.code[4:]} ", actor=caseworker
    )

    assert checked.state == FairRegistration.State.CHECKED_IN
    assert checked.checked_in_by == caseworker and checked.checked_in_at is not None
    assert fair_attendance(fair=todays_fair)["attended"] == 1


def test_a_resident_checks_in_once(caseworker, todays_fair):
    registration = register(todays_fair)
    fair_check_in(fair=todays_fair, code=registration.code, actor=caseworker)

    with pytest.raises(DomainError, match="checked in already"):
        fair_check_in(fair=todays_fair, code=registration.code, actor=caseworker)


def test_check_in_refuses_the_waiting_list_another_fair_and_unknown_numbers(caseworker, todays_fair):
    register(todays_fair)
    waiting = register(todays_fair)
    elsewhere = register(make_fair(actor=caseworker, days_ahead=0, venue="Hall B", starts_at=time(0, 0),
                                   ends_at=time(23, 59)))  # fmt: skip

    with pytest.raises(DomainError, match="waiting list"):
        fair_check_in(fair=todays_fair, code=waiting.code, actor=caseworker)
    with pytest.raises(DomainError, match="another fair"):
        fair_check_in(fair=todays_fair, code=elsewhere.code, actor=caseworker)
    unknown = "10000000" if not FairRegistration.objects.filter(code="10000000").exists() else "99999999"
    with pytest.raises(DomainError, match="No registration has the number"):
        fair_check_in(fair=todays_fair, code=unknown, actor=caseworker)
    with pytest.raises(DomainError, match="8-digit number"):
        fair_check_in(fair=todays_fair, code="12ab", actor=caseworker)
    assert not FairRegistration.objects.filter(state=FairRegistration.State.CHECKED_IN).exists()


def test_check_in_is_open_on_the_fairs_day_only(caseworker):
    fair = make_fair(actor=caseworker, days_ahead=3)
    registration = register(fair)

    with pytest.raises(DomainError, match="on the day of the fair only"):
        fair_check_in(fair=fair, code=registration.code, actor=caseworker)


def test_residents_cannot_check_anyone_in(todays_fair):
    registration = register(todays_fair)

    with pytest.raises(DomainError, match="Only recruitment-centre staff") as refusal:
        fair_check_in(fair=todays_fair, code=registration.code, actor=registration.resident.user)
    assert refusal.value.code == "forbidden"


def test_a_checked_in_registration_cannot_be_cancelled(caseworker, todays_fair):
    registration = register(todays_fair)
    fair_check_in(fair=todays_fair, code=registration.code, actor=caseworker)

    with pytest.raises(DomainError, match="checked in"):
        fair_registration_cancel(registration=registration, actor=registration.resident.user)


def test_the_qr_code_is_an_inline_svg_of_the_number():
    svg = str(fair_check_in_qr_svg("12345678"))

    assert svg.startswith("<svg") and "<path" in svg and 'width="220"' in svg
    assert svg != str(fair_check_in_qr_svg("87654321"))


# --- Interview slots -----------------------------------------------------------------------------------


@pytest.fixture
def table(caseworker):
    """An employer at a fair a week ahead, bringing one job that has an applicant."""
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    fair = make_fair(actor=caseworker)
    fair_participant_save(fair=fair, employer=employer, jobs=[job], booth="A12", actor=caseworker)
    return fair, employer, hr, make_application(job=job)


def slot_at(fair, hour, minute=0):
    return datetime.combine(fair.date, time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_an_employer_books_a_slot_for_its_applicant_who_is_told(table):
    fair, employer, hr, application = table

    slot = fair_interview_book(fair=fair, employer=employer, application=application, starts_at=slot_at(fair, 9, 15),
                               actor=hr)  # fmt: skip

    assert slot.state == FairInterviewSlot.State.BOOKED
    notice = Notice.objects.filter(recipient=application.resident.user).order_by("-id").first()
    assert "Interview at the fair" in notice.subject and "09:15" in notice.body and "A12" in notice.body


def test_a_slot_is_booked_once(table):
    fair, employer, hr, application = table
    other = make_application(job=application.job)
    fair_interview_book(
        fair=fair, employer=employer, application=application, starts_at=slot_at(fair, 10), actor=hr
    )

    with pytest.raises(DomainError, match="booked already"):
        fair_interview_book(
            fair=fair, employer=employer, application=other, starts_at=slot_at(fair, 10), actor=hr
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FairInterviewSlot.objects.create(
            participation=FairInterviewSlot.objects.get().participation, application=other,
            starts_at=slot_at(fair, 10),
        )  # fmt: skip


def test_a_cancelled_slot_can_be_booked_again(table):
    fair, employer, hr, application = table
    slot = fair_interview_book(fair=fair, employer=employer, application=application, starts_at=slot_at(fair, 10),
                               actor=hr)  # fmt: skip

    fair_interview_cancel(slot=slot, actor=hr)
    again = fair_interview_book(fair=fair, employer=employer, application=application, starts_at=slot_at(fair, 10),
                                actor=hr)  # fmt: skip

    assert again.pk != slot.pk
    assert (
        "Interview cancelled"
        in Notice.objects.filter(subject__startswith="Interview cancelled").get().subject
    )


@pytest.mark.parametrize(
    ("starts", "message"),
    [((9, 5), "one of the fair's interview slots"), ((12, 0), "one of the fair's interview slots"),
     ((8, 45), "one of the fair's interview slots")],
)  # fmt: skip
def test_only_the_fairs_slots_can_be_booked(table, starts, message):
    fair, employer, hr, application = table

    with pytest.raises(DomainError, match=message):
        fair_interview_book(fair=fair, employer=employer, application=application, starts_at=slot_at(fair, *starts),
                            actor=hr)  # fmt: skip


def test_only_applicants_to_the_employers_jobs_can_be_invited(table):
    fair, employer, hr, _application = table
    stranger = make_application()  # applied to another company's job

    with pytest.raises(DomainError, match="applied to your company's jobs"):
        fair_interview_book(
            fair=fair, employer=employer, application=stranger, starts_at=slot_at(fair, 9), actor=hr
        )


def test_an_employer_not_at_the_fair_books_nothing(table):
    fair, _employer, _hr, _application = table
    outsider, outsider_hr = make_hr()
    application = make_application(job=make_job(employer=outsider, account=outsider_hr))

    with pytest.raises(DomainError, match="does not take part"):
        fair_interview_book(fair=fair, employer=outsider, application=application, starts_at=slot_at(fair, 9),
                            actor=outsider_hr)  # fmt: skip


def test_another_companys_account_cannot_book_for_the_employer(table):
    fair, employer, _hr, application = table
    _other, other_hr = make_hr()

    with pytest.raises(DomainError, match="your own company"):
        fair_interview_book(fair=fair, employer=employer, application=application, starts_at=slot_at(fair, 9),
                            actor=other_hr)  # fmt: skip
    assert not FairInterviewSlot.objects.exists()


def test_an_employer_brings_only_its_own_open_jobs(caseworker):
    employer, _hr = make_hr()
    someone_elses = make_job()

    with pytest.raises(DomainError, match="not the employer's"):
        fair_participant_save(fair=make_fair(actor=caseworker), employer=employer, jobs=[someone_elses],
                              actor=caseworker)  # fmt: skip


# --- Figures -------------------------------------------------------------------------------------------


def hire(application):
    hr = application.job.employer.accounts.first()
    application = application_offer(
        application=application_shortlist(application=application, actor=hr), actor=hr
    )
    return application_hire(application=application, actor=hr)


@pytest.mark.usefixtures("midday")
def test_a_hire_counts_for_a_fair_when_the_resident_checked_in_there(caseworker):
    # given: today's fair with one employer's job; two residents registered who applied to it
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, openings=5)
    fair = make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59), capacity=5)
    fair_participant_save(fair=fair, employer=employer, jobs=[job], actor=caseworker)
    came, stayed_home, came_not_hired = (make_seeker(skill_codes=["assembly"]) for _ in range(3))
    for resident in (came, stayed_home, came_not_hired):
        registration = register(fair, resident)
        if resident is not stayed_home:
            fair_check_in(fair=fair, code=registration.code, actor=caseworker)
    hire(make_application(job=job, resident=came))
    hire(make_application(job=job, resident=stayed_home))
    make_application(job=job, resident=came_not_hired)
    make_fair(actor=caseworker, days_ahead=0, venue="Elsewhere", starts_at=time(0, 0), ends_at=time(23, 59))
    fair_mark_held(fair=fair, actor=caseworker)

    # when
    rows = fair_monthly_figures(months=3)

    # then
    assert [row["month"] for row in rows][-1] == timezone.localdate().replace(day=1)
    assert len(rows) == 3 and rows[0]["fairs"] == rows[1]["fairs"] == 0
    assert rows[-1] == {"month": timezone.localdate().replace(day=1), "fairs": 2, "registrations": 3,
                        "attended": 2, "hires": 1}  # fmt: skip
    assert fair_attendance(fair=fair) == {"registered": 3, "waitlisted": 0, "attended": 2, "hires": 1}
    assert Application.objects.filter(state="hired").count() == 2


@pytest.mark.usefixtures("midday")
def test_the_monthly_figures_leave_out_cancelled_fairs_and_filter_by_town(caseworker):
    make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59))
    cancelled = make_fair(
        actor=caseworker, days_ahead=0, venue="Hall C", starts_at=time(0, 0), ends_at=time(23, 59)
    )
    fair_cancel(fair=cancelled, actor=caseworker)
    make_fair(actor=caseworker, days_ahead=0, venue="Bacheng hall", town=Town.objects.get(code="bacheng"),
              starts_at=time(0, 0), ends_at=time(23, 59))  # fmt: skip

    everywhere = fair_monthly_figures(months=1)
    yushan = fair_monthly_figures(months=1, town_code="yushan")

    assert everywhere[0]["fairs"] == 2 and yushan[0]["fairs"] == 1
    assert len(fair_monthly_figures()) == 12


def test_a_fair_cannot_be_recorded_held_before_its_day(caseworker):
    fair = make_fair(actor=caseworker, days_ahead=2)
    with pytest.raises(DomainError, match="not taken place yet"):
        fair_mark_held(fair=fair, actor=caseworker)


@pytest.mark.usefixtures("midday")
def test_a_fair_ends_with_its_day(caseworker):
    fair = make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59))
    Fair.objects.filter(pk=fair.pk).update(date=fair.date - timedelta(days=1))
    fair.refresh_from_db()

    with pytest.raises(DomainError, match="not taking registrations"):
        register(fair)


@pytest.mark.usefixtures("midday")
def test_the_nightly_run_records_past_fairs_as_held_and_leaves_the_rest(caseworker):
    from employment.tasks import fairs_past_held_task
    from kunshan_portal.celery import app

    # given: a fair of yesterday, one of today, one to come and one of yesterday that was called off
    yesterday, coming = make_fair(actor=caseworker, days_ahead=1), make_fair(actor=caseworker, days_ahead=3)
    today = make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59))
    called_off = make_fair(actor=caseworker, days_ahead=1, starts_at=time(14, 0), ends_at=time(16, 0))
    fair_cancel(fair=called_off, actor=caseworker, note="storm")
    past = timezone.localdate() - timedelta(days=1)
    Fair.objects.filter(pk__in=[yesterday.pk, called_off.pk]).update(date=past)

    # when
    first, again = fairs_past_held_task.delay().get(), fairs_past_held_task.delay().get()

    # then
    states = dict(Fair.objects.values_list("pk", "state"))
    assert (first, again) == (1, 0)
    assert states[yesterday.pk] == Fair.State.HELD
    assert (states[today.pk], states[coming.pk]) == (Fair.State.SCHEDULED, Fair.State.SCHEDULED)
    assert states[called_off.pk] == Fair.State.CANCELLED
    assert app.conf.beat_schedule["employment-fairs-held"]["task"] == fairs_past_held_task.name
