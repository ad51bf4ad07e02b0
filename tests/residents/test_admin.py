"""The caseworkers' admin for the registry: search, filters, verification, masking, employers, permissions."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kunshan_portal import roles
from kunshan_portal.models import Notice, NoticeDelivery, StateTransition
from residents.admin import BULK_LIMIT, EstimatedCountPaginator
from residents.idcard import make_uscc
from residents.models import Employer, PersonalDataAccess, Resident
from tests import factories
from tests.conftest import own_cache, wait_for
from tests.factories import make_child, make_employer, make_resident, new_id_number

CHANGELIST = "admin:residents_resident_changelist"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_residents", roles.CASEWORKER_GROUPS["residents"])


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.fixture
def employment_client(make_user):
    other = Client()  # a browser of its own, beside cw_client's
    other.force_login(make_user("cw_employment", roles.CASEWORKER_GROUPS["employment"]))
    return other


def listed(client, **params) -> list[Resident]:
    response = client.get(reverse(CHANGELIST), params, **EN)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def change_url(resident) -> str:
    return reverse("admin:residents_resident_change", args=[resident.pk])


def notices_of(resident) -> list[Notice]:
    return list(Notice.objects.filter(recipient=resident.user))


# --- search and filters --------------------------------------------------------------------------------


def test_the_full_identity_number_finds_exactly_that_resident(cw_client):
    wanted, other = make_resident(name="陈一"), make_resident(name="陈二")
    spaced = " ".join([wanted.id_number[:6], wanted.id_number[6:14], wanted.id_number[14:].lower()])
    assert listed(cw_client, q=spaced) == [wanted]
    assert listed(cw_client, q=other.id_number) == [other]


@pytest.mark.parametrize(
    "part",
    [
        lambda n: n[:17],  # all but the check character
        lambda n: n[:6],  # the region
        lambda n: n[-4:],  # what the mask shows
        lambda n: n[6:14],  # the birth date
        lambda n: n[:4] + "*" * 10 + n[-4:],  # the masked form itself
        lambda n: n[:-1] + ("0" if n[-1] != "0" else "1"),  # a wrong check character
    ],
)
def test_part_of_an_identity_number_finds_nobody(cw_client, part):
    resident = make_resident()
    assert listed(cw_client, q=part(resident.id_number)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [("王", ["王芳", "王强"]), ("王芳", ["王芳"]), ("13911112222", ["王强"]), ("1391111", []), ("芳", [])],
)
def test_name_by_its_beginning_and_phone_only_whole(cw_client, query, expected):
    make_resident(name="王芳")
    make_resident(name="王强", phone="13911112222")
    make_resident(name="李娜")
    assert sorted(r.name for r in listed(cw_client, q=query)) == sorted(expected)


def test_the_card_number_finds_its_resident(cw_client):
    resident = make_resident()
    make_resident()
    assert listed(cw_client, q=resident.card_number.lower()) == [resident]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state__exact": "pending"}, {"pending-anhui-2019"}),
        ({"town__id__exact": "zhoushi"}, {"verified-sichuan-2021"}),
        ({"arrival_year": "2019"}, {"pending-anhui-2019"}),
        ({"arrival_year": "2021"}, {"verified-sichuan-2021"}),
        ({"home_province": "51"}, {"verified-sichuan-2021"}),
        ({"home_province": "34", "state__exact": "verified"}, set()),
    ],
)
def test_filters_by_state_town_arrival_year_and_home_province(cw_client, params, expected):
    from residents.models import Town

    towns = {t.code: t.pk for t in Town.objects.all()}
    params = {k: towns[v] if k == "town__id__exact" else v for k, v in params.items()}
    make_resident(name="pending-anhui-2019", verified=False, arrival_date=date(2019, 6, 1),
                  id_number=new_id_number(region="340121"))  # fmt: skip
    make_resident(name="verified-sichuan-2021", arrival_date=date(2021, 2, 1), town=Town.objects.get(code="zhoushi"),
                  id_number=new_id_number(region="510121"))  # fmt: skip
    assert {r.name for r in listed(cw_client, **params)} == expected


def test_the_list_takes_few_queries_and_never_counts_the_whole_table(
    cw_client, django_assert_max_num_queries
):
    for _ in range(30):
        make_resident(employer=make_employer())
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(16):
        page = cw_client.get(reverse(CHANGELIST), **EN)
    assert page.status_code == 200 and len(page.context["cl"].result_list) == 30
    counts = [  # the list's own count (the page header's one-line query counts the user's unread notices)
        q["sql"]
        for q in queries
        if q["sql"].upper().startswith("SELECT COUNT(") and "residents_resident" in q["sql"]
    ]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts
    first = Resident.objects.first()
    assert first.id_number_masked in page.content.decode() and first.id_number not in page.content.decode()


@own_cache("paginator-trusts-the-planner")
def test_the_paginator_trusts_the_planner_beyond_its_cap(db, monkeypatch):
    for _ in range(6):
        make_resident(with_user=False)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 3)
    assert EstimatedCountPaginator(Resident.objects.all(), 2).count >= 4
    assert EstimatedCountPaginator(Resident.objects.filter(name="nobody"), 2).count == 0


@own_cache("paginator-keeps-estimates")
def test_an_estimate_is_kept_a_minute_and_an_exact_count_never(db, monkeypatch):
    # given: a list beyond the cap, counted once, and a list within it
    for _ in range(6):
        make_resident(with_user=False, name="王")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 3)
    estimate = EstimatedCountPaginator(Resident.objects.all(), 2).count
    assert EstimatedCountPaginator(Resident.objects.filter(name="李"), 2).count == 0

    # when: both lists are counted again after more rows came
    make_resident(with_user=False, name="李")
    with CaptureQueriesContext(connection) as queries:
        again = EstimatedCountPaginator(Resident.objects.all(), 2).count

    # then: the estimate is the kept one, read without a query; the exact count is counted anew
    assert again == estimate and not queries.captured_queries
    assert EstimatedCountPaginator(Resident.objects.filter(name="李"), 2).count == 1
    assert EstimatedCountPaginator(Resident.objects.filter(name="王"), 2).count >= 4  # another query: its own


# --- verification and rejection --------------------------------------------------------------------------


def test_verifying_from_the_change_page_issues_a_card_and_tells_the_resident(cw_client, caseworker):
    # given
    resident = make_resident(verified=False)
    page = cw_client.get(change_url(resident), **EN)
    assert 'id="verify-form"' in page.content.decode()
    # when
    response = cw_client.post(reverse("admin:residents_resident_verify", args=[resident.pk]), **EN)
    # then
    assert response.status_code == 302 and response["Location"] == change_url(resident)
    resident.refresh_from_db()
    assert resident.state == Resident.State.VERIFIED
    assert re.fullmatch(r"KS\d{8}", resident.card_number)
    [notice] = notices_of(resident)
    assert "verified" in notice.body
    step = StateTransition.objects.get(object_id=resident.pk, transition="verify")
    assert step.actor == caseworker
    page = cw_client.get(change_url(resident), **EN).content.decode()
    assert resident.card_number in page and 'id="verify-form"' not in page


def test_verify_is_a_post(cw_client):
    resident = make_resident(verified=False)
    assert cw_client.get(reverse("admin:residents_resident_verify", args=[resident.pk])).status_code == 405


def test_bulk_verification_verifies_the_pending_and_reports_the_rest(cw_client):
    pending = [make_resident(verified=False) for _ in range(3)]
    already = make_resident()
    response = cw_client.post(
        reverse(CHANGELIST),
        {"action": "verify_selected", "_selected_action": [r.pk for r in [*pending, already]], "index": "0"},
        follow=True, **EN,
    )  # fmt: skip
    texts = [str(m) for m in response.context["messages"]]
    assert "3 residents verified and told." in texts
    assert any("1 resident was left unchanged" in t and already.name in t for t in texts)
    cards = set(Resident.objects.filter(pk__in=[r.pk for r in pending]).values_list("card_number", flat=True))
    assert len(cards) == 3 and None not in cards
    assert all(len(notices_of(r)) == 1 for r in pending) and notices_of(already) == []


def test_rejecting_one_asks_for_the_reason_and_refuses_without_it(cw_client):
    resident = make_resident(verified=False)
    url = reverse("admin:residents_resident_reject", args=[resident.pk])
    assert cw_client.get(url, **EN).status_code == 200
    refused = cw_client.post(url, {"reason": "   "}, **EN)
    assert refused.status_code == 200
    assert "Give the reason for the rejection" in refused.content.decode()
    resident.refresh_from_db()
    assert resident.state == Resident.State.PENDING and notices_of(resident) == []
    done = cw_client.post(url, {"reason": "The photo does not match the card."}, **EN)
    assert done.status_code == 302
    resident.refresh_from_db()
    assert resident.state == Resident.State.REJECTED
    assert resident.decision_note == "The photo does not match the card."
    [notice] = notices_of(resident)
    assert "The photo does not match the card." in notice.body


def test_bulk_rejection_goes_through_a_confirmation_page_with_a_required_reason(cw_client):
    residents = [make_resident(verified=False) for _ in range(2)]
    selection = {"action": "reject_selected", "_selected_action": [r.pk for r in residents]}
    confirm = cw_client.post(reverse(CHANGELIST), {**selection, "index": "0"}, **EN)
    assert confirm.status_code == 200
    assert "admin/residents/resident/reject_confirmation.html" in [t.name for t in confirm.templates]
    blank = cw_client.post(reverse(CHANGELIST), {**selection, "confirm": "yes", "reason": ""}, **EN)
    assert "Give the reason for the rejection" in blank.content.decode()
    assert not Resident.objects.filter(state=Resident.State.REJECTED).exists()
    done = cw_client.post(reverse(CHANGELIST), {**selection, "confirm": "yes", "reason": "Documents expired."},
                          follow=True, **EN)  # fmt: skip
    assert "2 registrations rejected; the residents have been told why." in [
        str(m) for m in done.context["messages"]
    ]
    for resident in residents:
        resident.refresh_from_db()
        assert resident.state == Resident.State.REJECTED and resident.decision_note == "Documents expired."
        assert "Documents expired." in notices_of(resident)[0].body


def test_a_bulk_action_refuses_too_large_a_selection(cw_client, monkeypatch):
    monkeypatch.setattr("residents.admin.BULK_LIMIT", 2)
    residents = [make_resident(verified=False, with_user=False) for _ in range(3)]
    response = cw_client.post(
        reverse(CHANGELIST),
        {"action": "verify_selected", "_selected_action": [r.pk for r in residents], "index": "0"},
        follow=True, **EN,
    )  # fmt: skip
    assert "Select at most 2 residents at a time." in [str(m) for m in response.context["messages"]]
    assert not Resident.objects.filter(state=Resident.State.VERIFIED).exists()
    assert BULK_LIMIT >= 100


def test_staff_who_may_only_view_residents_cannot_verify_or_reject(employment_client):
    resident = make_resident(verified=False)
    assert (
        employment_client.post(reverse("admin:residents_resident_verify", args=[resident.pk])).status_code
        == 403
    )
    assert (
        employment_client.get(reverse("admin:residents_resident_reject", args=[resident.pk])).status_code
        == 403
    )
    response = employment_client.post(
        reverse(CHANGELIST), {"action": "verify_selected", "_selected_action": [resident.pk], "index": "0"}
    )
    assert response.status_code in (200, 302)
    resident.refresh_from_db()
    assert resident.state == Resident.State.PENDING
    page = employment_client.get(change_url(resident), **EN).content.decode()
    assert 'id="verify-form"' not in page


# --- personal data: masking and the access log ---------------------------------------------------------


def test_residents_caseworkers_see_the_full_number_and_each_view_is_logged(cw_client, caseworker):
    resident = make_resident()
    make_child(resident)
    for _ in range(2):
        page = cw_client.get(change_url(resident), **EN)
        assert page.status_code == 200
        assert resident.id_number in page.content.decode()
    log = PersonalDataAccess.objects.filter(resident=resident)
    assert log.count() == 2
    assert {(e.staff, e.purpose) for e in log} == {(caseworker, PersonalDataAccess.Purpose.DETAIL)}
    child = resident.family.get()
    assert child.id_number_masked in page.content.decode() and child.id_number not in page.content.decode()


def test_other_staff_see_the_masked_number_and_leave_no_log(employment_client):
    resident = make_resident()
    page = employment_client.get(change_url(resident), **EN)
    assert page.status_code == 200
    content = page.content.decode()
    assert resident.id_number_masked in content and resident.id_number not in content
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("caseworker_residents", 200),
        ("caseworker_employment", 200),  # may view residents (matching), not change them
        ("caseworker_legal_aid", 403),
        ("lawyer", 403),
    ],
)
def test_who_may_open_the_residents_admin(client, make_user, role, status):
    client.force_login(make_user("someone", role))
    assert client.get(reverse(CHANGELIST)).status_code == status


def test_a_caseworker_of_another_domain_cannot_open_a_resident(client, make_user):
    client.force_login(make_user("cw_legal", roles.CASEWORKER_GROUPS["legal_aid"]))
    resident = make_resident()
    assert client.get(change_url(resident)).status_code == 403
    assert client.get(reverse("admin:residents_resident_import")).status_code == 403


# --- the change form: history, read-only identity, edits through services ------------------------------


def test_the_change_page_shows_state_changes_and_the_record_history(cw_client):
    resident = make_resident(verified=False)
    make_child(resident)
    cw_client.post(reverse("admin:residents_resident_verify", args=[resident.pk]))
    page = cw_client.get(change_url(resident), **EN).content.decode()
    assert "pending → verified" in page
    assert "<td>family member</td><td>created</td>" in page
    assert "registration status: pending → verified" in page
    assert "cw_residents" in page  # who did it


def test_state_card_and_identity_cannot_be_changed_in_the_form(cw_client):
    resident = make_resident(verified=False)
    page = cw_client.get(change_url(resident), **EN)
    form_fields = set(page.context["adminform"].form.fields)
    assert form_fields == {"phone", "arrival_date", "town", "address", "employer", "education", "skills"}


def post_change(client, resident, **changes):
    data = {
        "phone": resident.phone, "arrival_date": resident.arrival_date.isoformat(), "town": resident.town_id,
        "address": resident.address, "employer": resident.employer_id or "", "education": resident.education,
        "family-TOTAL_FORMS": "0", "family-INITIAL_FORMS": "0", "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0", "state": "verified", "card_number": "HACKED",
    }  # fmt: skip
    data.update(changes)
    return client.post(change_url(resident), data, **EN)


def test_editing_the_profile_goes_through_the_service(cw_client):
    resident = make_resident(verified=False)
    assert post_change(cw_client, resident, phone="13700001111", address="新地址 8 号").status_code == 302
    resident.refresh_from_db()
    assert (resident.phone, resident.address) == ("13700001111", "新地址 8 号")
    assert resident.state == Resident.State.PENDING and resident.card_number is None


def test_a_refused_edit_shows_the_services_message_and_changes_nothing(cw_client):
    resident = make_resident()
    response = post_change(cw_client, resident, arrival_date="2999-01-01")
    assert response.status_code == 200
    assert "The arrival date cannot be in the future." in response.content.decode()
    resident.refresh_from_db()
    assert resident.arrival_date == date(2020, 3, 1)


def test_adding_a_resident_at_a_service_point_refuses_a_registered_number(cw_client):
    existing = make_resident()
    town = existing.town
    data = {
        "name": "赵六", "phone": "13600001111", "arrival_date": "2022-01-10", "town": town.pk,
        "address": "前进西路 2 号", "education": "senior", "family-TOTAL_FORMS": "0", "family-INITIAL_FORMS": "0",
        "certificates-TOTAL_FORMS": "0", "certificates-INITIAL_FORMS": "0",
    }  # fmt: skip
    add_url = reverse("admin:residents_resident_add")
    duplicate = cw_client.post(add_url, {**data, "id_number": existing.id_number}, **EN)
    assert duplicate.status_code == 200
    assert "This identity number is already registered." in duplicate.content.decode()
    assert Resident.objects.count() == 1
    created = cw_client.post(add_url, {**data, "id_number": new_id_number()}, **EN)
    assert created.status_code == 302
    assert Resident.objects.get(name="赵六").state == Resident.State.PENDING


def test_residents_cannot_be_deleted_from_the_admin(cw_client):
    resident = make_resident()
    assert cw_client.get(reverse("admin:residents_resident_delete", args=[resident.pk])).status_code == 403


# --- employers --------------------------------------------------------------------------------------------


def employer_form(**values):
    from residents.models import Town

    data = {"name": "昆山精密机械有限公司", "uscc": make_uscc("91320583MC0000042"), "sector": "manufacturing",
            "town": Town.objects.get(code="bacheng").pk, "contact_name": "刘", "contact_phone": "0512-1"}  # fmt: skip
    data.update(values)
    return data


def test_registering_an_employer_validates_the_credit_code(cw_client):
    add_url = reverse("admin:residents_employer_add")
    good = employer_form()
    bad = cw_client.post(add_url, employer_form(uscc=good["uscc"][:-1] + ("0" if good["uscc"][-1] != "0" else "1")),
                         **EN)  # fmt: skip
    assert bad.status_code == 200
    assert "does not match" in bad.content.decode()
    assert not Employer.objects.exists()
    assert cw_client.post(add_url, good, **EN).status_code == 302
    assert Employer.objects.get().uscc == good["uscc"]


def test_accounts_added_to_an_employer_join_the_employer_role(cw_client):
    employer = make_employer()
    hr = factories.make_user("13500000001")
    data = employer_form(name=employer.name, accounts=[hr.pk])
    del data["uscc"]
    response = cw_client.post(reverse("admin:residents_employer_change", args=[employer.pk]), data, **EN)
    assert response.status_code == 302
    assert list(employer.accounts.all()) == [hr]
    assert hr.in_group(roles.EMPLOYER)
    employer.refresh_from_db()
    assert employer.town.code == "bacheng"
    # when the account stops acting for the employer it leaves the role
    data["accounts"] = []
    cw_client.post(reverse("admin:residents_employer_change", args=[employer.pk]), data, **EN)
    assert not employer.accounts.exists() and not hr.in_group(roles.EMPLOYER)


def test_the_account_search_serves_employer_managers_only(cw_client, employment_client):
    factories.make_user("13500000002", first_name="周")
    params = {"term": "1350000", "app_label": "residents", "model_name": "employer", "field_name": "accounts"}
    url = reverse("admin:residents_employer_account_autocomplete")
    found = cw_client.get(url, params).json()
    assert [r["text"] for r in found["results"]] == ["13500000002"]
    assert employment_client.get(url, params).status_code == 403


@pytest.mark.parametrize("query", ["精密", "uscc"])
def test_employers_are_found_by_name_or_full_credit_code(cw_client, query):
    wanted = make_employer(name="昆山精密机械有限公司")
    make_employer(name="昆山纺织有限公司")
    term = wanted.uscc if query == "uscc" else query
    response = cw_client.get(reverse("admin:residents_employer_changelist"), {"q": term})
    assert list(response.context["cl"].result_list) == [wanted]


def test_employment_caseworkers_view_employers_but_do_not_change_them(employment_client):
    employer = make_employer()
    assert employment_client.get(reverse("admin:residents_employer_changelist")).status_code == 200
    assert employment_client.get(reverse("admin:residents_employer_add")).status_code == 403
    page = employment_client.get(reverse("admin:residents_employer_change", args=[employer.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]


# --- reference tables and the access log ----------------------------------------------------------------


@pytest.mark.parametrize("model", ["town", "skill", "certificatetype", "personaldataaccess"])
def test_reference_tables_and_the_access_log_are_listed(cw_client, model):
    assert cw_client.get(reverse(f"admin:residents_{model}_changelist")).status_code == 200


def test_the_access_log_is_read_only(cw_client):
    assert cw_client.get(reverse("admin:residents_personaldataaccess_add")).status_code == 403


@pytest.mark.integration
def test_a_bulk_verification_reaches_each_resident_through_a_real_worker(
    django_db_serialized_rollback, celery_worker_process, make_user
):
    # given two pending residents and a caseworker in the admin, with a worker on the broker
    client = Client()
    client.force_login(make_user("cw_live", roles.CASEWORKER_GROUPS["residents"]))
    residents = [make_resident(verified=False) for _ in range(2)]
    # when the caseworker verifies both at once
    client.post(
        reverse(CHANGELIST),
        {"action": "verify_selected", "_selected_action": [r.pk for r in residents], "index": "0"},
    )
    # then each resident's SMS is delivered by the worker after the commit
    deliveries = NoticeDelivery.objects.filter(
        notice__recipient__in=[r.user for r in residents], channel="sms"
    )
    wait_for(lambda: set(deliveries.all().values_list("state", flat=True)) == {NoticeDelivery.State.SENT})
