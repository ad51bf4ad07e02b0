"""The public calculator, the resident's page and the employer's pages: wiring, scoping, query counts."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from insurance import services
from insurance.models import Enrolment, EnrolmentWage
from tests.factories import make_resident
from tests.insurance.factories import make_employer_account, make_enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_the_calculator_page_shows_the_months_lines(client):
    page = client.get(
        "/insurance/calculator/", {"wage": "5000", "birth_date": "1990-05-01", "period": "2026-10"}
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "Contributions for 2026-10" in text and "900.00" in text and "225.00" in text


def test_the_calculator_page_explains_a_bad_entry_and_keeps_what_was_typed(client):
    page = client.get("/insurance/calculator/", {"wage": "5000", "birth_date": "", "period": "2026-13"})

    text = page.content.decode()
    assert "This field is required." in text and "Enter a month as YYYY-MM" in text
    assert 'value="5000"' in text and 'value="2026-13"' in text


def test_the_empty_calculator_is_a_form(client):
    page = client.get("/insurance/calculator/")

    assert page.status_code == 200 and 'type="month"' in page.content.decode()


def test_the_residents_page_shows_their_own_months(client, django_assert_max_num_queries):
    # given
    enrolment = make_enrolment(wage="5000.00", birth_date=date(1990, 5, 1))
    for month in (8, 9, 10):
        services.contribution_run_in_process(period=date(2025, month, 1), actor=None)
    client.force_login(enrolment.resident.user)

    # when
    with django_assert_max_num_queries(12):
        page = client.get("/insurance/me/")

    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "2025-10" in text and "2025-08" in text and enrolment.employer.name in text
    assert "1200.00" in text  # pension personal account: 3 × 400


def test_the_residents_page_is_for_residents(client):
    _, account = make_employer_account()
    client.force_login(account)

    assert client.get("/insurance/me/").status_code == 403


def test_the_employer_pages_are_for_employer_accounts(client):
    client.force_login(make_resident().user)

    for url in ("/insurance/employer/", "/insurance/employer/enrol/", "/insurance/employer/payroll/"):
        assert client.get(url).status_code == 403


def test_the_employer_home_lists_its_employees(client, django_assert_max_num_queries):
    employer, account = make_employer_account()
    for _ in range(30):
        make_enrolment(employer=employer)
    other = make_enrolment()
    client.force_login(account)

    with django_assert_max_num_queries(12):
        page = client.get("/insurance/employer/")

    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 25
    assert other.pk not in {e.pk for e in page.context["page"].object_list}
    assert "Page 1 of 2" in page.content.decode()


def test_an_employer_enrols_through_the_page(client):
    _, account = make_employer_account()
    resident = make_resident()
    client.force_login(account)

    answer = client.post(
        "/insurance/employer/enrol/",
        {"id_number": resident.id_number, "start_date": "2025-03-01", "wage": "6000"},
    )

    enrolment = Enrolment.objects.get(resident=resident)
    assert answer.status_code == 302 and answer.url == f"/insurance/employer/enrolments/{enrolment.pk}/"


def test_a_refused_enrolment_keeps_the_form_filled(client):
    _, account = make_employer_account()
    resident = make_resident(verified=False)
    client.force_login(account)

    answer = client.post(
        "/insurance/employer/enrol/",
        {"id_number": resident.id_number, "start_date": "2025-03-01", "wage": "6000"},
    )

    text = answer.content.decode()
    assert answer.status_code == 200 and "verified" in text and resident.id_number in text
    assert not Enrolment.objects.exists()


def test_another_employers_enrolment_answers_404(client):
    _, account = make_employer_account()
    theirs = make_enrolment()
    client.force_login(account)

    assert client.get(f"/insurance/employer/enrolments/{theirs.pk}/").status_code == 404
    assert (
        client.post(
            f"/insurance/employer/enrolments/{theirs.pk}/end/", {"end_date": "2025-09-30"}
        ).status_code
        == 404
    )


def test_the_wage_and_end_forms_change_the_enrolment(client):
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer)
    client.force_login(account)

    bad = client.post(
        f"/insurance/employer/enrolments/{enrolment.pk}/wage/", {"wage": "7000", "period": "2024-01"}
    )
    good = client.post(
        f"/insurance/employer/enrolments/{enrolment.pk}/wage/", {"wage": "7000", "period": "2025-06"}
    )
    ended = client.post(f"/insurance/employer/enrolments/{enrolment.pk}/end/", {"end_date": "2025-09-30"})

    assert bad.status_code == 400 and "before the enrolment starts" in bad.content.decode()
    assert good.status_code == ended.status_code == 302
    assert EnrolmentWage.objects.filter(enrolment=enrolment, valid_from=date(2025, 6, 1)).exists()
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.ENDED


def test_a_bad_payroll_upload_lists_the_rows_to_correct(client):
    employer, account = make_employer_account()
    make_enrolment(employer=employer)
    client.force_login(account)

    answer = client.post(
        "/insurance/employer/payroll/",
        {"file": SimpleUploadedFile("p.csv", b"id_number,wage,period\nnope,1,2025-10\n")},
    )

    assert answer.status_code == 400 and "Line 2: no registered resident" in answer.content.decode()


def test_the_statement_and_arrears_pages(client):
    employer, account = make_employer_account()
    make_enrolment(employer=employer, start_date=date(2025, 9, 1))
    services.contribution_run_in_process(period=date(2025, 9, 1), actor=None)
    client.force_login(account)

    statement = client.get("/insurance/employer/statement/")
    arrears = client.get("/insurance/employer/arrears/")

    assert "2025-09" in statement.content.decode()
    assert arrears.status_code == 200 and "2025-09" in arrears.content.decode()
