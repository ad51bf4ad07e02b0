"""The fair pages of residents and employers, and the caseworkers' fair admin and check-in screen."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from employment.models import Fair, FairInterviewSlot, FairRegistration
from employment.services import fair_interview_book, fair_participant_save, fair_register
from kunshan_portal import roles
from kunshan_portal.models import User
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

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def caseworker():
    return make_fair_caseworker()


@pytest.fixture
def resident(client):
    resident = make_seeker()
    client.force_login(resident.user)
    return resident


def register(fair, resident):
    return fair_register(fair=fair, resident=resident, actor=resident.user)


# --- Residents -----------------------------------------------------------------------------------------


def test_the_fair_list_is_chinese_by_default_filters_by_town_and_date_and_pages(
    client, caseworker, django_assert_max_num_queries
):
    # given
    bacheng = Town.objects.get(code="bacheng")
    for number in range(22):
        make_fair(actor=caseworker, title=f"Bacheng fair {number}", venue=f"Hall {number}", town=bacheng)
    make_fair(actor=caseworker, title="Yushan fair")
    make_fair(actor=caseworker, title="Later fair", venue="Hall Z", town=bacheng, days_ahead=40)
    past = make_fair(actor=caseworker, title="Past fair", venue="Hall P", town=bacheng)
    Fair.objects.filter(pk=past.pk).update(date=timezone.localdate() - timedelta(days=1))
    until = timezone.localdate() + timedelta(days=10)

    # when
    with django_assert_max_num_queries(8):
        first = client.get(reverse("employment:fair-list"), {"town": bacheng.pk, "date_to": until})
    second = client.get(reverse("employment:fair-list"), {"town": bacheng.pk, "date_to": until, "page": 2})

    # then
    page = first.content.decode()
    assert '<html lang="zh-Hans">' in page and "新昆山人服务平台" in page
    assert first.context["page"].paginator.count == 22
    assert "Yushan fair" not in page and "Later fair" not in page and "Past fair" not in page
    assert len(second.context["page"].object_list) == 2


def test_the_fair_list_refuses_a_date_range_backwards(client):
    today = timezone.localdate()
    response = client.get(
        reverse("employment:fair-list"), {"date_from": today, "date_to": today - timedelta(1)}, **EN
    )

    assert response.status_code == 400
    assert "The last day cannot be before the first day." in response.content.decode()


def test_a_fair_shows_its_employers_and_their_jobs_in_english(client, caseworker):
    employer, hr = make_hr(name="Kunshan Precision Works")
    job = make_job(employer=employer, account=hr, title="SMT operator")
    fair = make_fair(actor=caseworker, title="Electronics fair")
    fair_participant_save(fair=fair, employer=employer, jobs=[job], booth="B3", actor=caseworker)

    page = client.get(reverse("employment:fair-detail", args=[fair.pk]), **EN).content.decode()

    assert '<html lang="en">' in page
    assert "Kunshan Precision Works" in page and "SMT operator" in page and "booth B3" in page
    assert "Log in to register" in page


def test_a_resident_registers_from_the_fair_page_and_gets_a_qr_code(client, resident, caseworker):
    # given
    fair = make_fair(actor=caseworker)

    # when
    response = client.post(reverse("employment:fair-register", args=[fair.pk]), **EN)
    mine = client.get(reverse("employment:fair-mine"), **EN)

    # then
    registration = FairRegistration.objects.get(resident=resident)
    assert response.status_code == 302 and response.url == reverse("employment:fair-mine")
    page = mine.content.decode()
    assert "<svg" in page and registration.code in page and "Cancel my registration" in page
    assert "You are registered" in page


def test_a_full_fair_puts_the_resident_on_the_waiting_list_with_the_place_shown(client, resident, caseworker):
    fair = make_fair(actor=caseworker, capacity=1)
    register(fair, make_seeker())

    detail = client.get(reverse("employment:fair-detail", args=[fair.pk]), **EN).content.decode()
    client.post(reverse("employment:fair-register", args=[fair.pk]), **EN)
    mine = client.get(reverse("employment:fair-mine"), **EN).content.decode()

    assert "Join the waiting list" in detail
    assert "number 1 on the waiting list" in mine and "<svg" not in mine


def test_my_fairs_in_chinese_for_a_chinese_account(client, caseworker):
    resident = make_seeker()
    User.objects.filter(pk=resident.user_id).update(language="zh-hans")
    client.force_login(resident.user)
    registration = register(make_fair(actor=caseworker), resident)

    page = client.get(reverse("employment:fair-mine")).content.decode()

    assert '<html lang="zh-Hans">' in page and registration.code in page and "星期" in page


def test_a_resident_cancels_from_my_fairs(client, resident, caseworker):
    registration = register(make_fair(actor=caseworker), resident)

    response = client.post(reverse("employment:fair-cancel", args=[registration.pk]), **EN)

    registration.refresh_from_db()
    assert response.status_code == 302 and registration.state == FairRegistration.State.CANCELLED


def test_another_residents_registration_answers_404(client, resident, caseworker):
    others = register(make_fair(actor=caseworker), make_seeker())

    response = client.post(reverse("employment:fair-cancel", args=[others.pk]), **EN)

    others.refresh_from_db()
    assert response.status_code == 404 and others.state == FairRegistration.State.REGISTERED


def test_my_fairs_needs_a_resident(client):
    _employer, hr = make_hr()
    client.force_login(hr)
    assert client.get(reverse("employment:fair-mine")).status_code == 403


# --- Employers -----------------------------------------------------------------------------------------


@pytest.fixture
def employer_at_fair(client, caseworker):
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, title="Quality inspector")
    fair = make_fair(actor=caseworker, title="Quality fair")
    fair_participant_save(fair=fair, employer=employer, jobs=[job], actor=caseworker)
    client.force_login(hr)
    return fair, employer, hr, job


def test_the_employer_sees_its_fairs_and_books_an_interview(client, employer_at_fair):
    # given
    fair, _employer, _hr, job = employer_at_fair
    application = make_application(job=job)
    slot = timezone.make_aware(datetime.combine(fair.date, time(10, 30)))

    # when
    listing = client.get(reverse("employment:employer-fair-list"), **EN).content.decode()
    response = client.post(
        reverse("employment:employer-fair-book", args=[fair.pk]),
        {"application": application.pk, "starts_at": slot.isoformat()},
        **EN,
    )
    page = client.get(reverse("employment:employer-fair", args=[fair.pk]), **EN).content.decode()

    # then
    assert "Quality fair" in listing and "Quality inspector" in listing
    assert response.status_code == 302
    assert FairInterviewSlot.objects.get().starts_at == slot
    assert application.resident.name in page and "10:30" in page


def test_the_booking_form_refuses_a_missing_slot_and_a_stranger(client, employer_at_fair):
    fair, _employer, _hr, _job = employer_at_fair
    stranger = make_application()  # an applicant of another company

    response = client.post(
        reverse("employment:employer-fair-book", args=[fair.pk]),
        {"application": stranger.pk, "starts_at": ""},
        **EN,
    )

    assert response.status_code == 400
    assert not FairInterviewSlot.objects.exists()
    assert response.context["form"].errors


def test_an_employer_not_at_a_fair_gets_404(client, employer_at_fair, caseworker):
    other_fair = make_fair(actor=caseworker, venue="Another hall")
    assert client.get(reverse("employment:employer-fair", args=[other_fair.pk])).status_code == 404


def test_an_employer_cancels_an_interview(client, employer_at_fair):
    fair, employer, hr, job = employer_at_fair
    application = make_application(job=job)
    slot = fair_interview_book(
        fair=fair, employer=employer, application=application, actor=hr,
        starts_at=timezone.make_aware(datetime.combine(fair.date, time(9))),
    )  # fmt: skip

    response = client.post(reverse("employment:employer-fair-interview-cancel", args=[slot.pk]), **EN)

    slot.refresh_from_db()
    assert response.status_code == 302 and slot.state == FairInterviewSlot.State.CANCELLED


# --- Caseworkers (admin) -------------------------------------------------------------------------------


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.mark.usefixtures("midday")
def test_staff_check_in_by_number_on_the_check_in_screen(cw_client, caseworker):
    # given
    fair = make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59))
    registration = register(fair, make_seeker(name="李娜"))
    url = reverse("admin:employment_fair_check_in", args=[fair.pk])

    # when
    screen = cw_client.get(url, **EN)
    done = cw_client.post(url, {"code": registration.code}, follow=True, **EN)
    again = cw_client.post(url, {"code": registration.code}, **EN)

    # then
    assert screen.status_code == 200 and "autofocus" in screen.content.decode()
    assert "李娜 is checked in" in done.content.decode()
    registration.refresh_from_db()
    assert registration.state == FairRegistration.State.CHECKED_IN
    assert again.status_code == 400 and "checked in already" in again.content.decode()


@pytest.mark.usefixtures("midday")
def test_residents_and_other_staff_cannot_open_the_check_in_screen(client, make_user, caseworker):
    fair = make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59))
    url = reverse("admin:employment_fair_check_in", args=[fair.pk])
    resident = make_seeker()
    client.force_login(resident.user)
    assert client.get(url).status_code == 302  # to the admin's login: not staff

    client.force_login(make_user("cw_housing_fairs", roles.CASEWORKER_GROUPS["housing"]))
    assert client.get(url).status_code == 404


def test_the_caseworker_schedules_a_fair_in_the_admin_with_employers(cw_client):
    # given
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    day = timezone.localdate() + timedelta(days=5)
    data = {
        "title": "Admin fair", "date": day.isoformat(), "starts_at": "09:00", "ends_at": "11:00",
        "venue": "Hall A", "town": Town.objects.get(code="yushan").pk, "capacity": 50, "slot_minutes": 15,
        "description": "",
        "participants-TOTAL_FORMS": 1, "participants-INITIAL_FORMS": 0, "participants-MIN_NUM_FORMS": 0,
        "participants-MAX_NUM_FORMS": 1000, "participants-0-employer": employer.pk, "participants-0-jobs": [job.pk],
        "participants-0-booth": "C1",
    }  # fmt: skip

    # when
    response = cw_client.post(reverse("admin:employment_fair_add"), data, **EN)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    fair = Fair.objects.get()
    assert fair.created_by is not None and fair.participants.get().jobs.get() == job


def test_the_admin_shows_the_services_refusal_on_the_form(cw_client, caseworker):
    fair = make_fair(actor=caseworker)
    data = {
        "title": "Same slot", "date": fair.date.isoformat(), "starts_at": "09:00", "ends_at": "11:00",
        "venue": fair.venue, "town": fair.town_id, "capacity": 5, "slot_minutes": 15, "description": "",
        "participants-TOTAL_FORMS": 0, "participants-INITIAL_FORMS": 0, "participants-MIN_NUM_FORMS": 0,
        "participants-MAX_NUM_FORMS": 1000,
    }  # fmt: skip

    response = cw_client.post(reverse("admin:employment_fair_add"), data, **EN)

    assert response.status_code == 200 and "exists already" in response.content.decode()
    assert Fair.objects.count() == 1


def test_the_weekly_schedule_page_generates_a_months_fairs(cw_client):
    today = timezone.localdate()
    year, month = (today.year, today.month + 1) if today.month < 12 else (today.year + 1, 1)
    data = {
        "month": f"{year}-{month:02d}", "weekdays": ["0", "2", "4"], "title": "Weekly fair",
        "starts_at": "09:00", "ends_at": "11:30", "venue": "Hall A",
        "town": Town.objects.get(code="yushan").pk, "capacity": 200, "slot_minutes": 15,
    }  # fmt: skip

    page = cw_client.get(reverse("admin:employment_fair_generate"), **EN)
    response = cw_client.post(reverse("admin:employment_fair_generate"), data, **EN)
    again = cw_client.post(reverse("admin:employment_fair_generate"), data, **EN)

    assert page.status_code == 200
    assert response.status_code == 302
    assert 12 <= Fair.objects.count() <= 15
    assert {f.date.weekday() for f in Fair.objects.all()} == {0, 2, 4}
    assert again.status_code == 200 and "exists already" in again.content.decode()


def test_the_fair_lists_of_the_admin_take_few_queries(cw_client, caseworker, django_assert_max_num_queries):
    fair = make_fair(actor=caseworker, capacity=30)
    for _ in range(5):
        register(fair, make_seeker())
    for name in ("fair", "fairregistration", "fairinterviewslot"):
        with django_assert_max_num_queries(18):
            assert cw_client.get(reverse(f"admin:employment_{name}_changelist"), **EN).status_code == 200
    page = cw_client.get(reverse("admin:employment_fair_change", args=[fair.pk]), **EN).content.decode()
    assert "5 places taken, 0 waiting, 0 checked in, 0 hired." in page


def test_repeating_a_fair_weekly_opens_the_schedule_page_filled_in(cw_client, caseworker):
    fair = make_fair(actor=caseworker, title="Thursday fair", venue="Hall T")

    response = cw_client.post(
        reverse("admin:employment_fair_changelist"),
        {"action": "repeat_weekly", "_selected_action": [fair.pk]},
        follow=True,
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200 and response.redirect_chain[-1][0].startswith(
        reverse("admin:employment_fair_generate")
    )
    assert 'value="Thursday fair"' in page and 'value="Hall T"' in page


def test_cancelling_registrations_from_the_admin_moves_the_waiting_list_up(cw_client, caseworker):
    fair = make_fair(actor=caseworker, capacity=1)
    held, waiting = register(fair, make_seeker()), register(fair, make_seeker())

    cw_client.post(
        reverse("admin:employment_fairregistration_changelist"),
        {"action": "cancel_registrations", "_selected_action": [held.pk]},
        **EN,
    )

    waiting.refresh_from_db()
    assert waiting.state == FairRegistration.State.REGISTERED
