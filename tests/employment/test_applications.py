"""Applications: applying, the certificate rule, the employer's steps, withdrawing, and hiring's effects."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from employment.models import Application, Job, JobSeekerProfile, Placement
from employment.services import (
    application_hire,
    application_invite,
    application_offer,
    application_reject,
    application_shortlist,
    application_submit,
    application_withdraw,
    job_close,
)
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, StateTransition
from tests.employment.factories import certificates, make_application, make_hr, make_job, make_seeker, skills

pytestmark = pytest.mark.django_db


def offered(application: Application, hr) -> Application:
    application = application_shortlist(application=application, actor=hr)
    return application_offer(application=application, actor=hr)


# --- Applying ----------------------------------------------------------------------------------------


def test_a_resident_applies_with_a_note_and_both_sides_are_told():
    # given
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    resident = make_seeker(skill_codes=["assembly"])

    # when
    application = application_submit(
        job=job, resident=resident, actor=resident.user, note=" I can start Monday "
    )

    # then
    assert (application.state, application.note) == (Application.State.SUBMITTED, "I can start Monday")
    assert Notice.objects.filter(recipient=resident.user, subject__contains=job.title).exists()
    assert Notice.objects.filter(recipient=hr, body__contains=resident.name).exists()


def test_a_construction_job_refuses_an_applicant_without_the_safety_certificate_saying_why():
    # given
    job = make_job(employer=make_hr(sector="construction")[0], essential_skills=skills("bricklaying"))
    resident = make_seeker(skill_codes=["bricklaying"])

    # when
    with pytest.raises(DomainError) as refused:
        application_submit(job=job, resident=resident, actor=resident.user)

    # then
    assert "construction safety certificate" in str(refused.value)
    assert refused.value.code == "certificate_missing"
    assert not Application.objects.exists()


def test_a_construction_job_accepts_an_applicant_with_the_safety_certificate():
    job = make_job(employer=make_hr(sector="construction")[0], essential_skills=skills("bricklaying"))
    resident = make_seeker(skill_codes=["bricklaying"], certificate_codes=["construction-safety"])

    application = application_submit(job=job, resident=resident, actor=resident.user)

    assert application.state == Application.State.SUBMITTED


def test_any_required_certificate_is_named_when_missing():
    job = make_job(required_certificates=certificates("forklift-special"))
    resident = make_seeker()

    with pytest.raises(DomainError, match="forklift special equipment certificate"):
        application_submit(job=job, resident=resident, actor=resident.user)


@pytest.mark.parametrize("state", ["draft", "closed"])
def test_only_an_open_job_takes_applications(state):
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, publish=state != "draft")
    if state == "closed":
        job_close(job=job, actor=hr)
    resident = make_seeker()

    with pytest.raises(DomainError, match="not open"):
        application_submit(job=job, resident=resident, actor=resident.user)


def test_a_resident_applies_once_but_may_apply_again_after_withdrawing():
    # given
    job = make_job()
    resident = make_seeker()
    first = application_submit(job=job, resident=resident, actor=resident.user)

    # then
    with pytest.raises(DomainError, match="already"):
        application_submit(job=job, resident=resident, actor=resident.user)

    # when
    application_withdraw(application=first, actor=resident.user)
    second = application_submit(job=job, resident=resident, actor=resident.user)

    # then
    assert second.pk != first.pk and second.state == Application.State.SUBMITTED


def test_nobody_applies_in_another_residents_name():
    job = make_job()
    resident, other = make_seeker(), make_seeker()

    with pytest.raises(DomainError) as refused:
        application_submit(job=job, resident=resident, actor=other.user)

    assert refused.value.code == "forbidden"


# --- The employer's steps ----------------------------------------------------------------------------


def test_the_employer_moves_an_application_along_and_the_resident_is_told_each_time():
    # given
    employer, hr = make_hr()
    application = make_application(job=make_job(employer=employer, account=hr))
    user = application.resident.user
    Notice.objects.all().delete()
    when = timezone.now() + timedelta(days=2)

    # when
    application = application_shortlist(application=application, actor=hr)
    application = application_invite(application=application, actor=hr, interview_at=when, place="Gate 3")
    application = application_offer(application=application, actor=hr, note="5,800 a month")

    # then
    assert application.state == Application.State.OFFERED
    assert (application.interview_at, application.interview_place) == (when, "Gate 3")
    notices = list(Notice.objects.filter(recipient=user).order_by("created_at", "id"))
    assert len(notices) == 3
    assert "shortlisted" in notices[0].body
    assert "Gate 3" in notices[1].body and "interview" in notices[1].body
    assert "offered" in notices[2].body and "5,800 a month" in notices[2].body
    steps = StateTransition.objects.filter(object_id=application.pk, content_type__model="application")
    assert [s.to_state for s in steps] == ["shortlisted", "interview", "offered"]


@pytest.mark.parametrize(
    ("interview_at", "place", "field"),
    [(timedelta(hours=-1), "Gate 3", "interview_at"), (timedelta(days=1), "  ", "interview_place"), (None, "Gate 3", "interview_at")],
)  # fmt: skip
def test_an_interview_needs_a_future_date_and_a_place(interview_at, place, field):
    employer, hr = make_hr()
    application = make_application(job=make_job(employer=employer, account=hr))

    with pytest.raises(DomainError) as refused:
        application_invite(
            application=application, actor=hr, place=place,
            interview_at=None if interview_at is None else timezone.now() + interview_at,
        )  # fmt: skip

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("steps", "refused_step"),
    [
        ([], "offer"),
        ([], "hire"),
        (["shortlist"], "hire"),
        (["reject"], "shortlist"),
        (["reject"], "withdraw"),
    ],
)
def test_steps_out_of_order_are_refused(steps, refused_step):
    employer, hr = make_hr()
    application = make_application(job=make_job(employer=employer, account=hr))
    actions = {"shortlist": application_shortlist, "offer": application_offer, "hire": application_hire,
               "reject": application_reject, "withdraw": application_withdraw}  # fmt: skip
    for step in steps:
        application = actions[step](application=application, actor=hr)

    actor = application.resident.user if refused_step == "withdraw" else hr
    with pytest.raises(DomainError, match="not allowed"):
        actions[refused_step](application=application, actor=actor)


def test_another_employer_cannot_act_on_an_application():
    application = make_application()
    _other, other_hr = make_hr()
    tomorrow = timezone.now() + timedelta(days=1)

    for action in (
        application_shortlist, application_reject, application_offer, application_hire,
        partial(application_invite, interview_at=tomorrow, place="Gate 3"),
    ):  # fmt: skip
        with pytest.raises(DomainError) as refused:
            action(application=application, actor=other_hr)
        assert refused.value.code == "forbidden"
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED


def test_a_stranger_is_refused_as_such_whatever_the_state_or_the_details():
    # given: steps the application's state would refuse, and an interview in the past
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    application = make_application(job=job)
    _other, other_hr = make_hr()
    Job.objects.filter(pk=job.pk).update(state=Job.State.CLOSED)

    # then: the stranger learns only that the step is not theirs to take
    for action in (
        application_offer, application_hire,
        partial(application_invite, interview_at=timezone.now() - timedelta(days=1), place=""),
    ):  # fmt: skip
        with pytest.raises(DomainError) as refused:
            action(application=application, actor=other_hr)
        assert refused.value.code == "forbidden"


def test_only_the_applicant_withdraws():
    application = make_application()
    _employer, hr = make_hr()

    with pytest.raises(DomainError) as refused:
        application_withdraw(application=application, actor=hr)
    assert refused.value.code == "forbidden"

    application = application_withdraw(application=application, actor=application.resident.user)
    assert application.state == Application.State.WITHDRAWN


# --- Hiring ------------------------------------------------------------------------------------------


def test_hiring_counts_a_placement_sets_the_employer_and_withdraws_the_other_applications():
    # given: the resident applied for three jobs at three employers
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, openings=2)
    resident = make_seeker(skill_codes=["assembly"])
    application = make_application(job=job, resident=resident)
    others = [make_application(job=make_job(), resident=resident) for _ in range(2)]
    application_reject(application=others[1], actor=others[1].job.employer.accounts.first())
    Notice.objects.all().delete()

    # when
    application = application_hire(application=offered(application, hr), actor=hr, note="Start on the 1st")

    # then
    assert application.state == Application.State.HIRED and application.decided_at is not None
    placement = Placement.objects.get()
    assert (placement.application, placement.job, placement.employer, placement.resident, placement.town) == (
        application, job, employer, resident, job.town,
    )  # fmt: skip
    resident.refresh_from_db()
    assert resident.employer == employer
    assert JobSeekerProfile.objects.get(resident=resident).open_to_work is False
    job.refresh_from_db()
    assert (job.hired_count, job.state) == (1, Job.State.OPEN)
    others[0].refresh_from_db()
    others[1].refresh_from_db()
    assert others[0].state == Application.State.WITHDRAWN
    assert others[1].state == Application.State.REJECTED  # ended already: left alone
    bodies = list(Notice.objects.filter(recipient=resident.user).values_list("body", flat=True))
    assert any("hired" in body and "Start on the 1st" in body for body in bodies)
    assert any("Congratulations" in body and others[0].job.title in body for body in bodies)


def test_the_last_opening_filled_fills_the_job_and_tells_its_other_applicants():
    # given
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, openings=1)
    chosen, waiting = make_application(job=job), make_application(job=job)
    Notice.objects.all().delete()

    # when
    application_hire(application=offered(chosen, hr), actor=hr)

    # then
    job.refresh_from_db()
    assert (job.state, job.hired_count) == (Job.State.FILLED, 1)
    waiting.refresh_from_db()
    assert waiting.state == Application.State.REJECTED
    assert Notice.objects.filter(recipient=waiting.resident.user, body__contains="has been filled").exists()


def test_a_filled_job_takes_no_more_applications_until_reopened_with_more_openings():
    from employment.services import job_reopen, job_update

    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, openings=1)
    application_hire(application=offered(make_application(job=job), hr), actor=hr)
    job.refresh_from_db()

    with pytest.raises(DomainError, match="raise the number of openings"):
        job_reopen(job=job, actor=hr)
    with pytest.raises(DomainError) as refused:
        job_update(job=job, actor=hr, openings=0)
    assert refused.value.field == "openings"

    job_update(job=job, actor=hr, openings=2)
    assert job_reopen(job=job, actor=hr).state == Job.State.OPEN


def test_hiring_for_a_closed_job_is_refused():
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    application = offered(make_application(job=job), hr)
    job_close(job=job, actor=hr)
    application.refresh_from_db()

    with pytest.raises(DomainError):
        application_hire(application=application, actor=hr)
    assert not Placement.objects.exists()


def test_a_caseworker_applies_for_a_resident_without_an_account_and_the_hire_sets_the_employer(make_user):
    # given: a resident registered at a service point, without a login
    caseworker = make_user("cw_employment", "caseworker_employment")
    resident = make_seeker(with_user=False, skill_codes=["assembly"])
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)

    # when
    application = application_submit(job=job, resident=resident, actor=caseworker)
    application_hire(application=offered(application, hr), actor=hr)

    # then
    resident.refresh_from_db()
    assert resident.employer == employer
    assert Placement.objects.get().resident == resident
