"""The fair API: what each caller sees and may do; bad input answers 400 with field errors."""

from datetime import datetime, time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from employment.models import FairInterviewSlot, FairRegistration
from employment.services import fair_participant_save, fair_register
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

FAIRS = "/api/v1/employment/fairs/"
REGISTRATIONS = "/api/v1/employment/fair-registrations/"
INTERVIEWS = "/api/v1/employment/fair-interviews/"


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def caseworker():
    return make_fair_caseworker()


@pytest.fixture
def resident():
    return make_seeker()


def test_the_fair_list_needs_a_login():
    assert APIClient().get(FAIRS).status_code in (401, 403)


def test_residents_list_upcoming_fairs_by_town_and_see_one_with_its_employers(resident, caseworker):
    employer, hr = make_hr(name="Huaqiao Logistics")
    job = make_job(employer=employer, account=hr, title="Forklift driver")
    fair = make_fair(actor=caseworker, title="Logistics fair")
    fair_participant_save(fair=fair, employer=employer, jobs=[job], booth="D4", actor=caseworker)
    make_fair(
        actor=caseworker, title="Bacheng fair", venue="Bacheng hall", town=Town.objects.get(code="bacheng")
    )
    api = client_for(resident.user)

    listing = api.get(FAIRS, {"town": "yushan"}).json()
    detail = api.get(f"{FAIRS}{fair.pk}/").json()

    assert [row["title"] for row in listing["results"]] == ["Logistics fair"]
    assert detail["employers"][0]["employer"]["name"] == "Huaqiao Logistics"
    assert detail["employers"][0]["jobs"][0]["title"] == "Forklift driver" and detail["places_left"] == 2


@pytest.mark.parametrize(
    ("query", "field"), [({"town": "atlantis"}, "town"), ({"date_from": "soon"}, "date_from"),
                         ({"date_from": "2030-01-10", "date_to": "2030-01-01"}, "date_to")],
)  # fmt: skip
def test_bad_filters_answer_400_with_the_field(resident, query, field):
    response = client_for(resident.user).get(FAIRS, query)

    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_resident_registers_sees_the_waiting_list_place_and_cancels(resident, caseworker):
    # given: a full fair
    fair = make_fair(actor=caseworker, capacity=1)
    holder = make_seeker()
    held = fair_register(fair=fair, resident=holder, actor=holder.user)
    api = client_for(resident.user)

    # when
    created = api.post(f"{FAIRS}{fair.pk}/register/")
    twice = api.post(f"{FAIRS}{fair.pk}/register/")
    client_for(holder.user).post(f"{REGISTRATIONS}{held.pk}/cancel/")
    mine = api.get(REGISTRATIONS).json()

    # then
    assert created.status_code == 201
    assert created.json()["state"] == "waitlisted" and created.json()["waitlist_place"] == 1
    assert twice.status_code == 400 and "already" in twice.json()["detail"]
    assert mine["results"][0]["state"] == "registered" and len(mine["results"][0]["code"]) == 8


def test_employers_cannot_register_for_a_fair(caseworker):
    _employer, hr = make_hr()
    fair = make_fair(actor=caseworker)
    assert client_for(hr).post(f"{FAIRS}{fair.pk}/register/").status_code == 403


def test_another_residents_registration_answers_404(resident, caseworker):
    other = make_seeker()
    registration = fair_register(fair=make_fair(actor=caseworker), resident=other, actor=other.user)
    api = client_for(resident.user)

    assert api.get(f"{REGISTRATIONS}{registration.pk}/").status_code == 404
    assert api.post(f"{REGISTRATIONS}{registration.pk}/cancel/").status_code == 404
    registration.refresh_from_db()
    assert registration.state == FairRegistration.State.REGISTERED


@pytest.mark.usefixtures("midday")
def test_staff_check_in_through_the_api_and_residents_cannot(resident, caseworker):
    # given
    fair = make_fair(actor=caseworker, days_ahead=0, starts_at=time(0, 0), ends_at=time(23, 59))
    registration = fair_register(fair=fair, resident=resident, actor=resident.user)
    url = f"{FAIRS}{fair.pk}/check-in/"

    # when
    by_resident = client_for(resident.user).post(url, {"code": registration.code}, format="json")
    missing = client_for(caseworker).post(url, {}, format="json")
    wrong = client_for(caseworker).post(url, {"code": "12"}, format="json")
    checked = client_for(caseworker).post(url, {"code": registration.code}, format="json")

    # then
    assert by_resident.status_code == 403
    assert missing.status_code == 400 and "code" in missing.json()["errors"]
    assert wrong.status_code == 400 and "8-digit" in wrong.json()["errors"]["code"][0]
    assert checked.status_code == 200 and checked.json()["state"] == "checked_in"


def test_employers_book_and_cancel_interviews_for_their_applicants(caseworker):
    # given
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    fair = make_fair(actor=caseworker)
    fair_participant_save(fair=fair, employer=employer, jobs=[job], actor=caseworker)
    application = make_application(job=job)
    api = client_for(hr)
    slot = datetime.combine(fair.date, time(9, 30), tzinfo=timezone.get_current_timezone())

    # when
    free = api.get(f"{FAIRS}{fair.pk}/slots/").json()["slots"]
    booked = api.post(INTERVIEWS, {"fair": fair.pk, "application": application.pk, "starts_at": slot.isoformat()},
                      format="json")  # fmt: skip
    free_after = api.get(f"{FAIRS}{fair.pk}/slots/").json()["slots"]
    cancelled = api.post(f"{INTERVIEWS}{booked.json()['id']}/cancel/")

    # then
    assert len(free) == 12  # 09:00–12:00 in slots of 15 minutes
    assert booked.status_code == 201 and booked.json()["applicant"] == application.resident.name
    assert len(free_after) == 11
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


def test_interview_bookings_with_bad_input_answer_400_and_others_404(caseworker):
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    fair = make_fair(actor=caseworker)
    fair_participant_save(fair=fair, employer=employer, jobs=[job], actor=caseworker)
    application = make_application(job=job)
    stranger = make_application()
    api = client_for(hr)
    off_grid = datetime.combine(fair.date, time(9, 7), tzinfo=timezone.get_current_timezone())

    incomplete = api.post(INTERVIEWS, {"fair": fair.pk}, format="json")
    not_ours = api.post(INTERVIEWS, {"fair": fair.pk, "application": stranger.pk, "starts_at": off_grid.isoformat()},
                        format="json")  # fmt: skip
    bad_time = api.post(INTERVIEWS, {"fair": fair.pk, "application": application.pk,
                                     "starts_at": off_grid.isoformat()}, format="json")  # fmt: skip

    assert incomplete.status_code == 400 and {"application", "starts_at"} <= set(incomplete.json()["errors"])
    assert not_ours.status_code == 400 and "application" in not_ours.json()["errors"]
    assert bad_time.status_code == 400 and "starts_at" in bad_time.json()["errors"]
    assert not FairInterviewSlot.objects.exists()
    _other, other_hr = make_hr()
    assert client_for(other_hr).get(f"{FAIRS}{fair.pk}/slots/").status_code == 404


def test_interviews_of_another_company_answer_404(caseworker):
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    fair = make_fair(actor=caseworker)
    fair_participant_save(fair=fair, employer=employer, jobs=[job], actor=caseworker)
    slot = client_for(hr).post(
        INTERVIEWS,
        {"fair": fair.pk, "application": make_application(job=job).pk,
         "starts_at": (datetime.combine(fair.date, time(10), tzinfo=timezone.get_current_timezone())).isoformat()},
        format="json",
    ).json()  # fmt: skip
    _other, other_hr = make_hr()

    assert client_for(other_hr).get(f"{INTERVIEWS}{slot['id']}/").status_code == 404
    assert client_for(other_hr).post(f"{INTERVIEWS}{slot['id']}/cancel/").status_code == 404
