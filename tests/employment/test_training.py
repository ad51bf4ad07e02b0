"""Training programmes: enrolment and the waiting list, attendance, completion and the certificate it
issues, which counts in job matching at once; the training offered under missing skills; monthly figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from employment import selectors
from employment.models import Attendance, Enrolment, TrainingProgramme
from employment.services import (
    application_submit,
    training_attendance_mark,
    training_complete,
    training_enrol,
    training_fail,
    training_withdraw,
)
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice
from residents.models import ResidentCertificate, Sector
from tests.employment.factories import (
    certificates,
    make_hr,
    make_job,
    make_programme,
    make_seeker,
    make_training_caseworker,
    run_programme,
    skills,
)

pytestmark = pytest.mark.django_db


def enrol(programme, resident=None) -> Enrolment:
    resident = resident or make_seeker()
    return training_enrol(programme=programme, resident=resident, actor=resident.user)


def attended_all(programme, enrolments, caseworker) -> None:
    for session in programme.session_list.all():
        training_attendance_mark(session=session, present=enrolments, actor=caseworker)


# --- Enrolment and the waiting list ----------------------------------------------------------------


def test_enrolment_takes_a_seat_and_a_full_programme_puts_the_next_on_the_waiting_list():
    # given two seats
    programme = make_programme(seats=2)

    # when three residents enrol
    first, second, third = enrol(programme), enrol(programme), enrol(programme)

    # then
    assert [first.state, second.state, third.state] == ["enrolled", "enrolled", "waitlisted"]
    programme.refresh_from_db()
    assert (programme.enrolled_count, programme.seats_left) == (2, 0)
    assert selectors.training_waitlist_position(third) == 1
    assert Notice.objects.filter(recipient=third.resident.user, subject__startswith="Waiting list").exists()


def test_a_withdrawal_moves_the_first_on_the_waiting_list_up_and_tells_them():
    # given a full programme with two waiting
    programme = make_programme(seats=1)
    holder, waiting_first, waiting_second = enrol(programme), enrol(programme), enrol(programme)

    # when the holder withdraws
    training_withdraw(enrolment=holder, actor=holder.resident.user)

    # then the first waiting gets the seat, the second moves to first place
    states = dict(Enrolment.objects.values_list("pk", "state"))
    assert states == {holder.pk: "withdrawn", waiting_first.pk: "enrolled", waiting_second.pk: "waitlisted"}
    assert selectors.training_waitlist_position(Enrolment.objects.get(pk=waiting_second.pk)) == 1
    programme.refresh_from_db()
    assert programme.enrolled_count == 1
    assert Notice.objects.filter(
        recipient=waiting_first.resident.user, subject=f"A seat is yours: {programme.title}"
    ).exists()


def test_leaving_the_waiting_list_frees_no_seat():
    programme = make_programme(seats=1)
    holder, waiting = enrol(programme), enrol(programme)

    training_withdraw(enrolment=waiting, actor=waiting.resident.user)

    assert Enrolment.objects.get(pk=holder.pk).state == "enrolled"
    programme.refresh_from_db()
    assert programme.enrolled_count == 1


def test_a_resident_enrols_once_but_may_enrol_again_after_withdrawing():
    programme = make_programme()
    resident = make_seeker()
    first = enrol(programme, resident)

    with pytest.raises(DomainError, match="enrolled in this programme already"):
        enrol(programme, resident)
    training_withdraw(enrolment=first, actor=resident.user)
    again = enrol(programme, resident)

    assert again.state == "enrolled"
    assert Enrolment.objects.filter(resident=resident).count() == 2


def test_enrolment_closes_when_the_programme_starts():
    programme = run_programme(make_programme(), days_ago=0)
    resident = make_seeker()

    with pytest.raises(DomainError, match="started already"):
        enrol(programme, resident)
    assert not Enrolment.objects.exists()


def test_a_resident_cannot_enrol_someone_else_nor_withdraw_their_place():
    programme = make_programme()
    resident, other = make_seeker(), make_seeker()
    with pytest.raises(DomainError, match="only for yourself"):
        training_enrol(programme=programme, resident=resident, actor=other.user)
    enrolment = enrol(programme, resident)
    with pytest.raises(DomainError, match="not allowed"):
        training_withdraw(enrolment=enrolment, actor=other.user)
    assert Enrolment.objects.get(pk=enrolment.pk).state == "enrolled"


def test_the_database_never_lets_more_enrolled_than_seats():
    from django.db import IntegrityError, transaction

    programme = make_programme(seats=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingProgramme.objects.filter(pk=programme.pk).update(enrolled_count=2)


# --- Attendance and completion -----------------------------------------------------------------------


def test_completion_needs_the_required_attendance():
    # given a trainee present at two of three sessions
    caseworker = make_training_caseworker()
    programme = make_programme(sessions=3)
    enrolment = enrol(programme)
    programme = run_programme(programme)
    first, second, third = programme.session_list.all()
    training_attendance_mark(session=first, present=[enrolment], actor=caseworker)
    training_attendance_mark(session=second, present=[enrolment], actor=caseworker)
    training_attendance_mark(session=third, present=[], actor=caseworker)

    # when / then
    with pytest.raises(DomainError, match="attended 2 of the 3 sessions"):
        training_complete(enrolment=enrolment, actor=caseworker)
    assert Enrolment.objects.get(pk=enrolment.pk).state == "enrolled"
    assert not ResidentCertificate.objects.filter(resident=enrolment.resident).exists()

    # when the sheet of the third session is corrected
    training_attendance_mark(session=third, present=[enrolment], actor=caseworker)
    completed = training_complete(enrolment=enrolment, actor=caseworker)
    assert completed.state == "completed"
    assert Attendance.objects.filter(enrolment=enrolment, present=True).count() == 3


def test_attendance_is_marked_only_from_the_day_of_the_session_and_only_for_trainees():
    caseworker = make_training_caseworker()
    programme = make_programme()
    enrolment = enrol(programme)
    session = programme.session_list.first()
    with pytest.raises(DomainError, match="from the day of the session"):
        training_attendance_mark(session=session, present=[enrolment], actor=caseworker)
    other_programme = run_programme(make_programme())
    with pytest.raises(DomainError, match="Only trainees enrolled"):
        training_attendance_mark(
            session=other_programme.session_list.first(), present=[enrolment], actor=caseworker
        )
    assert not Attendance.objects.exists()


def test_residents_cannot_mark_attendance_nor_complete():
    programme = make_programme()
    enrolment = enrol(programme)
    programme = run_programme(programme)
    with pytest.raises(DomainError, match="mark attendance"):
        training_attendance_mark(
            session=programme.session_list.first(), present=[enrolment], actor=enrolment.resident.user
        )
    with pytest.raises(DomainError, match="caseworkers"):
        training_complete(enrolment=enrolment, actor=enrolment.resident.user)


def test_the_host_employer_of_a_workshop_marks_attendance():
    employer, hr = make_hr()
    programme = make_programme(kind=TrainingProgramme.Kind.WORKSHOP, employer=employer, skill="appliance-repair",
                               certificate=None)  # fmt: skip
    enrolment = enrol(programme)
    programme = run_programme(programme)

    present = training_attendance_mark(session=programme.session_list.first(), present=[enrolment], actor=hr)

    assert present == 1
    _, other_hr = make_hr()
    with pytest.raises(DomainError, match="mark attendance"):
        training_attendance_mark(session=programme.session_list.first(), present=[], actor=other_hr)


def test_completion_issues_the_certificate_and_the_job_needing_it_becomes_a_match_at_once():
    # given a welding job that requires the welder certificate, and a resident without it
    job = make_job(
        title="Welder", essential_skills=skills("electric-welding"), optional_skills=[],
        required_certificates=certificates("welder-special"), shifts=["day"],
    )  # fmt: skip
    resident = make_seeker(skill_codes=["assembly"])
    before = selectors.job_match_for_resident(job=job, resident=resident)
    assert not before.eligible
    assert [c.code for c in before.certificates_missing] == ["welder-special"]
    assert before.score == 20  # no essential skill held; no optional skill asked

    # when the resident completes the welding course
    caseworker = make_training_caseworker()
    programme = make_programme(skill="electric-welding", certificate="welder-special")
    enrolment = enrol(programme, resident)
    programme = run_programme(programme)
    attended_all(programme, [enrolment], caseworker)
    completed = training_complete(enrolment=enrolment, actor=caseworker)

    # then the certificate is on the profile, earned through the programme, dated today
    certificate = ResidentCertificate.objects.get(resident=resident, certificate_type__code="welder-special")
    assert (certificate.source, certificate.obtained_on) == ("programme", timezone.localdate())
    assert completed.certificate_id == certificate.pk
    assert resident.skills.filter(code="electric-welding").exists()
    # and the job is a full match right away
    after = selectors.job_match_for_resident(job=job, resident=resident)
    assert after.eligible
    assert after.score == 100
    assert job.pk in [m.job.pk for m in selectors.job_recommendations(resident=resident)]
    assert Notice.objects.filter(recipient=resident.user, subject__startswith="Training completed").exists()


def test_construction_safety_training_opens_construction_jobs():
    # given a construction job (the safety certificate is required by the rules)
    employer, hr = make_hr(sector=Sector.CONSTRUCTION)
    job = make_job(employer=employer, account=hr, sector=Sector.CONSTRUCTION, essential_skills=skills("bricklaying"),
                   optional_skills=[])  # fmt: skip
    resident = make_seeker(skill_codes=["bricklaying"])
    with pytest.raises(DomainError, match="construction safety certificate"):
        application_submit(job=job, resident=resident, actor=resident.user)

    # when the resident completes the construction safety training
    caseworker = make_training_caseworker()
    programme = make_programme(
        kind=TrainingProgramme.Kind.SAFETY, skill="bricklaying", certificate="construction-safety", sessions=1
    )
    enrolment = enrol(programme, resident)
    programme = run_programme(programme)
    attended_all(programme, [enrolment], caseworker)
    training_complete(enrolment=enrolment, actor=caseworker)

    # then the application goes through
    application = application_submit(job=job, resident=resident, actor=resident.user)
    assert application.state == "submitted"


def test_a_declared_certificate_becomes_one_earned_through_the_programme():
    resident = make_seeker(certificate_codes=["welder-special"])
    caseworker = make_training_caseworker()
    programme = make_programme()
    enrolment = enrol(programme, resident)
    programme = run_programme(programme)
    attended_all(programme, [enrolment], caseworker)

    training_complete(enrolment=enrolment, actor=caseworker)

    certificate = ResidentCertificate.objects.get(resident=resident)
    assert certificate.source == "programme"


def test_a_trainee_who_did_not_complete_is_recorded_and_told():
    caseworker = make_training_caseworker()
    programme = make_programme()
    enrolment = enrol(programme)
    run_programme(programme)

    failed = training_fail(enrolment=enrolment, actor=caseworker, note="Missed the practical test.")

    assert failed.state == "failed"
    assert Notice.objects.filter(
        recipient=enrolment.resident.user, body__contains="Missed the practical test"
    ).exists()
    with pytest.raises(DomainError, match="Only an enrolled trainee"):
        training_complete(enrolment=failed, actor=caseworker)


# --- Missing skills → training -----------------------------------------------------------------------


def test_a_missing_skill_lists_the_open_programmes_that_teach_it_with_links():
    # given programmes teaching welding: one full (waiting list), one open, one started, one of another skill
    full_course = make_programme(title="Welding, full", seats=1)
    enrol(full_course)
    open_course = make_programme(title="Welding for beginners")
    run_programme(make_programme(title="Welding, under way"), days_ago=1)
    make_programme(title="Forklift", skill="forklift", certificate="forklift-special")

    # when
    offers = selectors.training_programmes_for_skills(["electric-welding", "sewing"])

    # then: open ones only, those with seats first, each linking to its page
    assert list(offers) == ["electric-welding"]
    assert [o.title for o in offers["electric-welding"]] == ["Welding for beginners", "Welding, full"]
    assert offers["electric-welding"][0].url == f"/employment/training/{open_course.pk}/"
    assert offers["electric-welding"][0].provider == "Kunshan Job Skills Training Centre"


def test_each_missing_skill_lists_at_most_three_programmes_the_soonest_first():
    # given five open welding courses and one sewing course
    soon = timezone.localdate() + timedelta(days=2)
    for days in (40, 10, 30, 20, 50):
        make_programme(title=f"Welding in {days} days", starts_on=soon + timedelta(days=days),
                       ends_on=soon + timedelta(days=days + 2))  # fmt: skip
    make_programme(title="Sewing", skill="sewing", certificate=None)

    # when
    offers = selectors.training_programmes_for_skills(["electric-welding", "sewing"])

    # then
    assert [o.title for o in offers["electric-welding"]] == [
        "Welding in 10 days", "Welding in 20 days", "Welding in 30 days"
    ]  # fmt: skip
    assert [o.title for o in offers["sewing"]] == ["Sewing"]


def test_the_explanation_of_a_job_links_the_missing_skill_to_its_training(client):
    job = make_job(essential_skills=skills("electric-welding"), optional_skills=[])
    resident = make_seeker(skill_codes=["assembly"])
    programme = make_programme(title="Welding for beginners")

    explanation = selectors.job_match_for_resident(job=job, resident=resident)
    assert [o.title for o in explanation.training["electric-welding"]] == ["Welding for beginners"]

    client.force_login(resident.user)
    page = client.get(f"/employment/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="/employment/training/{programme.pk}/"' in page.content.decode()


# --- Figures for the dashboards ------------------------------------------------------------------------


def test_monthly_figures_count_enrolled_completed_certified_and_subsidies_paid():
    from employment.services import (
        subsidy_claim_approve,
        subsidy_claim_mark_paid,
        subsidy_claim_submit,
        subsidy_claims_export,
    )

    caseworker = make_training_caseworker()
    programme = make_programme(seats=3, certificate="nvq-electronics-1", skill="assembly")
    other_town = make_programme(seats=3, town=programme.town.__class__.objects.get(code="bacheng"))
    trainees = [enrol(programme), enrol(programme)]
    enrol(other_town)
    programme = run_programme(programme)
    attended_all(programme, trainees[:1], caseworker)
    completed = training_complete(enrolment=trainees[0], actor=caseworker)
    claim = subsidy_claim_submit(certificate=completed.certificate, actor=completed.resident.user)
    subsidy_claim_approve(claim=claim, actor=caseworker)
    subsidy_claims_export(claims=[claim], actor=caseworker)
    subsidy_claim_mark_paid(claim=claim, actor=caseworker)

    rows = selectors.training_monthly_figures(months=3)
    yushan = selectors.training_monthly_figures(months=3, town_code="yushan")

    this_month = timezone.localdate().replace(day=1)
    assert [row["month"] for row in rows][-1] == this_month
    assert len(rows) == 3 and rows[0]["month"] < rows[1]["month"] < rows[2]["month"]
    assert rows[0] == {"month": rows[0]["month"], "enrolled": 0, "completed": 0, "certified": 0,
                       "subsidies_paid": 0, "subsidies_paid_amount": Decimal("0.00")}  # fmt: skip
    assert {k: rows[-1][k] for k in ("enrolled", "completed", "certified", "subsidies_paid")} == {
        "enrolled": 3, "completed": 1, "certified": 1, "subsidies_paid": 1,
    }  # fmt: skip
    assert rows[-1]["subsidies_paid_amount"] == Decimal("800.00")
    assert yushan[-1]["enrolled"] == 2
    assert selectors.training_monthly_figures(months=0) == []


def test_monthly_figures_put_each_event_in_its_own_month():
    caseworker = make_training_caseworker()
    programme = make_programme(seats=3)
    enrolment = enrol(programme)
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=timezone.now() - timedelta(days=40))
    programme = run_programme(programme)
    attended_all(programme, [enrolment], caseworker)
    training_complete(enrolment=enrolment, actor=caseworker)

    rows = selectors.training_monthly_figures(months=3)

    assert sum(row["enrolled"] for row in rows) == 1
    assert rows[-1]["enrolled"] == 0
    assert rows[-1]["completed"] == 1


# --- Demo data -----------------------------------------------------------------------------------------


def test_the_demo_has_programmes_a_safety_course_completions_and_a_claim_and_runs_once():
    import io
    import random

    from employment import demo
    from employment.models import SubsidyClaim
    from kunshan_portal.management.commands.seed_demo import Command
    from residents import demo as residents_demo

    accounts = Command().create_accounts()
    out = io.StringIO()
    residents_demo.seed_demo(
        accounts=accounts, rng=random.Random(7), options={"residents": 40, "seed": 7}, stdout=out
    )

    demo.seed_demo_training(accounts=accounts, rng=random.Random(7), stdout=out)
    counts = (TrainingProgramme.objects.count(), Enrolment.objects.count(), SubsidyClaim.objects.count())
    demo.seed_demo_training(accounts=accounts, rng=random.Random(7), stdout=out)

    assert (
        TrainingProgramme.objects.count(),
        Enrolment.objects.count(),
        SubsidyClaim.objects.count(),
    ) == counts
    assert counts[0] == len(demo.PROGRAMMES)
    assert TrainingProgramme.objects.filter(kind="safety", certificate__code="construction-safety").exists()
    assert TrainingProgramme.objects.filter(kind="workshop", employer__accounts=accounts["employer"]).exists()
    assert Enrolment.objects.filter(state="waitlisted").exists()
    assert Enrolment.objects.filter(state="completed", certificate__isnull=False).exists()
    assert SubsidyClaim.objects.filter(resident__user=accounts["resident"]).count() == 1
    assert "demo training programmes exist already" in out.getvalue()
