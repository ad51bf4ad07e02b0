"""The resident's own page: status and its notices, the masked number and its reveal, profile, data, log."""

import json
from datetime import date, datetime

import pytest
from django.urls import reverse

from kunshan_portal import registry, roles
from kunshan_portal.registry import ApplicationSummary
from residents import services
from residents.models import Resident, Skill, Town
from tests.factories import make_child, make_employer, make_resident

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ME = "/residents/me/"


@pytest.fixture
def resident(db):
    resident = make_resident(verified=False, name="李娜")
    resident.user.language = "en"  # notices are written in the resident's language
    resident.user.save(update_fields=["language"])
    return resident


@pytest.fixture
def browser(client, resident):
    client.force_login(resident.user)
    return client


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_chen", roles.CASEWORKER_GROUPS["residents"], first_name="Jing", last_name="Chen")


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_page_is_for_logged_in_residents_only(client, make_user, db):
    assert client.get(ME).status_code == 302
    client.force_login(make_user("employer-hr", roles.EMPLOYER))
    assert client.get(ME).status_code == 403


def test_a_pending_registration_says_so_and_shows_the_number_masked(browser, resident):
    html = page(browser.get(ME, **EN))
    assert "pending verification" in html and "A caseworker will check your documents" in html
    assert resident.id_number_masked in html and resident.id_number not in html
    assert "Resident card number" not in html


def test_verification_shows_the_card_number_and_the_notice_on_the_page(browser, resident, caseworker):
    # when a caseworker verifies the registration
    services.resident_verify(resident=resident, actor=caseworker)
    # then the resident's page shows it, the card number and the notice that told them
    resident.refresh_from_db()
    html = page(browser.get(ME, **EN))
    assert "verified" in html and resident.card_number in html
    assert "Latest notices" in html and "registration: verified" in html.lower()


def test_a_rejection_shows_the_reason_and_the_resident_can_ask_for_a_new_check(browser, resident, caseworker):
    services.resident_reject(
        resident=resident, actor=caseworker, reason="The photo of the card is unreadable."
    )
    html = page(browser.get(ME, **EN))
    assert "The photo of the card is unreadable." in html
    assert reverse("residents:me-resubmit") in html
    # when
    response = browser.post(reverse("residents:me-resubmit"), **EN)
    # then
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.state == Resident.State.PENDING
    assert "sent for a new check" in page(browser.get(ME, **EN))


def test_resubmitting_a_registration_that_is_not_rejected_is_refused_with_a_message(browser, resident):
    browser.post(reverse("residents:me-resubmit"), **EN)
    assert "not allowed" in page(browser.get(ME, **EN))


def test_the_resident_reveals_their_own_full_number_with_a_click(browser, resident):
    # when
    html = page(browser.post(reverse("residents:me-reveal"), **EN))
    # then
    assert resident.id_number in html and 'id="full-id-number"' in html
    assert browser.get(reverse("residents:me-reveal")).status_code == 405  # never by a link
    assert "no-cache" in browser.post(reverse("residents:me-reveal"))["Cache-Control"]


def test_the_reveal_shows_only_the_callers_own_number(client, resident):
    other = make_resident()
    client.force_login(other.user)
    html = page(client.post(reverse("residents:me-reveal")))
    assert other.id_number in html and resident.id_number not in html


def test_the_profile_is_edited_through_the_service(browser, resident):
    employer = make_employer()
    lujia = Town.objects.get(code="lujia")
    forklift = Skill.objects.get(code="forklift")
    type(resident.user).objects.filter(pk=resident.user_id).update(language="zh-hans")
    form = page(browser.get(reverse("residents:me-edit"), **EN))
    assert f'value="{resident.address}"' in form and '<label for="id_phone">' in form
    # when
    response = browser.post(
        reverse("residents:me-edit"),
        {"phone": resident.phone, "arrival_date": "2019-04-01", "town": lujia.pk, "address": "陆家镇 2 号",
         "employer": employer.uscc, "education": "senior", "skills": [forklift.pk], "language": "en"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.town, resident.address, resident.employer, resident.education) == (
        lujia, "陆家镇 2 号", employer, "senior",
    )  # fmt: skip
    assert resident.arrival_date == date(2019, 4, 1) and list(resident.skills.all()) == [forklift]
    assert resident.user.language == "en" and response.cookies["django_language"].value == "en"
    assert "Your profile was saved." in page(browser.get(ME, **EN))


def test_a_profile_error_comes_back_with_what_was_typed(browser, resident):
    html = page(
        browser.post(
            reverse("residents:me-edit"),
            {"phone": "12", "arrival_date": "2019-04-01", "town": resident.town_id, "address": "新地址 9 号",
             "education": "senior", "language": "zh-hans"},
            **EN,
        )
    )  # fmt: skip
    assert "Enter a mainland mobile number" in html and 'value="新地址 9 号"' in html
    resident.refresh_from_db()
    assert resident.address != "新地址 9 号"


def test_the_download_holds_all_the_residents_own_data_with_full_numbers(
    browser, resident, caseworker, monkeypatch
):
    # given a child, a verification notice, a staff view and an application from another app
    child = make_child(resident)
    services.resident_verify(resident=resident, actor=caseworker)
    services.personal_data_access_record(resident=resident, staff=caseworker, purpose="detail")
    summary = ApplicationSummary(
        kind="Housing application", title="Yushan apartments", state="submitted",
        submitted_at=datetime(2026, 1, 5, 9, 0).astimezone(),
    )  # fmt: skip
    monkeypatch.setattr(registry, "APPLICATION_SOURCES", [lambda r: [summary] if r.pk == resident.pk else []])
    # when
    response = browser.get(reverse("residents:me-data"))
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="kunshan-my-data-')
    data = json.loads(response.content)
    assert data["profile"]["id_number"] == resident.id_number and data["profile"]["name"] == "李娜"
    assert data["registration"]["state"] == "verified" and data["registration"]["card_number"]
    assert data["family"] == [
        {"relation": "child", "name": child.name, "id_number": child.id_number,
         "birth_date": child.birth_date.isoformat(), "gender": child.gender},
    ]  # fmt: skip
    assert [a["title"] for a in data["applications"]] == ["Yushan apartments"]
    assert "verified" in data["notices"][0]["subject"]
    assert data["access_log"][0]["staff"] == "Jing Chen" and data["access_log"][0]["purpose"] == "detail"
    assert data["account"]["username"] == resident.user.username


def test_the_page_lists_applications_from_every_app(browser, resident, monkeypatch):
    summary = ApplicationSummary(
        kind="School place", title="Grade 1, Zhoushi Central Primary", state="offered",
        submitted_at=datetime(2026, 2, 1, 9, 0).astimezone(), url="/education/applications/1/",
    )  # fmt: skip
    monkeypatch.setattr(registry, "APPLICATION_SOURCES", [lambda r: [summary]])
    html = page(browser.get(ME, **EN))
    assert "Grade 1, Zhoushi Central Primary" in html and 'href="/education/applications/1/"' in html


def test_the_access_log_names_the_staff_or_says_a_caseworker(browser, resident, caseworker, make_user):
    nameless = make_user("cw_2", roles.CASEWORKER_GROUPS["residents"])
    services.personal_data_access_record(resident=resident, staff=caseworker, purpose="detail")
    services.personal_data_access_record(resident=resident, staff=nameless, purpose="export")
    html = page(browser.get(ME, **EN))
    assert "Jing Chen" in html and "a caseworker" in html and "cw_2" not in html
    assert "opened the record" in html and "exported the record" in html


def test_the_whole_access_log_is_paginated_and_only_the_residents_own(browser, resident, caseworker):
    other = make_resident()
    for _ in range(25):
        services.personal_data_access_record(resident=resident, staff=caseworker, purpose="detail")
    services.personal_data_access_record(resident=other, staff=caseworker, purpose="export")
    html = page(browser.get(reverse("residents:me-access-log"), **EN))
    assert html.count("opened the record") == 20 and "exported" not in html and "Page 1 of 2" in html
    assert reverse("residents:me-access-log") in page(browser.get(ME, **EN))


def test_the_page_reads_a_bounded_number_of_queries_however_much_there_is(
    browser, resident, caseworker, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.resident_verify(resident=resident, actor=caseworker)
    make_child(resident)
    services.personal_data_access_record(resident=resident, staff=caseworker, purpose="detail")
    with CaptureQueriesContext(connection) as few:
        page(browser.get(ME))
    for _ in range(3):
        make_child(resident)
    for _ in range(15):
        services.personal_data_access_record(resident=resident, staff=caseworker, purpose="detail")
    # the page's own reads, the session and the header's, and one for each app's list of applications
    with django_assert_max_num_queries(len(few)):
        page(browser.get(ME))
    assert len(few) <= 16 + len(registry.APPLICATION_SOURCES)
