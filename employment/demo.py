"""Demo data of the employment app: job postings of the demo employers, applications at every step,
a few hires (placements for the dashboards) and the demo resident's preferences. Idempotent: it does
nothing once demo jobs exist. Everything goes through the services, as a real employer's would.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from employment.models import Application, Job, Occupation, Placement
from employment.services import (
    application_hire,
    application_invite,
    application_offer,
    application_reject,
    application_shortlist,
    application_submit,
    job_close,
    job_create,
    job_publish,
    jobseeker_preferences_update,
)
from kunshan_portal.errors import DomainError
from residents.models import CertificateType, Employer, Resident, Skill, Town
from residents.selectors import employer_for_user, resident_for_user

JOBS = 120
DEMO_MARK = "\n\n(demo posting)"

# occupation code: (title, essential skills, optional skills, certificates, wage range)
POSTINGS = {
    "electronics-assembler": ("电子装配工 Electronics assembler", ["assembly"], ["quality-inspection"], [], (4800, 6200)),
    "smt-operator": ("SMT操作员 SMT operator", ["smt-operation"], ["assembly", "computer-operation"], [], (5200, 6800)),
    "quality-inspector": ("质检员 Quality inspector", ["quality-inspection"], ["computer-operation"], [], (5000, 6500)),
    "cnc-operator": ("数控操作工 CNC operator", ["cnc-machining"], ["quality-inspection"], [], (6500, 9000)),
    "welder": ("焊工 Welder", ["electric-welding"], [], ["welder-special"], (7000, 9500)),
    "injection-moulding-operator": ("注塑工 Moulding operator", ["injection-moulding"], [], [], (5000, 6500)),
    "general-worker": ("普工 Production worker", [], ["assembly"], [], (4500, 5800)),
    "forklift-driver": ("叉车司机 Forklift driver", ["forklift"], ["warehouse"], ["forklift-special"], (6000, 7500)),
    "warehouse-keeper": ("仓管员 Warehouse keeper", ["warehouse"], ["computer-operation", "forklift"], [], (5000, 6500)),
    "maintenance-electrician": ("维修电工 Electrician", ["electrician"], [], ["electrician-special"], (7000, 9000)),
    "bricklayer": ("砌筑工 Bricklayer", ["bricklaying"], [], [], (7500, 10000)),
    "rebar-worker": ("钢筋工 Rebar worker", ["rebar"], ["carpentry"], [], (8000, 11000)),
    "cook": ("厨师 Cook", ["cooking"], [], ["food-hygiene"], (5500, 7500)),
    "customer-service": ("客服专员 Customer service", ["customer-service"], ["computer-operation"], [], (4800, 6500)),
    "cleaner": ("保洁员 Cleaner", ["cleaning"], [], [], (3800, 4600)),
    "security-guard": ("保安 Security guard", ["security"], [], [], (4200, 5200)),
    "sewing-machinist": ("缝纫工 Sewing machinist", ["sewing"], [], [], (4800, 6500)),
}  # fmt: skip
SHIFT_PATTERNS = [["day"], ["day"], ["day", "night"], ["day", "evening"], ["night"], []]


def _posting_values(rng: random.Random, employer: Employer, lists: dict) -> dict:
    code = rng.choice(sorted(POSTINGS))
    title, essential, optional, certificates, (low, high) = POSTINGS[code]
    occupation = lists["occupations"][code]
    sector = occupation.sector or employer.sector
    towns = lists["towns"]
    town = employer.town if rng.random() < 0.7 else rng.choice(towns)
    low = Decimal(low + rng.randrange(0, 6) * 100)
    return {
        "title": title,
        "occupation": occupation,
        "sector": sector,
        "description": "包吃住，五险一金，月休4天。Meals, dormitory, social insurance, 4 days off a month."
        + DEMO_MARK,
        "essential_skills": [lists["skills"][c] for c in essential],
        "optional_skills": [lists["skills"][c] for c in optional],
        "required_certificates": [lists["certificates"][c] for c in certificates],
        "wage_min": low,
        "wage_max": max(low, Decimal(high)),
        "shifts": rng.choice(SHIFT_PATTERNS),
        "town": town,
        "commute_towns": rng.sample(towns, rng.choice((0, 0, 1, 2))),
        "openings": rng.choice((1, 2, 3, 5, 10, 20)),
        "dormitory": rng.random() < 0.5,
    }


def _post_jobs(rng: random.Random, accounts: dict, lists: dict) -> list[Job]:
    caseworker = accounts.get("caseworker_employment")
    demo_employer = employer_for_user(accounts["employer"]) if "employer" in accounts else None
    employers = list(Employer.objects.order_by("pk")[:60])
    jobs = []
    for number in range(JOBS):
        employer = demo_employer if demo_employer and number < 8 else rng.choice(employers)
        actor = accounts["employer"] if employer == demo_employer else caseworker
        job = job_create(employer=employer, actor=actor, **_posting_values(rng, employer, lists))
        if number % 10 != 9:  # one in ten stays a draft
            job = job_publish(job=job, actor=actor)
        jobs.append(job)
    for job in rng.sample([j for j in jobs if j.state == Job.State.OPEN and j.employer != demo_employer], 4):
        job_close(job=job, actor=caseworker, note="Demo: filled outside the portal")
    return jobs


def _apply(rng: random.Random, jobs: list[Job], residents: list[Resident], caseworker) -> list[Application]:
    """Residents apply (those registered at a service point, through a caseworker)."""
    made = []
    for resident in residents:
        actor = resident.user or caseworker
        for job in rng.sample(jobs, 2):
            try:
                made.append(
                    application_submit(job=job, resident=resident, actor=actor, note="我有相关经验。")
                )
            except DomainError:
                continue  # a certificate the job requires, or a job closed meanwhile: as in life
    return made


def _move_along(rng: random.Random, applications: list[Application], accounts: dict) -> int:
    """Take applications through the steps as employers would; returns the number of hires."""
    caseworker = accounts.get("caseworker_employment")
    hires = 0
    for application in applications:
        job = application.job
        actor = (
            accounts["employer"]
            if job.employer.accounts.filter(pk=accounts["employer"].pk).exists()
            else caseworker
        )
        roll = rng.random()
        try:
            if roll < 0.35:
                continue
            application = application_shortlist(application=application, actor=actor)
            if roll < 0.5:
                continue
            if roll < 0.6:
                application_reject(application=application, actor=actor, note="岗位要求更多经验。")
                continue
            application = application_invite(
                application=application, actor=actor, place=f"{job.town} 人力资源部 HR office",
                interview_at=timezone.now() + timedelta(days=rng.randrange(1, 10), hours=rng.randrange(0, 8)),
            )  # fmt: skip
            if roll < 0.75:
                continue
            application = application_offer(application=application, actor=actor, note="欢迎加入！")
            if roll < 0.85:
                continue
            application_hire(application=application, actor=actor)
            hires += 1
        except DomainError:
            continue  # hired elsewhere meanwhile, or the job filled: the services said no
    return hires


def _spread_placements(rng: random.Random) -> None:
    """Demo history: spread the hires over the past months so that the dashboards show a trend."""
    for placement in Placement.objects.all():
        Placement.objects.filter(pk=placement.pk).update(
            hired_at=placement.hired_at - timedelta(days=rng.randrange(0, 180))
        )


def seed_demo(*, accounts, rng, options, stdout) -> None:
    """Demo jobs, applications, hires and preferences (nothing when demo jobs exist already)."""
    if Job.objects.filter(description__endswith=DEMO_MARK).exists():
        stdout.write("employment: demo jobs exist already")
        return
    lists = {
        "occupations": {o.code: o for o in Occupation.objects.all()},
        "skills": {s.code: s for s in Skill.objects.all()},
        "certificates": {c.code: c for c in CertificateType.objects.all()},
        "towns": list(Town.objects.all()),
    }
    rng = random.Random(rng.random())
    with transaction.atomic():
        jobs = _post_jobs(rng, accounts, lists)
        open_jobs = [job for job in jobs if job.state == Job.State.OPEN]
        others = (
            Resident.objects.exclude(user=accounts.get("resident"))
            if "resident" in accounts
            else Resident.objects
        )
        ids = sorted(others.values_list("pk", flat=True))
        applicants = list(
            Resident.objects.select_related("user").filter(pk__in=rng.sample(ids, min(40, len(ids))))
        )
        demo_resident = resident_for_user(accounts["resident"]) if "resident" in accounts else None
        if demo_resident is not None:
            jobseeker_preferences_update(
                resident=demo_resident, actor=demo_resident.user, open_to_work=True,
                acceptable_shifts=["day", "evening"], wage_floor=Decimal("5000"),
                willing_towns=list(Town.objects.filter(code__in=["yushan", "lujia"])),
            )  # fmt: skip
            applicants.append(demo_resident)
        applications = _apply(rng, open_jobs, applicants, accounts.get("caseworker_employment"))
        hires = _move_along(rng, applications, accounts)
        _spread_placements(rng)
    stdout.write(f"employment: {len(jobs)} job postings, {len(applications)} applications, {hires} hires")
