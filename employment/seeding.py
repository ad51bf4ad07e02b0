"""Employment's part of ``manage.py seed_city``: 50,000 open job postings of the city's employers, with
their skills, certificates and commute towns, and applications at every step (hires counted as placements).

Postings follow the demo's occupations (``employment.demo.POSTINGS``); the matcher's bitmask columns are
computed by the same ``to_words`` the services use, so the recommendations work on the seeded jobs at
once. Written with COPY; the city's postings carry ``CITY_MARK`` at the end of their description, so a
second run adds only what is missing.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from employment.bits import shift_mask, to_words
from employment.demo import POSTINGS, SHIFT_PATTERNS
from employment.models import Application, Job, Occupation, Placement
from kunshan_portal.bulkload import copy_rows, next_ids
from residents import seeding as registry
from residents.models import CertificateType, Employer, Resident, Skill, Town

OPEN_JOBS = 50_000
OTHER_JOBS_SHARE = 0.08  # drafts and closed postings besides the open ones
APPLICATIONS_PER_JOB = 2
CITY_MARK = "\n\n(city posting)"
BATCH = 10_000
APPLICATION_STATES = {
    "submitted": 40, "shortlisted": 15, "interview": 10, "offered": 5, "hired": 5, "rejected": 15,
    "withdrawn": 10,
}  # fmt: skip
CONSTRUCTION_SAFETY = "construction-safety"


def city_jobs():
    return Job.objects.filter(description__endswith=CITY_MARK)


def _job_rows(n: int, seed: int, ctx: dict, today) -> dict:
    rng = random.Random(seed * 1_000_003 + n)
    employer_id, sector, town_id = rng.choices(ctx["employers"], cum_weights=ctx["weights"])[0]
    code = rng.choice(ctx["codes"])
    title, essential, optional, certificates, (low, high) = POSTINGS[code]
    occupation_id, occupation_sector = ctx["occupations"][code]
    sector = occupation_sector or sector
    certificates = [ctx["certificates"][c] for c in certificates]
    if sector == "construction" and ctx["safety"] is not None:
        certificates = sorted({*certificates, ctx["safety"]})
    essential = [ctx["skills"][c] for c in essential]
    optional = [ctx["skills"][c] for c in optional]
    if not rng.randrange(3):  # some employers ask one more skill
        optional = sorted({*optional, rng.choice(ctx["skill_ids"])} - set(essential))
    town = town_id if rng.random() < 0.7 else rng.choice(ctx["towns"])
    commute = sorted({rng.choice(ctx["towns"]) for _ in range(rng.choice((0, 0, 1, 2)))} - {town})
    wage_min = Decimal(low + rng.randrange(0, 6) * 100)
    roll = rng.random()
    state = "open" if n <= ctx["open"] else ("draft" if roll < 0.4 else "closed")
    submitted = timezone.now() - timedelta(days=rng.randrange(1, 90), minutes=rng.randrange(1440))
    return {
        "state": state, "employer": employer_id, "title": title, "occupation": occupation_id,
        "sector": sector, "wage_min": wage_min, "wage_max": max(wage_min, Decimal(high)),
        "shift_mask": shift_mask(rng.choice(SHIFT_PATTERNS)), "town": town, "commute": commute,
        "openings": rng.choice((1, 2, 3, 5, 10, 20, 50)), "dormitory": rng.random() < 0.5,
        "submitted_at": submitted, "published_at": None if state == "draft" else submitted,
        "essential": essential, "optional": optional, "certificates": certificates,
    }  # fmt: skip


JOB_COLUMNS = [
    "id", "created_at", "updated_at", "submitted_at", "decision_note", "state", "employer", "title",
    "occupation", "sector", "description", "wage_min", "wage_max", "shift_mask", "town", "openings",
    "hired_count", "dormitory", "published_at", "essential_lo", "essential_hi", "optional_lo", "optional_hi",
    "certificates_lo", "certificates_hi", "essential_count", "optional_count", "commute_town_ids",
]  # fmt: skip


@transaction.atomic
def _write_jobs(jobs: list[dict]) -> None:
    ids = next_ids(Job, len(jobs))
    rows, essential, optional, certificates, commute = [], [], [], [], []
    description = "包吃住，五险一金。Meals, dormitory, social insurance." + CITY_MARK
    for pk, job in zip(ids, jobs, strict=True):
        job["id"] = pk
        rows.append((
            pk, job["submitted_at"], job["submitted_at"], job["submitted_at"], "", job["state"],
            job["employer"], job["title"], job["occupation"], job["sector"], description, job["wage_min"],
            job["wage_max"], job["shift_mask"], job["town"], job["openings"], 0, job["dormitory"],
            job["published_at"], *to_words(job["essential"]), *to_words(job["optional"]),
            *to_words(job["certificates"]), len(job["essential"]), len(job["optional"]), job["commute"],
        ))  # fmt: skip
        essential += [(pk, s) for s in job["essential"]]
        optional += [(pk, s) for s in job["optional"]]
        certificates += [(pk, c) for c in job["certificates"]]
        commute += [(pk, t) for t in job["commute"]]
    copy_rows(Job, JOB_COLUMNS, rows)
    copy_rows(Job.essential_skills.through, ["job", "skill"], essential)
    copy_rows(Job.optional_skills.through, ["job", "skill"], optional)
    copy_rows(Job.required_certificates.through, ["job", "certificatetype"], certificates)
    copy_rows(Job.commute_towns.through, ["job", "town"], commute)


def _context(open_jobs: int) -> dict:
    employers = list(Employer.objects.order_by("pk").values_list("pk", "sector", "town_id"))
    weights, total = [], 0.0
    for rank in range(len(employers)):
        total += 1 / (rank + 1) ** 0.5
        weights.append(total)
    certificates = dict(CertificateType.objects.values_list("code", "pk"))
    return {
        "open": open_jobs,
        "employers": employers,
        "weights": weights,
        "codes": sorted(POSTINGS),
        "occupations": {o.code: (o.pk, o.sector) for o in Occupation.objects.all()},
        "skills": dict(Skill.objects.values_list("code", "pk")),
        "skill_ids": sorted(Skill.objects.values_list("pk", flat=True)),
        "certificates": certificates,
        "safety": certificates.get(CONSTRUCTION_SAFETY),
        "towns": sorted(Town.objects.values_list("pk", flat=True)),
    }


def create_jobs(*, open_jobs: int, seed: int, progress) -> int:
    """City postings 1..N (open first, then drafts and closed ones) that do not exist yet."""
    total = open_jobs + round(open_jobs * OTHER_JOBS_SHARE)
    have = city_jobs().count()
    ctx = _context(open_jobs)
    today = timezone.localdate()
    for start in range(have + 1, total + 1, BATCH):
        _write_jobs([_job_rows(n, seed, ctx, today) for n in range(start, min(total, start + BATCH - 1) + 1)])
        progress("job postings", min(total, start + BATCH - 1), total)
    return total - have


def create_applications(*, seed: int, progress) -> int:
    """Applications of verified city residents (each at most once) to open postings needing no
    certificate, at every step; offers carry interview details, hires a placement and the new employer."""
    if Application.objects.filter(job__description__endswith=CITY_MARK).exists():
        return 0
    rng = random.Random(seed)
    jobs = list(
        city_jobs()
        .filter(state=Job.State.OPEN, certificates_lo=0, certificates_hi=0)
        .order_by("pk")
        .values_list("pk", "employer_id", "town_id", "sector", "openings")
    )
    if not jobs:
        return 0
    residents = list(
        registry.city_residents()
        .filter(state=Resident.State.VERIFIED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(residents)
    wanted = min(len(residents), round(APPLICATIONS_PER_JOB * city_jobs().filter(state="open").count()))
    now = timezone.now()
    hired_per_job: dict[int, int] = {}
    applications, placements, employer_of = [], [], {}
    states, weights = zip(*APPLICATION_STATES.items(), strict=True)
    for resident_id in residents[:wanted]:
        job_id, employer_id, town_id, sector, openings = rng.choice(jobs)
        state = rng.choices(states, weights=weights)[0]
        if state == "hired" and hired_per_job.get(job_id, 0) + 1 >= openings:
            state = "offered"  # the job stays open: its last opening is left
        submitted = now - timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(1440))
        decided = submitted + timedelta(days=rng.randrange(1, 10)) if state != "submitted" else None
        interview_at = submitted + timedelta(days=rng.randrange(3, 20)) if state in ("interview", "offered", "hired") else None  # fmt: skip
        applications.append((
            submitted, decided or submitted, submitted, decided, "", state, job_id, resident_id, "",
            interview_at, "人力资源部 HR office" if interview_at else "",
        ))  # fmt: skip
        if state == "hired":
            hired_per_job[job_id] = hired_per_job.get(job_id, 0) + 1
            placements.append((job_id, employer_id, resident_id, town_id, sector, decided))
            employer_of[resident_id] = employer_id
    columns = ["created_at", "updated_at", "submitted_at", "decided_at", "decision_note", "state", "job",
               "resident", "note", "interview_at", "interview_place"]  # fmt: skip
    with transaction.atomic():
        for start in range(0, len(applications), BATCH):
            copy_rows(Application, columns, applications[start : start + BATCH])
            progress("job applications", min(len(applications), start + BATCH), len(applications))
        copy_rows(Placement, ["job", "employer", "resident", "town", "sector", "hired_at"], placements)
        for job_id, hired in hired_per_job.items():
            Job.objects.filter(pk=job_id).update(hired_count=hired)
        by_employer: dict[int, list[int]] = {}
        for resident_id, employer_id in employer_of.items():
            by_employer.setdefault(employer_id, []).append(resident_id)
        for employer_id, ids in by_employer.items():
            Resident.objects.filter(pk__in=ids).update(employer_id=employer_id)
    return len(applications)


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """50,000 open postings and their applications, at this scale."""
    jobs = create_jobs(open_jobs=registry.scaled(OPEN_JOBS, scale, 50), seed=seed, progress=progress)
    applications = create_applications(seed=seed, progress=progress)
    registry.analyze("employment_job", "employment_application", "employment_placement")
    return {"job postings": jobs, "applications": applications}
