"""The API: the public preview's answers and 400s, the resident's statement, the employer's endpoints."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from insurance import services
from insurance.models import Enrolment, PayrollEntry
from tests.factories import make_resident
from tests.insurance.factories import make_employer_account, make_enrolment

pytestmark = pytest.mark.django_db
PREVIEW = "/api/v1/insurance/contribution-preview/"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_the_preview_answers_in_the_shape_of_the_issue(api):
    answer = api.get(PREVIEW, {"wage": "5000", "birth_date": "1990-05-01", "period": "2026-10"})

    assert answer.status_code == 200
    assert answer.json() == {
        "period": "2026-10",
        "base": "5000.00",
        "lines": [
            {
                "scheme": "pension",
                "employer": "900.00",
                "employee": "400.00",
                "pool": "900.00",
                "personal_account": "400.00",
            },
            {
                "scheme": "medical",
                "employer": "400.00",
                "employee": "100.00",
                "pool": "275.00",
                "personal_account": "225.00",
            },
            {
                "scheme": "unemployment",
                "employer": "100.00",
                "employee": "50.00",
                "pool": "150.00",
                "personal_account": "0.00",
            },
            {
                "scheme": "maternity",
                "employer": "40.00",
                "employee": "0.00",
                "pool": "40.00",
                "personal_account": "0.00",
            },
            {
                "scheme": "work_injury",
                "employer": "25.00",
                "employee": "0.00",
                "pool": "25.00",
                "personal_account": "0.00",
            },
        ],
        "employer_total": "1465.00",
        "employee_total": "550.00",
    }


@pytest.mark.parametrize(
    ("wage", "base"),
    [("1000", "4800.00"), ("4800", "4800.00"), ("24000.01", "24000.00"), ("99999", "24000.00")],
)
def test_the_preview_holds_the_base_between_floor_and_ceiling(api, wage, base):
    answer = api.get(PREVIEW, {"wage": wage, "birth_date": "1990-05-01", "period": "2026-10"})

    assert answer.json()["base"] == base


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"wage", "birth_date", "period"}),
        ({"wage": "abc", "birth_date": "1990-05-01", "period": "2026-10"}, {"wage"}),
        ({"wage": "-1", "birth_date": "1990-05-01", "period": "2026-10"}, {"wage"}),
        ({"wage": "5000.123", "birth_date": "1990-05-01", "period": "2026-10"}, {"wage"}),
        ({"wage": "5000", "birth_date": "1990-02-30", "period": "2026-10"}, {"birth_date"}),
        ({"wage": "5000", "birth_date": "1990-05-01", "period": "2026-13"}, {"period"}),
        ({"wage": "5000", "birth_date": "1990-05-01", "period": "October"}, {"period"}),
        ({"wage": "5000", "birth_date": "2030-05-01", "period": "2026-10"}, {"birth_date"}),
        ({"wage": "5000", "birth_date": "1990-05-01", "period": "1999-12"}, {"period"}),  # no rates then
    ],
)
def test_the_preview_answers_400_with_field_errors(api, params, fields):
    answer = api.get(PREVIEW, params)

    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == fields
    assert answer.json()["detail"]


def test_the_me_endpoint_shows_the_residents_own_statement(api):
    # given
    enrolment = make_enrolment(wage="5000.00", birth_date=date(1990, 5, 1))
    make_enrolment()  # someone else's
    services.contribution_run_in_process(period=date(2025, 10, 1), actor=None)
    api.force_authenticate(enrolment.resident.user)

    # when
    answer = api.get("/api/v1/insurance/me/").json()

    # then
    assert [e["id"] for e in answer["enrolments"]] == [enrolment.pk]
    assert answer["enrolments"][0]["current_wage"] == "5000.00"
    assert answer["balances"] == {"pension": "400.00", "medical": "225.00"}
    assert answer["months"]["count"] == 1
    month = answer["months"]["results"][0]
    assert month["period"] == "2025-10" and len(month["lines"]) == 5
    assert month["employee_total"] == "550.00"


def test_the_me_endpoint_is_for_residents_only(api):
    _, account = make_employer_account()

    assert api.get("/api/v1/insurance/me/").status_code in (401, 403)
    api.force_authenticate(account)
    assert api.get("/api/v1/insurance/me/").status_code == 403


def test_an_employer_enrols_changes_the_wage_and_ends_through_the_api(api):
    # given
    employer, account = make_employer_account()
    resident = make_resident()
    api.force_authenticate(account)

    # when
    created = api.post(
        "/api/v1/insurance/enrolments/",
        {"id_number": resident.id_number, "start_date": "2025-03-01", "wage": "6000"},
    )
    pk = created.json()["id"]
    wage = api.post(f"/api/v1/insurance/enrolments/{pk}/wage/", {"wage": "6500.00", "period": "2025-06"})
    ended = api.post(f"/api/v1/insurance/enrolments/{pk}/end/", {"end_date": "2025-09-30"})

    # then
    assert created.status_code == 201 and created.json()["id_number"] == resident.id_number_masked
    assert wage.json() == {"period": "2025-06", "wage": "6500.00"}
    assert ended.json()["state"] == "ended" and ended.json()["end_date"] == "2025-09-30"
    assert Enrolment.objects.get(pk=pk).employer == employer


def test_the_api_refuses_an_unverified_resident_with_400(api):
    _, account = make_employer_account()
    api.force_authenticate(account)

    answer = api.post(
        "/api/v1/insurance/enrolments/",
        {"id_number": make_resident(verified=False).id_number, "start_date": "2025-03-01", "wage": "6000"},
    )

    assert answer.status_code == 400 and "verified" in answer.json()["detail"]


def test_an_employer_sees_only_its_own_enrolments(api):
    employer, account = make_employer_account()
    mine = make_enrolment(employer=employer)
    theirs = make_enrolment()
    api.force_authenticate(account)

    listed = api.get("/api/v1/insurance/enrolments/").json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert api.get(f"/api/v1/insurance/enrolments/{theirs.pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/insurance/enrolments/{theirs.pk}/end/", {"end_date": "2025-09-30"}).status_code
        == 404
    )


def test_a_resident_cannot_use_the_employer_endpoints(api):
    resident = make_resident()
    api.force_authenticate(resident.user)

    assert api.get("/api/v1/insurance/enrolments/").status_code == 403
    assert api.get("/api/v1/insurance/statement/").status_code == 403


def test_a_bad_payroll_answers_400_with_every_row(api):
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer)
    api.force_authenticate(account)
    content = f"id_number,wage,period\n{enrolment.resident.id_number},x,2025-10\nbad,1,2025-10\n".encode()

    answer = api.post(
        "/api/v1/insurance/payroll/", {"file": SimpleUploadedFile("p.csv", content)}, format="multipart"
    )

    assert answer.status_code == 400
    assert [row["line"] for row in answer.json()["rows"]] == [2, 3]
    assert not PayrollEntry.objects.exists()


def test_statement_and_arrears_of_the_employer(api):
    # given: enrolled from August, payroll for September only, August to October run
    employer, account = make_employer_account()
    enrolment = make_enrolment(employer=employer, start_date=date(2025, 8, 1), wage="5000.00")
    content = f"id_number,wage,period\n{enrolment.resident.id_number},5000,2025-09\n".encode()
    services.payroll_upload(employer=employer, file_name="p.csv", content=content, actor=account)
    for month in (8, 9, 10):
        services.contribution_run_in_process(period=date(2025, month, 1), actor=None)
    api.force_authenticate(account)

    # when
    statement = api.get("/api/v1/insurance/statement/").json()
    arrears = api.get("/api/v1/insurance/arrears/").json()

    # then
    assert [row["period"] for row in statement["results"]] == ["2025-10", "2025-09", "2025-08"]
    assert statement["results"][0] == {
        "period": "2025-10",
        "employer": "1465.00",
        "employee": "550.00",
        "total": "2015.00",
    }
    periods = [row["period"] for row in arrears["results"]]
    assert "2025-09" not in periods and {"2025-08", "2025-10"} <= set(periods)
