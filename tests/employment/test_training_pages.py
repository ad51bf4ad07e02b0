"""The training pages, the API and the caseworkers' admin, wired to the services with their permissions."""

import pytest

from employment.models import Attendance, Enrolment
from employment.services import training_enrol
from residents.models import ResidentCertificate, Town
from tests.employment.factories import make_programme, make_seeker, make_training_caseworker, run_programme

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_programme_list_is_public_filtered_and_paged(client):
    welding = make_programme(title="Welding for beginners")
    make_programme(title="Forklift course", skill="forklift", certificate="forklift-special",
                   town=Town.objects.get(code="bacheng"))  # fmt: skip
    run_programme(make_programme(title="Finished long ago"), days_ago=60)

    page = client.get("/employment/training/", **EN).content.decode()
    assert "Welding for beginners" in page and "Forklift course" in page
    assert "Finished long ago" not in page
    assert "free of charge" in page

    filtered = client.get(
        "/employment/training/", {"town": welding.town.pk, "kind": "course"}, **EN
    ).content.decode()
    assert "Welding for beginners" in filtered and "Forklift course" not in filtered
    bad = client.get("/employment/training/", {"kind": "nonsense"}, **EN)
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_list_pages_use_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(8):
        make_programme()
    with django_assert_max_num_queries(8):
        assert client.get("/employment/training/", **EN).status_code == 200


def test_a_resident_enrols_from_the_programme_page_and_withdraws(client):
    programme = make_programme(seats=1)
    resident = make_seeker()
    client.force_login(resident.user)

    page = client.get(f"/employment/training/{programme.pk}/", **EN).content.decode()
    assert "Enrol (free)" in page
    client.post(f"/employment/training/{programme.pk}/enrol/")
    enrolment = Enrolment.objects.get(resident=resident)
    assert enrolment.state == "enrolled"
    mine = client.get("/employment/training/mine/", **EN).content.decode()
    assert programme.title in mine and "enrolled" in mine

    client.post(f"/employment/training/enrolments/{enrolment.pk}/withdraw/")
    assert Enrolment.objects.get(pk=enrolment.pk).state == "withdrawn"


def test_a_full_programme_offers_the_waiting_list_and_shows_the_place(client):
    programme = make_programme(seats=1)
    first = make_seeker()
    training_enrol(programme=programme, resident=first, actor=first.user)
    resident = make_seeker()
    client.force_login(resident.user)

    assert (
        "Join the waiting list" in client.get(f"/employment/training/{programme.pk}/", **EN).content.decode()
    )
    client.post(f"/employment/training/{programme.pk}/enrol/")
    page = client.get(f"/employment/training/{programme.pk}/", **EN).content.decode()
    assert "number 1 on the waiting list" in page


def test_anonymous_visitors_are_asked_to_log_in_and_others_enrolments_answer_404(client):
    programme = make_programme()
    assert "Log in to enrol" in client.get(f"/employment/training/{programme.pk}/", **EN).content.decode()
    assert client.post(f"/employment/training/{programme.pk}/enrol/").status_code == 302
    owner, other = make_seeker(), make_seeker()
    enrolment = training_enrol(programme=programme, resident=owner, actor=owner.user)
    client.force_login(other.user)
    assert client.post(f"/employment/training/enrolments/{enrolment.pk}/withdraw/").status_code == 404
    assert Enrolment.objects.get(pk=enrolment.pk).state == "enrolled"
    assert client.get("/employment/training/999999/").status_code == 404


def test_the_pages_render_in_chinese_by_default(client):
    programme = make_programme()
    resident = make_seeker()
    client.force_login(resident.user)
    for url in ("/employment/training/", f"/employment/training/{programme.pk}/", "/employment/training/mine/",
                "/employment/training/certificates/"):  # fmt: skip
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url


# --- API ---------------------------------------------------------------------------------------------


def test_api_lists_programmes_enrols_and_withdraws(client):
    programme = make_programme(seats=1, title="Welding for beginners")
    # anonymous callers cannot list nor enrol
    assert client.get("/api/v1/employment/training/programmes/").status_code in (401, 403)
    assert client.post(f"/api/v1/employment/training/programmes/{programme.pk}/enrol/").status_code in (
        401,
        403,
    )
    resident = make_seeker()
    client.force_login(resident.user)

    listed = client.get("/api/v1/employment/training/programmes/", {"skill": "electric-welding"})
    assert listed.status_code == 200
    result = listed.json()["results"][0]
    assert (result["title"], result["free"], result["seats_left"]) == ("Welding for beginners", True, 1)
    assert result["certificate"]["level"] == "special"
    assert client.get("/api/v1/employment/training/programmes/", {"skill": "nope"}).status_code == 400
    assert (
        client.get("/api/v1/employment/training/programmes/", {"skill": "forklift"}).json()["results"] == []
    )

    created = client.post(f"/api/v1/employment/training/programmes/{programme.pk}/enrol/")
    assert created.status_code == 201 and created.json()["state"] == "enrolled"
    twice = client.post(f"/api/v1/employment/training/programmes/{programme.pk}/enrol/")
    assert twice.status_code == 400 and "already" in twice.json()["detail"]
    mine = client.get("/api/v1/employment/training/enrolments/").json()["results"]
    assert [e["programme"]["id"] for e in mine] == [programme.pk]

    withdrawn = client.post(
        f"/api/v1/employment/training/enrolments/{mine[0]['id']}/withdraw/",
        {},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"

    other = make_seeker()
    client.force_login(other.user)
    assert client.get(f"/api/v1/employment/training/enrolments/{mine[0]['id']}/").status_code == 404
    assert client.get("/api/v1/employment/training/enrolments/").json()["results"] == []


def test_api_refuses_enrolment_once_the_programme_started(client):
    programme = run_programme(make_programme(), days_ago=1)
    resident = make_seeker()
    client.force_login(resident.user)
    response = client.post(f"/api/v1/employment/training/programmes/{programme.pk}/enrol/")
    assert response.status_code == 400
    assert "started" in response.json()["detail"]


# --- Admin -------------------------------------------------------------------------------------------


def test_the_caseworker_marks_attendance_and_records_completion_in_the_admin(client):
    caseworker = make_training_caseworker()
    programme = make_programme(sessions=1, certificate="nvq-electronics-1", skill="assembly")
    present, absent = make_seeker(), make_seeker()
    kept = training_enrol(programme=programme, resident=present, actor=present.user)
    missed = training_enrol(programme=programme, resident=absent, actor=absent.user)
    programme = run_programme(programme)
    session = programme.session_list.get()
    client.force_login(caseworker)

    change = client.get(f"/admin/employment/trainingprogramme/{programme.pk}/change/")
    assert change.status_code == 200
    sheet_url = f"/admin/employment/trainingprogramme/{programme.pk}/attendance/{session.pk}/"
    assert sheet_url in change.content.decode()
    assert client.get(sheet_url).status_code == 200
    client.post(sheet_url, {"present": [kept.pk]})
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {
        kept.pk: True,
        missed.pk: False,
    }

    client.post(
        "/admin/employment/enrolment/",
        {"action": "complete_enrolments", "_selected_action": [kept.pk, missed.pk]},
    )

    assert Enrolment.objects.get(pk=kept.pk).state == "completed"
    assert Enrolment.objects.get(pk=missed.pk).state == "enrolled"  # refused: not enough attendance
    assert ResidentCertificate.objects.filter(
        resident=present, certificate_type__code="nvq-electronics-1"
    ).exists()


def test_residents_and_employers_have_no_admin(client):
    resident = make_seeker()
    client.force_login(resident.user)
    assert client.get("/admin/employment/subsidyclaim/").status_code == 302


def test_the_admin_refuses_fewer_seats_than_taken(client):
    caseworker = make_training_caseworker()
    programme = make_programme(seats=2)
    for _ in range(2):
        resident = make_seeker()
        training_enrol(programme=programme, resident=resident, actor=resident.user)
    client.force_login(caseworker)
    url = f"/admin/employment/trainingprogramme/{programme.pk}/change/"
    data = {
        "title": programme.title, "kind": programme.kind, "skill": programme.skill_id,
        "certificate": programme.certificate_id, "provider": programme.provider, "town": programme.town_id,
        "location": programme.location, "seats": 1, "starts_on": programme.starts_on, "ends_on": programme.ends_on,
        "sessions": programme.sessions, "sessions_required": programme.sessions_required,
        "session_list-TOTAL_FORMS": 0, "session_list-INITIAL_FORMS": 0,
        "enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "seats are taken already" in response.content.decode()
    programme.refresh_from_db()
    assert programme.seats == 2


def test_the_host_employer_marks_attendance_of_its_workshop_and_no_other(client):
    from employment.models import TrainingProgramme
    from tests.employment.factories import make_hr

    employer, hr = make_hr()
    workshop = make_programme(kind=TrainingProgramme.Kind.WORKSHOP, employer=employer, skill="appliance-repair",
                              certificate=None, title="Appliance repair workshop")  # fmt: skip
    trainee = make_seeker()
    enrolment = training_enrol(programme=workshop, resident=trainee, actor=trainee.user)
    workshop = run_programme(workshop)
    session = workshop.session_list.first()
    elsewhere = run_programme(make_programme())
    client.force_login(hr)

    page = client.get("/employment/employer/training/", **EN).content.decode()
    sheet = f"/employment/employer/training/{workshop.pk}/sessions/{session.pk}/"
    assert "Appliance repair workshop" in page and sheet in page
    assert client.get(sheet, **EN).status_code == 200
    client.post(sheet, {"present": [enrolment.pk]})

    assert Attendance.objects.get(enrolment=enrolment, session=session).present
    other = f"/employment/employer/training/{elsewhere.pk}/sessions/{elsewhere.session_list.first().pk}/"
    assert client.get(other).status_code == 404
    client.force_login(trainee.user)
    assert client.get(sheet).status_code == 403
