"""The caseworkers' admin: lists open, a run started through its confirmation page, enrolment actions."""

from datetime import date

import pytest
from django.test import Client

from insurance.models import ContributionLine, ContributionRun, Enrolment, SchemeRate
from insurance.services import contribution_run_in_process
from tests.factories import make_employer, make_resident
from tests.insurance.factories import make_caseworker, make_employer_account, make_enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker_client():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_caseworker())
    return client


@pytest.mark.parametrize(
    "model",
    ["schemerate", "medicalsharetable", "averagewage", "enrolment", "enrolmentinarrears", "contributionrun",
     "contributionline", "payrollupload", "payrollentry"],
)  # fmt: skip
def test_the_lists_open_for_an_insurance_caseworker(caseworker_client, model, django_assert_max_num_queries):
    make_enrolment()
    contribution_run_in_process(period=date(2025, 10, 1), actor=None)

    with django_assert_max_num_queries(20):
        page = caseworker_client.get(f"/admin/insurance/{model}/")

    assert page.status_code == 200


def test_other_roles_do_not_see_the_insurance_admin():
    client = Client()
    _, account = make_employer_account(is_staff=True)
    client.force_login(account)

    assert client.get("/admin/insurance/enrolment/").status_code in (302, 403)


def test_a_month_is_run_through_a_confirmation_page(caseworker_client, django_capture_on_commit_callbacks):
    # given
    make_enrolment()

    # when: choose the month, then confirm
    confirm = caseworker_client.post("/admin/insurance/contributionrun/start/", {"period": "2025-10"})
    assert not ContributionRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = caseworker_client.post(
            "/admin/insurance/contributionrun/start/", {"period": "2025-10", "confirm": "yes"}
        )

    # then
    assert (
        "Run 2025-10?" in confirm.content.decode()
        and "1 enrolment owes this month." in confirm.content.decode()
    )
    assert done.status_code == 302
    assert ContributionLine.objects.filter(period=date(2025, 10, 1)).count() == 5


def test_running_months_again_asks_first(caseworker_client, django_capture_on_commit_callbacks):
    make_enrolment()
    run = contribution_run_in_process(period=date(2025, 10, 1), actor=None)
    ContributionLine.objects.filter(scheme="pension").delete()  # (as if half the lines were never written)
    data = {"action": "run_again", "_selected_action": [run.pk]}

    asked = caseworker_client.post("/admin/insurance/contributionrun/", data)
    with django_capture_on_commit_callbacks(execute=True):
        caseworker_client.post("/admin/insurance/contributionrun/", {**data, "confirm": "yes"})

    assert "Run these months again?" in asked.content.decode()
    run.refresh_from_db()
    assert run.passes == 2


def test_the_run_list_shows_progress(caseworker_client):
    make_enrolment()
    contribution_run_in_process(period=date(2025, 10, 1), actor=None)

    page = caseworker_client.get("/admin/insurance/contributionrun/")

    assert "1 / 1" in page.content.decode()


def test_a_caseworker_enrols_changes_and_ends_in_the_admin(caseworker_client):
    resident, employer = make_resident(), make_employer()

    caseworker_client.post(
        "/admin/insurance/enrolment/add/",
        {
            "id_number": resident.id_number,
            "employer_uscc": employer.uscc,
            "start_date": "2025-03-01",
            "wage": "6000",
        },
    )
    enrolment = Enrolment.objects.get(resident=resident)
    caseworker_client.post(
        f"/admin/insurance/enrolment/{enrolment.pk}/wage/", {"wage": "6500", "period": "2025-05"}
    )
    caseworker_client.post(f"/admin/insurance/enrolment/{enrolment.pk}/end/", {"end_date": "2025-08-31"})

    enrolment.refresh_from_db()
    assert enrolment.wages.count() == 2 and enrolment.state == Enrolment.State.ENDED


def test_an_enrolment_refused_in_the_admin_shows_why(caseworker_client):
    resident, employer = make_resident(verified=False), make_employer()

    page = caseworker_client.post(
        "/admin/insurance/enrolment/add/",
        {
            "id_number": resident.id_number,
            "employer_uscc": employer.uscc,
            "start_date": "2025-03-01",
            "wage": "6000",
        },
    )

    assert "verified" in page.content.decode() and not Enrolment.objects.exists()


def test_the_arrears_list_shows_the_months_without_payroll(caseworker_client):
    enrolment = make_enrolment(start_date=date(2025, 1, 1))

    page = caseworker_client.get("/admin/insurance/enrolmentinarrears/", {"period": "2025-10"})

    assert page.status_code == 200 and enrolment in page.context["cl"].result_list


def test_lines_filter_by_employer_credit_code(caseworker_client):
    mine = make_enrolment()
    make_enrolment()
    contribution_run_in_process(period=date(2025, 10, 1), actor=None)

    page = caseworker_client.get("/admin/insurance/contributionline/", {"employer_uscc": mine.employer.uscc})

    assert {line.enrolment_id for line in page.context["cl"].result_list} == {mine.pk}


def test_lines_are_exported(caseworker_client):
    make_enrolment()
    contribution_run_in_process(period=date(2025, 10, 1), actor=None)
    ids = list(ContributionLine.objects.values_list("pk", flat=True))

    answer = caseworker_client.post(
        "/admin/insurance/contributionline/",
        {"action": "export_admin_action", "_selected_action": ids, "format": "0"},
    )

    assert answer.status_code == 200


def test_a_medical_rate_below_a_personal_share_is_refused(caseworker_client):
    page = caseworker_client.post(
        "/admin/insurance/schemerate/add/",
        {"scheme": "medical", "valid_from": "2026-01-01", "employer_rate": "0.03", "employee_rate": "0.02"},
    )

    assert "would exceed the whole medical rate" in page.content.decode()
    assert not SchemeRate.objects.filter(valid_from=date(2026, 1, 1)).exists()


def test_age_bands_with_a_gap_are_refused(caseworker_client):
    data = {
        "valid_from": "2026-01-01",
        "bands-TOTAL_FORMS": "2", "bands-INITIAL_FORMS": "0", "bands-MIN_NUM_FORMS": "1", "bands-MAX_NUM_FORMS": "1000",
        "bands-0-min_age": "0", "bands-0-max_age": "30", "bands-0-personal_share": "0.04",
        "bands-1-min_age": "35", "bands-1-max_age": "", "bands-1-personal_share": "0.05",
    }  # fmt: skip

    page = caseworker_client.post("/admin/insurance/medicalsharetable/add/", data)

    assert "not covered by any age band" in page.content.decode()


def test_the_ledger_shows_totals_per_fund_and_month(caseworker_client, django_assert_max_num_queries):
    make_enrolment(wage="5000.00", birth_date=date(1990, 5, 1))
    contribution_run_in_process(period=date(2025, 10, 1), actor=None)

    with django_assert_max_num_queries(
        12
    ):  # the admin's own (session, user, permissions) and one for the ledger
        page = caseworker_client.get("/admin/insurance/contributionrun/ledger/")

    text = page.content.decode()
    assert page.status_code == 200 and "2025-10" in text and "900.00" in text
