"""The residents' pages: the guided form, their cases (and nobody else's), documents, withdrawal; the
walk-in intake; the officials' figures."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kunshan_portal import roles
from kunshan_portal.registry import applications_of
from legal_aid import services
from legal_aid.models import Case, Station, StationStaff
from tests.factories import make_employer, make_resident, make_user
from tests.legal_aid.factories import PDF, file_case, make_staff, upload

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW = reverse("legal_aid:case-new")


@pytest.fixture
def resident(client):
    resident = make_resident()
    client.force_login(resident.user)
    return resident


def test_the_list_shows_the_residents_own_cases_in_few_queries(
    client, resident, django_assert_max_num_queries
):
    mine = [file_case(applicant=resident) for _ in range(5)]
    other = file_case()
    with django_assert_max_num_queries(12):
        response = client.get(reverse("legal_aid:case-list"), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert all(case.reference in page for case in mine) and other.reference not in page


@pytest.mark.parametrize(
    ("category", "asks_amount", "label"),
    [
        ("unpaid_wages", True, "Wages owed to you"),
        ("work_injury", True, "Compensation you claim"),
        ("social_insurance", True, "Contributions the employer did not pay"),
        ("labour_contract", False, None),
        ("discrimination", False, None),
    ],
)
def test_the_guided_form_asks_only_what_the_category_needs(client, resident, category, asks_amount, label):
    first = client.get(NEW, **EN)
    assert set(first.context["form"].fields) == {"kind", "category"}
    second = client.get(NEW, {"kind": "aid", "category": category}, **EN)
    fields = second.context["form"].fields
    assert ("amount_claimed" in fields) is asks_amount
    if label:
        assert label in second.content.decode()
    assert {"station", "respondent_uscc", "respondent_name", "facts", "documents"} <= set(fields)


def test_filing_through_the_page_with_the_employers_code_and_documents(client, resident):
    employer = make_employer()
    response = client.post(
        NEW + "?kind=aid&category=unpaid_wages",
        {
            "station": Station.objects.get(code="yushan").pk,
            "respondent_uscc": employer.uscc.lower(),
            "amount_claimed": "15600",
            "facts": "Three months unpaid.",
            "documents": [upload(PDF, "payslips.pdf"), upload(PDF, "contract.pdf")],
        },
        **EN,
    )
    case = Case.objects.get(applicant=resident)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert (case.respondent_employer, case.amount_claimed, case.documents.count()) == (
        employer,
        Decimal("15600"),
        2,
    )
    assert case.station.code == "yushan"


def test_errors_keep_what_was_typed(client, resident):
    response = client.post(
        NEW + "?kind=aid&category=unpaid_wages",
        {
            "respondent_uscc": "91320583MA00000000",
            "respondent_name": "Boss Li",
            "amount_claimed": "",
            "facts": "x",
        },
        **EN,
    )
    assert response.status_code == 200 and not Case.objects.exists()
    form = response.context["form"]
    assert "respondent_uscc" in form.errors and "amount_claimed" in form.errors and "station" in form.errors
    assert form["respondent_name"].value() == "Boss Li" and form["facts"].value() == "x"


def test_a_service_refusal_shows_on_the_field(client, resident):
    station = file_case().station
    response = client.post(
        NEW + "?kind=complaint&category=other",
        {"station": station.pk, "respondent_name": "", "facts": "They keep my deposit."},
        **EN,
    )
    assert "Name the employer" in str(response.context["form"].errors["respondent_name"])


def test_the_case_page_shows_the_steps_without_internal_notes(client, resident, caseworker):
    case = file_case(applicant=resident)
    services.case_examine(case=case, actor=caseworker.user, note="employer known for this", internal=True)
    services.case_refuse(case=case, actor=caseworker.user, reason="Out of time limit.")
    page = client.get(case.get_absolute_url(), **EN).content.decode()
    assert "Out of time limit." in page and "employer known for this" not in page
    assert "examined" in page and "refused" in page


def test_another_residents_case_answers_404_and_others_may_not_enter(client, resident):
    other = file_case()
    for url in (
        other.get_absolute_url(),
        reverse("legal_aid:document-upload", args=[other.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("legal_aid:case-withdraw", args=[other.pk])).status_code == 404
    employer_account = make_user(None, roles.EMPLOYER)
    client.force_login(employer_account)
    assert client.get(reverse("legal_aid:case-list")).status_code == 403
    client.logout()
    assert client.get(reverse("legal_aid:case-list")).status_code == 302


def test_uploading_and_withdrawing_from_the_case_page(client, resident):
    case = file_case(applicant=resident)
    bad = client.post(
        reverse("legal_aid:document-upload", args=[case.pk]),
        {"file": upload(b"plain text", "x.pdf"), "description": "payslip"},
        **EN,
    )
    assert bad.status_code == 400 and "Only PDF, JPEG or PNG" in bad.content.decode()
    assert bad.context["form"]["description"].value() == "payslip"
    good = client.post(reverse("legal_aid:document-upload", args=[case.pk]), {"file": upload()}, **EN)
    assert good.status_code == 302 and case.documents.count() == 1
    client.post(reverse("legal_aid:case-withdraw", args=[case.pk]), {"note": "settled myself"})
    case.refresh_from_db()
    assert (case.state, case.outcome) == ("closed", "withdrawn")


def test_the_cases_appear_among_the_residents_applications(resident):
    case = file_case(applicant=resident)
    [summary] = applications_of(resident)
    assert case.reference in summary.title and summary.url == case.get_absolute_url()


def test_a_caseworker_takes_in_a_walk_in_by_identity_number(client, caseworker):
    walk_in = make_resident(with_user=False)
    client.force_login(caseworker.user)
    intake = reverse("legal_aid:intake")
    page = client.get(intake, **EN)
    stations = set(page.context["form"].fields["station"].queryset.values_list("code", flat=True))
    assert "yushan" in stations and "yushan-chengbei" in stations and "bacheng" not in stations
    unknown = client.post(
        intake,
        {
            "id_number": "110101199003074578",
            "kind": "aid",
            "category": "other",
            "station": caseworker.station_id,
            "facts": "x",
        },
        **EN,
    )
    assert "No resident" in str(unknown.context["form"].errors["id_number"])
    response = client.post(
        intake,
        {
            "id_number": walk_in.id_number,
            "kind": "aid",
            "category": "work_injury",
            "station": caseworker.station_id,
            "respondent_name": "Boss Wang",
            "amount_claimed": "30000",
            "facts": "Hand injured on the press.",
        },
    )
    case = Case.objects.get(applicant=walk_in)
    assert response.status_code == 302 and case.channel == "walk_in" and case.filed_by == caseworker.user


@pytest.mark.parametrize("who", ["lawyer", "resident", "stationless"])
def test_only_caseworkers_of_a_station_take_in_cases(client, who):
    user = {
        "lawyer": lambda: make_staff("yushan", StationStaff.Role.LAWYER).user,
        "resident": lambda: make_resident().user,
        "stationless": lambda: make_user(None, roles.CASEWORKER_GROUPS["legal_aid"], is_staff=True),
    }[who]()
    client.force_login(user)
    assert client.get(reverse("legal_aid:intake")).status_code == 403


def test_officials_see_the_figures_and_the_dashboard_section(
    client, official_user, caseworker, django_assert_max_num_queries
):
    for _ in range(3):
        services.case_accept(
            case=services.case_examine(case=file_case(), actor=caseworker.user), actor=caseworker.user
        )
    client.force_login(official_user)
    with django_assert_max_num_queries(16):
        figures = client.get(reverse("legal_aid:figures"), **EN)
    assert figures.status_code == 200
    [row] = figures.context["rows"]
    assert (row["cases"], row["decided"], row["in_time"], row["share_in_time"]) == (3, 3, 3, 1.0)
    dashboard = client.get(reverse("dashboard"), **EN).content.decode()
    assert "Legal aid" in dashboard and "Decided within the deadline" in dashboard
    client.force_login(make_resident().user)
    assert client.get(reverse("legal_aid:figures")).status_code == 403
