"""Job postings: what an employer may post, the construction rule, and the posting's life-cycle."""

from decimal import Decimal

import pytest

from employment.bits import from_words
from employment.models import Application, Job, Occupation
from employment.services import job_close, job_create, job_publish, job_reopen, job_update
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice, StateTransition
from residents.models import CertificateType, Town
from tests.employment.factories import certificates, make_application, make_hr, make_job, skills, towns
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def valid(**changes) -> dict:
    return {
        "title": "Welder",
        "occupation": Occupation.objects.get(code="welder"),
        "town": Town.objects.get(code="zhoushi"),
        "wage_min": "6000",
        "wage_max": "8000",
        "openings": 2,
    } | changes


def test_a_job_is_drafted_with_the_matchers_copy_of_its_lists():
    # given
    employer, hr = make_hr()

    # when
    job = job_create(
        employer=employer, actor=hr, **valid(
            essential_skills=skills("electric-welding"), optional_skills=skills("forklift", "warehouse"),
            required_certificates=certificates("welder-special"), shifts=["day", "night"],
            commute_towns=towns("bacheng", "zhoushi"), dormitory=True,
        ),
    )  # fmt: skip

    # then
    assert job.state == Job.State.DRAFT and job.sector == employer.sector
    assert from_words(job.essential_lo, job.essential_hi) == {s.pk for s in skills("electric-welding")}
    assert from_words(job.optional_lo, job.optional_hi) == {s.pk for s in skills("forklift", "warehouse")}
    assert (job.essential_count, job.optional_count) == (1, 2)
    assert from_words(job.certificates_lo, job.certificates_hi) == {certificates("welder-special")[0].pk}
    assert job.shifts == {"day", "night"} and job.dormitory
    assert job.commute_town_ids == [Town.objects.get(code="bacheng").pk]  # its own town is left out
    assert (job.wage_min, job.wage_max) == (Decimal("6000.00"), Decimal("8000.00"))


def test_a_construction_job_always_requires_the_safety_certificate():
    employer, hr = make_hr(sector="construction")

    job = job_create(employer=employer, actor=hr, **valid(required_certificates=[]))

    assert [c.code for c in job.required_certificates.all()] == ["construction-safety"]
    safety = CertificateType.objects.get(code="construction-safety")
    assert from_words(job.certificates_lo, job.certificates_hi) == {safety.pk}


def test_a_job_becomes_construction_later_and_gets_the_certificate():
    employer, hr = make_hr()
    job = job_create(employer=employer, actor=hr, **valid())

    job = job_update(job=job, actor=hr, sector="construction")

    assert "construction-safety" in {c.code for c in job.required_certificates.all()}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"occupation": None}, "occupation"),
        ({"town": None}, "town"),
        ({"wage_min": "9000"}, "wage_max"),
        ({"wage_min": "abc"}, "wage_min"),
        ({"wage_max": "-1"}, "wage_max"),
        ({"openings": 0}, "openings"),
        ({"openings": "many"}, "openings"),
        ({"shifts": ["siesta"]}, "shifts"),
        ({"sector": "piracy"}, "sector"),
        ({"essential_skills": "both", "optional_skills": "both"}, "optional_skills"),
    ],
)
def test_a_job_with_bad_details_is_refused_on_the_field(changes, field):
    employer, hr = make_hr()
    if changes.get("essential_skills") == "both":
        changes = {"essential_skills": skills("forklift"), "optional_skills": skills("forklift", "warehouse")}

    with pytest.raises(DomainError) as refused:
        job_create(employer=employer, actor=hr, **valid(**changes))

    assert refused.value.field == field
    assert not Job.objects.exists()


def test_only_the_employers_accounts_may_post_or_change_its_jobs():
    employer, _hr = make_hr()
    _other, other_hr = make_hr()

    with pytest.raises(DomainError) as refused:
        job_create(employer=employer, actor=other_hr, **valid())
    assert refused.value.code == "forbidden"

    job = make_job(employer=employer)
    with pytest.raises(DomainError) as refused:
        job_update(job=job, actor=other_hr, title="Mine now")
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError) as refused:
        job_close(job=job, actor=other_hr)
    assert refused.value.code == "forbidden"


def test_an_employment_caseworker_may_close_any_job():
    job = make_job()
    caseworker = make_user("cw_employment", "caseworker_employment", is_staff=True)

    job = job_close(job=job, actor=caseworker, note="Fraudulent posting")

    assert job.state == Job.State.CLOSED


def test_publishing_records_the_step_and_the_time():
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr, publish=False)

    job = job_publish(job=job, actor=hr)

    assert job.state == Job.State.OPEN and job.published_at is not None
    step = StateTransition.objects.get(object_id=job.pk, transition="publish")
    assert (step.from_state, step.to_state, step.actor) == ("draft", "open", hr)


@pytest.mark.parametrize(
    ("transition", "state"), [("publish", "open"), ("reopen", "open"), ("close", "closed")]
)
def test_a_job_moves_only_along_its_life_cycle(transition, state):
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    job_close(job=job, actor=hr)
    job.refresh_from_db()
    assert job.state == Job.State.CLOSED

    service = {"publish": job_publish, "reopen": job_reopen, "close": job_close}[transition]
    if transition == "reopen":
        assert service(job=job, actor=hr).state == state
    else:
        with pytest.raises(DomainError, match="not allowed"):
            service(job=job, actor=hr)


def test_closing_a_job_ends_its_applications_politely():
    # given
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    application = make_application(job=job)
    Notice.objects.all().delete()

    # when
    job_close(job=job, actor=hr)

    # then
    application.refresh_from_db()
    assert application.state == Application.State.REJECTED
    notice = Notice.objects.get(recipient=application.resident.user)
    assert "closed the job posting" in notice.body and job.title in notice.body


def test_a_closed_job_cannot_be_changed_until_reopened():
    employer, hr = make_hr()
    job = make_job(employer=employer, account=hr)
    job_close(job=job, actor=hr)

    with pytest.raises(DomainError, match="reopen"):
        job_update(job=job, actor=hr, title="Another")
