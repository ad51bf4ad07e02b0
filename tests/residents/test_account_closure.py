"""Closing a resident's account: asked with the password, cancellable during the grace period, then
personal data erased and the login disabled, while the records the law requires are kept."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from kunshan_portal import roles
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice
from residents import services
from residents.models import AccountClosure, FamilyMember, Resident
from tests.education.factories import make_application, make_school, make_school_child, make_seats
from tests.factories import make_child, make_employer, make_resident, make_user
from tests.insurance.factories import make_enrolment

PASSWORD = "Kunshan-2026!"


@pytest.fixture
def resident(db):
    resident = make_resident(employer=make_employer(), name="李娜", address="前进中路 8 号")
    make_child(resident, name="李小朋")
    return resident


def past_grace(closure):
    AccountClosure.objects.filter(pk=closure.pk).update(due_at=timezone.now() - timedelta(minutes=1))


def test_a_request_waits_for_the_grace_period_and_tells_the_resident(resident, settings):
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    assert closure.state == AccountClosure.State.REQUESTED
    expected = timezone.now() + timedelta(days=settings.KUNSHAN_CLOSURE_GRACE_DAYS)
    assert abs(closure.due_at - expected) < timedelta(minutes=1)
    assert Notice.objects.filter(recipient=resident.user, subject="Your account will be closed").exists()
    # nothing is erased yet, and the daily run leaves it alone
    assert services.account_closures_due() == 0
    resident.refresh_from_db()
    assert resident.name == "李娜" and resident.user.is_active


def test_asking_twice_is_refused(resident):
    services.account_closure_request(resident=resident, actor=resident.user)
    with pytest.raises(DomainError, match="already asked"):
        services.account_closure_request(resident=resident, actor=resident.user)


def test_only_the_resident_can_ask(resident):
    other = make_resident()
    with pytest.raises(DomainError):
        services.account_closure_request(resident=resident, actor=other.user)
    assert not AccountClosure.objects.exists()


def test_cancelling_keeps_everything_and_allows_a_new_request_later(resident):
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    services.account_closure_cancel(closure=closure, actor=resident.user)
    past_grace(closure)
    assert services.account_closures_due() == 0
    resident.refresh_from_db()
    assert resident.name == "李娜"
    assert services.account_closure_request(resident=resident, actor=resident.user).pk != closure.pk


def test_after_the_grace_period_the_daily_run_erases_and_keeps_what_the_law_requires(resident):
    # given: an insurance enrolment and a school application for the child (records the law keeps)
    enrolment = make_enrolment(resident=resident)
    school = make_school()
    make_seats(school, seats=2)
    child = make_school_child(resident, name="李小学")
    make_application(schools=[school], parent=resident, child=child)
    user = resident.user
    phone = resident.phone
    id_number = resident.id_number
    closure = services.account_closure_request(resident=resident, actor=user)
    past_grace(closure)

    # when
    assert services.account_closures_due() == 1

    # then: personal data erased
    resident.refresh_from_db()
    assert (resident.name, resident.phone, resident.address, resident.employer) == ("已注销", "", "", None)
    assert not resident.skills.exists()
    # the child without other records is gone, the child placed in a school keeps only the number
    assert list(FamilyMember.objects.filter(resident=resident).values_list("name", flat=True)) == ["已注销"]
    # the login no longer works and no longer carries the phone
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert user.username != phone and user.phone == "" and user.email == ""
    assert not Notice.objects.filter(recipient=user).exists()
    # kept: the identity number (encrypted), the insurance enrolment, the school application
    assert resident.id_number == id_number
    assert enrolment.__class__.objects.filter(pk=enrolment.pk, resident=resident).exists()
    closure.refresh_from_db()
    assert closure.state == AccountClosure.State.CLOSED and closure.closed_by is None
    assert closure.kept.get("insurance.enrolment") == 1
    assert closure.kept.get("education.application") == 1


def test_the_history_still_says_who_did_what_but_not_the_erased_values(resident, client):
    caseworker = make_user("cw_residents", roles.CASEWORKER_GROUPS["residents"], is_staff=True)
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    services.account_closure_carry_out(closure=closure, actor=caseworker)
    events = apps.get_model("residents", "ResidentEvent").objects.filter(pgh_obj_id=resident.pk)
    assert events.exists()
    assert not events.filter(name="李娜").exists()
    assert not events.exclude(phone="").exists()
    closure.refresh_from_db()
    assert closure.closed_by == caseworker and closure.requested_by_id == resident.user_id
    assert closure.events.filter(state="closed").exists()


def test_a_caseworker_of_another_domain_cannot_close_it(resident):
    outsider = make_user("cw_housing", roles.CASEWORKER_GROUPS["housing"], is_staff=True)
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    with pytest.raises(DomainError):
        services.account_closure_carry_out(closure=closure, actor=outsider)
    resident.refresh_from_db()
    assert resident.name == "李娜"


def test_the_daily_run_twice_does_nothing_more(resident):
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    past_grace(closure)
    assert services.account_closures_due() == 1
    assert services.account_closures_due() == 0


# --- The page -------------------------------------------------------------------------------------------


def test_the_page_asks_for_the_password_and_the_confirmation(client, resident):
    client.force_login(resident.user)
    page = client.get(reverse("residents:me-close"))
    assert page.status_code == 200
    assert 'for="id_password"' in page.content.decode() and 'for="id_understood"' in page.content.decode()
    wrong = client.post(reverse("residents:me-close"), {"password": "nope", "understood": "on"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    assert not AccountClosure.objects.exists()
    done = client.post(reverse("residents:me-close"), {"password": PASSWORD, "understood": "on"})
    assert done.status_code == 302
    assert AccountClosure.objects.get().state == AccountClosure.State.REQUESTED
    page = client.get(reverse("residents:me-close")).content.decode()
    assert "Cancel the request and keep my account" in page
    client.post(reverse("residents:me-close"), {"action": "cancel"})
    assert AccountClosure.objects.get().state == AccountClosure.State.CANCELLED


def test_after_closing_the_old_login_fails(client, resident):
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    username = resident.user.username
    client.force_login(resident.user)
    past_grace(closure)
    services.account_closures_due()
    # the open session ends, and the old phone and password no longer log in
    assert client.get(reverse("residents:me")).status_code == 302
    refused = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert refused.status_code == 200


# --- The API --------------------------------------------------------------------------------------------


def test_the_api_requests_shows_and_cancels(client, resident):
    client.force_login(resident.user)
    url = reverse("residents-close")
    assert client.get(url).status_code == 404
    wrong = client.post(url, {"password": "nope"}, content_type="application/json")
    assert wrong.status_code == 400 and "password" in wrong.json()["errors"]
    made = client.post(url, {"password": PASSWORD}, content_type="application/json")
    assert made.status_code == 201 and made.json()["state"] == "requested"
    again = client.post(url, {"password": PASSWORD}, content_type="application/json")
    assert again.status_code == 400
    assert client.get(url).json()["state"] == "requested"
    assert client.delete(url).json()["state"] == "cancelled"
    assert client.delete(url).status_code == 404


def test_the_admin_lists_requests_and_closes_now(client, resident):
    caseworker = make_user("cw_residents", roles.CASEWORKER_GROUPS["residents"], is_staff=True)
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    client.force_login(caseworker)
    listing = client.get(reverse("admin:residents_accountclosure_changelist"))
    assert listing.status_code == 200
    client.post(
        reverse("admin:residents_accountclosure_changelist"),
        {"action": "close_now", "_selected_action": [closure.pk]},
    )
    closure.refresh_from_db()
    assert closure.state == AccountClosure.State.CLOSED and closure.closed_by == caseworker
    assert Resident.objects.get(pk=resident.pk).name == "已注销"


def test_a_legal_aid_case_in_progress_keeps_the_account_open_until_it_ends(client, resident):
    """The station and the lawyer must be able to reach the applicant; erasing the phone mid-case would
    leave the resident without news of their own claim."""
    from legal_aid.services import case_withdraw
    from tests.legal_aid.factories import file_case

    # given
    case = file_case(applicant=resident)

    # when: the resident asks, on the page and through the service
    client.force_login(resident.user)
    page = client.post(
        reverse("residents:me-close"), {"password": PASSWORD, "understood": "on"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    # then: refused with the reason, and nothing asked
    assert page.status_code == 200 and case.reference in page.content.decode()
    assert not AccountClosure.objects.exists()
    chinese = client.get(reverse("residents:me-close"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"您的法律援助案件 {case.reference} 仍在办理中" in chinese
    with pytest.raises(DomainError, match=case.reference):
        services.account_closure_request(resident=resident, actor=resident.user)

    # when the case is withdrawn, the account can be closed
    case_withdraw(case=case, actor=resident.user)
    assert services.account_closure_request(resident=resident, actor=resident.user).state == "requested"


def test_a_case_filed_during_the_grace_period_holds_the_closure_until_it_ends(resident):
    from legal_aid.services import case_withdraw
    from tests.legal_aid.factories import file_case

    # given
    closure = services.account_closure_request(resident=resident, actor=resident.user)
    case = file_case(applicant=resident)
    past_grace(closure)

    # when
    held = services.account_closures_due()
    case_withdraw(case=case, actor=resident.user)
    closed = services.account_closures_due()

    # then
    assert (held, closed) == (0, 1)
    closure.refresh_from_db()
    assert closure.state == AccountClosure.State.CLOSED


def test_a_closed_account_is_no_longer_offered_to_employers_as_a_candidate(db):
    from employment.models import JobSeekerProfile
    from employment.selectors import job_candidates
    from tests.employment.factories import make_job, make_seeker, skills

    # given: a welder looking for work, with a wage floor and shifts of their own, matches a welding job
    welder = make_seeker(skill_codes=["electric-welding"])
    JobSeekerProfile.objects.filter(pk=welder.pk).update(wage_floor=6000, acceptable_shift_mask=1)
    job = make_job(essential_skills=skills("electric-welding"), optional_skills=[])
    assert welder.pk in {match.resident.pk for match in job_candidates(job=job)}

    # when the account is closed
    closure = services.account_closure_request(resident=welder, actor=welder.user)
    past_grace(closure)
    services.account_closures_due()

    # then: not a candidate any more, and what they looked for is gone with the rest
    assert welder.pk not in {match.resident.pk for match in job_candidates(job=job)}
    profile = JobSeekerProfile.objects.get(pk=welder.pk)
    assert (
        profile.open_to_work,
        profile.wage_floor,
        profile.acceptable_shift_mask,
        profile.willing_town_ids,
    ) == (False, None, 0, [])
