"""The residents' API: file and follow their own cases, with documents; another resident's case is 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kunshan_portal import roles
from legal_aid import services
from legal_aid.models import Case, StationStaff
from tests.factories import make_employer, make_resident, make_user
from tests.legal_aid.factories import PDF, file_case, make_staff, station

pytestmark = pytest.mark.django_db
CASES = "/api/v1/legal-aid/cases/"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def resident(api):
    resident = make_resident()
    api.force_authenticate(resident.user)
    return resident


def test_a_resident_lists_only_their_own_cases_paginated(api, resident, django_assert_max_num_queries):
    mine = {file_case(applicant=resident).reference for _ in range(4)}
    file_case()
    with django_assert_max_num_queries(8):
        response = api.get(CASES)
    assert response.status_code == 200
    assert response.data["count"] == 4 and {c["reference"] for c in response.data["results"]} == mine


def test_filing_a_case_and_the_rules_of_its_category(api, resident):
    employer = make_employer()
    missing = api.post(
        CASES,
        {"category": "unpaid_wages", "respondent_uscc": employer.uscc, "facts": "unpaid"},
        format="json",
    )
    assert missing.status_code == 400 and "amount_claimed" in missing.data["errors"]
    unknown = api.post(
        CASES,
        {
            "category": "unpaid_wages",
            "respondent_uscc": "91320583MA00000000",
            "amount_claimed": "100",
            "facts": "x",
        },
        format="json",
    )
    assert unknown.status_code == 400 and "respondent_uscc" in unknown.data["errors"]
    created = api.post(
        CASES,
        {
            "category": "unpaid_wages",
            "respondent_uscc": employer.uscc,
            "amount_claimed": "8800.00",
            "facts": "March unpaid",
            "station": station("yushan-tinglin").pk,
        },
        format="json",
    )
    assert created.status_code == 201
    assert (created.data["state"], created.data["amount_claimed"], created.data["respondent"]) == (
        "submitted",
        "8800.00",
        employer.name,
    )
    assert [step["state"] for step in created.data["timeline"]] == ["submitted"]


def test_filing_with_documents_in_one_multipart_request(api, resident):
    response = api.post(
        CASES,
        {
            "kind": "complaint",
            "category": "discrimination",
            "respondent_name": "Boss Li",
            "facts": "Not hired: not from Kunshan",
            "documents": [SimpleUploadedFile("slip.pdf", PDF)],
        },
        format="multipart",
    )
    assert response.status_code == 201 and len(response.data["documents"]) == 1


def test_another_residents_case_and_its_documents_answer_404(api, resident):
    other = file_case(documents=[SimpleUploadedFile("a.pdf", PDF)])
    document = other.documents.get()
    for url in (
        f"{CASES}{other.pk}/",
        f"{CASES}{other.pk}/documents/",
        f"{CASES}{other.pk}/documents/{document.pk}/file/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.post(f"{CASES}{other.pk}/withdraw/").status_code == 404
    assert Case.objects.get(pk=other.pk).state == "submitted"


def test_documents_upload_download_and_refusal(api, resident):
    case = file_case(applicant=resident)
    bad = api.post(
        f"{CASES}{case.pk}/documents/", {"file": SimpleUploadedFile("x.pdf", b"<html>")}, format="multipart"
    )
    assert bad.status_code == 400 and "Only PDF" in bad.data["errors"]["file"][0]
    good = api.post(
        f"{CASES}{case.pk}/documents/",
        {"file": SimpleUploadedFile("pay.pdf", PDF), "description": "pay slip"},
        format="multipart",
    )
    assert good.status_code == 201
    download = api.get(good.data["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert len(api.get(f"{CASES}{case.pk}/documents/").data) == 1


def test_the_detail_hides_internal_notes_and_withdrawal_works_once(api, resident, caseworker):
    case = file_case(applicant=resident)
    services.case_examine(
        case=case, actor=caseworker.user, note="check the boss's other cases", internal=True
    )
    detail = api.get(f"{CASES}{case.pk}/")
    assert [s["note"] for s in detail.data["timeline"]] == ["", ""]
    assert "boss's other cases" not in str(detail.data)
    withdrawn = api.post(f"{CASES}{case.pk}/withdraw/", {"note": "paid"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.data["outcome"] == "withdrawn"
    again = api.post(f"{CASES}{case.pk}/withdraw/", {}, format="json")
    assert again.status_code == 400 and "not allowed" in again.data["detail"]


@pytest.mark.parametrize("role", ["employer", "lawyer", "official"])
def test_accounts_that_are_not_residents_are_refused(api, role):
    user = {
        "employer": lambda: make_user(None, roles.EMPLOYER),
        "lawyer": lambda: make_staff("yushan", StationStaff.Role.LAWYER).user,
        "official": lambda: make_user(None, roles.OFFICIAL),
    }[role]()
    api.force_authenticate(user)
    assert api.get(CASES).status_code == 403
    assert api.post(CASES, {"category": "other", "facts": "x"}, format="json").status_code == 403


def test_stations_are_listed_for_choosing(api, resident):
    response = api.get("/api/v1/legal-aid/stations/", {"page": 3})
    assert response.status_code == 200 and response.data["count"] == 53
