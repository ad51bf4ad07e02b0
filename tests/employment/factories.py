"""Factories of the employment tests: employers with an HR account, jobs, applications."""

import itertools
from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from employment.models import Application, Job, Occupation, TrainingProgramme, TrainingSession
from employment.services import application_submit, fair_schedule, job_create, job_publish
from kunshan_portal import roles
from residents.models import CertificateType, ResidentCertificate, Skill, Town
from tests.factories import make_employer, make_resident, make_user

_sequence = itertools.count(1)


def skills(*codes: str) -> list[Skill]:
    return list(Skill.objects.filter(code__in=codes))


def certificates(*codes: str) -> list[CertificateType]:
    return list(CertificateType.objects.filter(code__in=codes))


def towns(*codes: str) -> list[Town]:
    return list(Town.objects.filter(code__in=codes))


def make_hr(employer=None, **employer_fields):
    """An employer with one HR account in the employer role; returns (employer, account)."""
    employer = employer or make_employer(**employer_fields)
    account = make_user(f"hr{next(_sequence)}", roles.EMPLOYER, language="en")
    employer.accounts.add(account)
    return employer, account


def make_job(*, employer=None, account=None, publish: bool = True, **values) -> Job:
    """A job posting made through the service (published unless ``publish=False``)."""
    if employer is None:
        employer, account = make_hr()
    elif account is None:
        account = employer.accounts.first() or make_hr(employer)[1]
    defaults = {
        "title": f"Assembler {next(_sequence)}",
        "occupation": Occupation.objects.get(code="electronics-assembler"),
        "town": Town.objects.get(code="yushan"),
        "wage_min": Decimal("5000"),
        "wage_max": Decimal("6500"),
        "openings": 3,
        "shifts": ["day"],
        "essential_skills": skills("assembly"),
        "optional_skills": skills("quality-inspection"),
    }
    job = job_create(employer=employer, actor=account, **(defaults | values))
    if publish:
        job = job_publish(job=job, actor=account)
    return job


def make_seeker(*, skill_codes=(), certificate_codes=(), town: str = "yushan", **fields):
    """A resident (verified by default) holding these skills and certificates; their notices in English."""
    resident = make_resident(town=Town.objects.get(code=town), **fields)
    if resident.user is not None:
        type(resident.user).objects.filter(pk=resident.user_id).update(language="en")
        resident.user.language = "en"
    resident.skills.set(skills(*skill_codes))
    for certificate in certificates(*certificate_codes):
        ResidentCertificate.objects.create(resident=resident, certificate_type=certificate)
    return resident


def make_application(*, job=None, resident=None, note: str = "") -> Application:
    job = job or make_job()
    resident = resident or make_seeker(skill_codes=["assembly"])
    return application_submit(job=job, resident=resident, actor=resident.user, note=note)


# --- Recruitment fairs ---


def make_fair_caseworker():
    """An employment caseworker: schedules fairs and checks residents in."""
    return make_user(f"cwfair{next(_sequence)}", roles.CASEWORKER_GROUPS["employment"], is_staff=True)


def make_fair(*, actor=None, days_ahead: int = 7, **values):
    """A fair scheduled through the service, a week ahead by default, 09:00–12:00 with 2 places."""
    defaults = {
        "title": f"Job fair {next(_sequence)}",
        "date": timezone.localdate() + timedelta(days=days_ahead),
        "starts_at": time(9, 0),
        "ends_at": time(12, 0),
        "venue": "Kunshan Human Resources Market",
        "town": Town.objects.get(code="yushan"),
        "capacity": 2,
    }
    return fair_schedule(actor=actor or make_fair_caseworker(), **(defaults | values))


# --- Training programmes and subsidies ---


def make_training_caseworker(username: str | None = None):
    """An employment caseworker: marks attendance, records completions, decides subsidy claims."""
    return make_user(
        username or f"trainer{next(_sequence)}", roles.CASEWORKER_GROUPS["employment"], is_staff=True
    )


def make_programme(*, skill: str = "electric-welding", certificate: str | None = "welder-special",
                   sessions: int = 3, **values) -> TrainingProgramme:  # fmt: skip
    """A programme as a caseworker sets it up in the admin, starting in a week, with its sessions."""
    starts = timezone.localdate() + timedelta(days=7)
    defaults = {
        "title": f"Welding course {next(_sequence)}",
        "kind": TrainingProgramme.Kind.COURSE,
        "skill": Skill.objects.get(code=skill),
        "certificate": CertificateType.objects.get(code=certificate) if certificate else None,
        "provider": "Kunshan Job Skills Training Centre",
        "town": Town.objects.get(code="yushan"),
        "location": "前进西路 1 号 training centre",
        "seats": 2,
        "starts_on": starts,
        "ends_on": starts + timedelta(days=sessions - 1),
        "sessions": sessions,
        "sessions_required": sessions,
    }
    programme = TrainingProgramme.objects.create(**(defaults | values))
    for number in range(1, programme.sessions + 1):
        TrainingSession.objects.create(
            programme=programme, number=number, date=programme.starts_on + timedelta(days=number - 1)
        )
    return programme


def run_programme(programme: TrainingProgramme, days_ago: int = 10) -> TrainingProgramme:
    """Move the programme (and its sessions) into the past, as if it had taken place."""
    shift = programme.starts_on - (timezone.localdate() - timedelta(days=days_ago))
    TrainingProgramme.objects.filter(pk=programme.pk).update(
        starts_on=programme.starts_on - shift, ends_on=programme.ends_on - shift
    )
    for session in programme.session_list.all():
        TrainingSession.objects.filter(pk=session.pk).update(date=session.date - shift)
    programme.refresh_from_db()
    return programme
