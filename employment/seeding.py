"""Employment's part of ``manage.py seed_city``: 50,000 open job postings of the city's employers, with
their skills, certificates and commute towns, applications at every step (hires counted as placements), and
the next three months' free training programmes with their sessions, for every skill: the training centre's
courses, employers' on-site workshops and the construction safety training.

Postings follow the demo's occupations (``employment.demo.POSTINGS``); the matcher's bitmask columns are
computed by the same ``to_words`` the services use, so the recommendations work on the seeded jobs at
once. Written with COPY; the city's postings carry ``CITY_MARK`` at the end of their description, so a
second run adds only what is missing.
"""

import random
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from employment.bits import shift_mask, to_words
from employment.demo import POSTINGS, SHIFT_PATTERNS
from employment.models import Application, Job, Occupation, Placement, TrainingProgramme, TrainingSession
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
# The city trains about 100,000 new residents a year (1.1 million so far) in classes of about 40: some 600
# programmes start in the next three months.
PROGRAMMES = 600
TRAINING_MARK = "\n\n(city training)"
TRAINING_KINDS = {"course": 70, "workshop": 20, "safety": 10}
SAFETY_SKILLS = ("bricklaying", "rebar", "carpentry")
TRAINING_CENTRE = "昆山市职业技能培训中心 Kunshan Job Skills Training Centre"


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


def _ranked_weights(count: int) -> list[float]:
    """Cumulative weights for the employers in order: the first ones (the city's largest) post and train
    most, each in proportion to 1/√rank."""
    return list(accumulate(1 / (rank + 1) ** 0.5 for rank in range(count)))


def _context(open_jobs: int) -> dict:
    employers = list(Employer.objects.order_by("pk").values_list("pk", "sector", "town_id"))
    weights = _ranked_weights(len(employers))
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


def city_programmes():
    return TrainingProgramme.objects.filter(description__endswith=TRAINING_MARK)


PROGRAMME_COLUMNS = [
    "id", "title", "kind", "description", "skill", "certificate", "provider", "employer", "town", "location",
    "seats", "enrolled_count", "starts_on", "ends_on", "schedule", "sessions", "sessions_required",
    "created_at", "updated_at",
]  # fmt: skip


def _programme_row(n: int, seed: int, ctx: dict) -> tuple[tuple, list[tuple]]:
    """Programme n (its id to be set) and its weekly sessions, (number, date) each."""
    rng = random.Random(seed * 1_000_033 + n)
    kind = rng.choices(list(TRAINING_KINDS), weights=list(TRAINING_KINDS.values()))[0]
    code = rng.choice(SAFETY_SKILLS) if kind == "safety" else rng.choice(ctx["skill_codes"])
    skill_id, name_zh, name_en = ctx["skills"][code]
    employer_id, employer_name, employer_town = (
        rng.choices(ctx["employers"], cum_weights=ctx["weights"])[0]
        if kind == "workshop"
        else (None, "", None)
    )
    town = employer_town or rng.choice(ctx["towns"])  # a workshop is held in its employer's town
    sessions = rng.choice((2, 3, 4, 6, 8, 10)) if kind != "safety" else 2
    starts = ctx["today"] + timedelta(days=rng.randrange(1, 91))
    title = {
        "course": f"{name_zh}技能培训 {name_en.capitalize()} course",
        "workshop": f"{name_zh}车间培训 {name_en.capitalize()} on-site workshop",
        "safety": f"建筑施工安全培训（{name_zh}）Construction safety training ({name_en})",
    }[kind]
    row = (
        title, kind, "免费培训，结业发证。Free of charge; a certificate at the end." + TRAINING_MARK, skill_id,
        ctx["safety"] if kind == "safety" else None,
        employer_name if kind == "workshop" else TRAINING_CENTRE, employer_id, town,
        f"{employer_name}, 车间 workshop {rng.randrange(1, 9)}" if kind == "workshop"
        else f"培训中心 {rng.randrange(1, 30)} 号教室 Training centre, room {rng.randrange(1, 30)}",
        rng.choice((20, 30, 40, 40, 50, 60)), 0, starts, starts + timedelta(days=7 * (sessions - 1)),
        rng.choice(("周六 9:00–12:00 Saturdays 9:00–12:00", "周日 14:00–17:00 Sundays 14:00–17:00",
                    "周三 19:00–21:00 Wednesdays 19:00–21:00")),
        sessions, max(sessions - 1, 1), ctx["now"], ctx["now"],
    )  # fmt: skip
    return row, [(number, starts + timedelta(days=7 * (number - 1))) for number in range(1, sessions + 1)]


def create_programmes(*, programmes: int, seed: int, progress) -> int:
    """City training programmes 1..N that do not exist yet, each with its sessions, starting within three
    months of today (none full: the city's enrolments start when residents enrol)."""
    have = city_programmes().count()
    if have >= programmes:
        return 0
    employers = list(Employer.objects.order_by("pk").values_list("pk", "name", "town_id"))
    weights = _ranked_weights(len(employers))
    skills = {
        code: (pk, zh, en)
        for pk, code, zh, en in Skill.objects.values_list("pk", "code", "name_zh", "name_en")
    }
    ctx = {
        "employers": employers, "weights": weights, "skills": skills,
        "skill_codes": sorted(code for code in skills if code not in SAFETY_SKILLS),
        "towns": sorted(Town.objects.values_list("pk", flat=True)), "today": timezone.localdate(),
        "now": timezone.now(),
        "safety": CertificateType.objects.filter(code=CONSTRUCTION_SAFETY).values_list("pk", flat=True).first(),
    }  # fmt: skip
    made = [_programme_row(n, seed, ctx) for n in range(have + 1, programmes + 1)]
    with transaction.atomic():
        ids = next_ids(TrainingProgramme, len(made))
        copy_rows(
            TrainingProgramme,
            PROGRAMME_COLUMNS,
            [(pk, *row) for pk, (row, _s) in zip(ids, made, strict=True)],
        )
        copy_rows(
            TrainingSession, ["programme", "number", "date", "topic"],
            [(pk, number, date, "") for pk, (_row, dates) in zip(ids, made, strict=True) for number, date in dates],
        )  # fmt: skip
    progress("training programmes", programmes, programmes)
    return len(made)


def seed_city(*, scale: float, seed: int, progress) -> dict:
    """50,000 open postings and their applications, and 600 training programmes, at this scale."""
    jobs = create_jobs(open_jobs=registry.scaled(OPEN_JOBS, scale, 50), seed=seed, progress=progress)
    applications = create_applications(seed=seed, progress=progress)
    programmes = create_programmes(
        programmes=registry.scaled(PROGRAMMES, scale, 30), seed=seed, progress=progress
    )
    registry.analyze(
        "employment_job", "employment_application", "employment_placement", "employment_trainingprogramme"
    )
    return {"job postings": jobs, "applications": applications, "training programmes": programmes}
