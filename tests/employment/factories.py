"""Factories of the employment tests: employers with an HR account, jobs, applications."""

import itertools
from decimal import Decimal

from employment.models import Application, Job, Occupation
from employment.services import application_submit, job_create, job_publish
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
