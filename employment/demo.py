"""Demo data of the employment app: job postings of the demo employers, applications at every step,
a few hires (placements for the dashboards) and the demo resident's preferences. Idempotent: it does
nothing once demo jobs exist. Everything goes through the services, as a real employer's would.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from employment import services
from employment.models import (
    Application,
    Fair,
    FairRegistration,
    Job,
    Occupation,
    Placement,
    TrainingProgramme,
    TrainingSession,
)
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


def seed_demo_jobs(*, accounts, rng, options, stdout) -> None:
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


# --- Training programmes and subsidies ---

# title, kind, skill, certificate, seats, starts in (days; negative: held already), sessions, town
PROGRAMMES = [
    ("电焊技能培训 Electric welding course", "course", "electric-welding", "welder-special", 20, 10, 8, "yushan"),
    ("建筑施工安全培训 Construction safety training", "safety", "bricklaying", "construction-safety", 40, 5, 2,
     "development-zone"),
    ("电子设备装接工（五级）Electronics assembler, NVQ level 1", "course", "assembly", "nvq-electronics-1", 25, -30, 4,
     "hi-tech-zone"),
    ("数控车工（三级）CNC lathe operator, NVQ level 3", "course", "cnc-machining", "nvq-cnc-3", 3, 14, 10, "zhoushi"),
    ("家电维修车间培训 Appliance repair on-site workshop", "workshop", "appliance-repair", None, 15, 7, 3, "yushan"),
    ("计算机操作入门 Computer operation for beginners", "course", "computer-operation", None, 30, 3, 4, "lujia"),
]  # fmt: skip


def _demo_programme(values, employer) -> TrainingProgramme:
    title, kind, skill, certificate, seats, starts_in, sessions, town = values
    starts = timezone.localdate() + timedelta(days=max(starts_in, 1))
    programme = TrainingProgramme.objects.create(
        title=title, kind=kind, description="免费培训，结业发证。Free of charge; a certificate at the end." + DEMO_MARK,
        skill=Skill.objects.get(code=skill),
        certificate=CertificateType.objects.get(code=certificate) if certificate else None,
        provider=employer.name if kind == "workshop" else "昆山市职业技能培训中心 Kunshan Job Skills Training Centre",
        employer=employer if kind == "workshop" else None, town=Town.objects.get(code=town),
        location="前进西路 1 号 Qianjin West Road 1" if kind != "workshop" else f"{employer.name}, 车间 workshop 2",
        seats=seats, starts_on=starts, ends_on=starts + timedelta(days=7 * (sessions - 1)),
        schedule="周六 9:00–12:00 Saturdays 9:00–12:00", sessions=sessions, sessions_required=max(sessions - 1, 1),
    )  # fmt: skip
    for number in range(1, sessions + 1):
        TrainingSession.objects.create(
            programme=programme, number=number, date=starts + timedelta(days=7 * (number - 1))
        )
    return programme


def _demo_hold(programme: TrainingProgramme, starts_in: int) -> None:
    """Demo history: a programme already held moves into the past (dates only; enrolments stay as made)."""
    shift = programme.starts_on - (timezone.localdate() + timedelta(days=starts_in))
    TrainingProgramme.objects.filter(pk=programme.pk).update(
        starts_on=programme.starts_on - shift, ends_on=programme.ends_on - shift
    )
    for session in programme.session_list.all():
        TrainingSession.objects.filter(pk=session.pk).update(date=session.date - shift)


def seed_demo_training(*, accounts, rng, stdout) -> None:
    """Demo programmes (a construction safety course among them), enrolments with a waiting list, one
    programme held and completed (certificates issued), and the demo resident's subsidy claim."""
    if TrainingProgramme.objects.filter(description__endswith=DEMO_MARK).exists():
        stdout.write("employment: demo training programmes exist already")
        return
    employer = (
        employer_for_user(accounts["employer"]) if "employer" in accounts else None
    ) or Employer.objects.first()
    caseworker = accounts.get("caseworker_employment")
    demo_resident = resident_for_user(accounts["resident"]) if "resident" in accounts else None
    ids = sorted(Resident.objects.values_list("pk", flat=True))
    trainees = list(Resident.objects.select_related("user").filter(pk__in=rng.sample(ids, min(30, len(ids)))))
    enrolments = completed = 0
    with transaction.atomic():
        for values in PROGRAMMES:
            programme = _demo_programme(values, employer)
            starts_in = values[5]
            people = rng.sample(
                trainees, min(len(trainees), programme.seats + 2 if programme.seats < 10 else 8)
            )
            if demo_resident is not None and starts_in < 0:
                people.append(demo_resident)
            held = []
            for person in people:
                try:
                    # a resident registered at a service point has no login: the caseworker enrols them
                    actor = person.user or caseworker
                    if actor is None:
                        continue
                    enrolment = services.training_enrol(programme=programme, resident=person, actor=actor)
                except DomainError:
                    continue
                enrolments += 1
                if enrolment.state == enrolment.State.ENROLLED:
                    held.append(enrolment)
            if starts_in < 0 and caseworker is not None:
                _demo_hold(programme, starts_in)
                for session in programme.session_list.all():
                    services.training_attendance_mark(session=session, present=held, actor=caseworker)
                for enrolment in held:
                    done = services.training_complete(enrolment=enrolment, actor=caseworker)
                    completed += 1
                    if (
                        demo_resident is not None
                        and done.resident_id == demo_resident.pk
                        and done.certificate
                    ):
                        services.subsidy_claim_submit(certificate=done.certificate, actor=demo_resident.user)
    stdout.write(
        f"employment: {len(PROGRAMMES)} training programmes, {enrolments} enrolments, {completed} completions"
    )


# --- Recruitment fairs ---
FAIR_DEMO_MARK = "\n\n(demo fair)"
FAIR_VENUES = [
    # weekdays, title, venue, town, capacity, start, end
    ([0, 1, 2, 3, 4], "周周招聘会 Weekday recruitment fair", "昆山人力资源市场 Kunshan Human Resources Market",
     "yushan", 300, time(9, 0), time(11, 30)),
    ([5], "花桥周六招聘会 Huaqiao Saturday fair", "花桥人力资源服务中心 Huaqiao HR Service Centre", "huaqiao", 120,
     time(9, 30), time(12, 0)),
]  # fmt: skip


def _fair_demo_participants(rng: random.Random, fair, caseworker, demo_employer) -> None:
    employers = list(Employer.objects.filter(jobs__state=Job.State.OPEN).distinct().order_by("pk")[:40])
    chosen = rng.sample(employers, min(len(employers), rng.randrange(3, 7)))
    if demo_employer is not None and demo_employer not in chosen and rng.random() < 0.6:
        chosen.append(demo_employer)
    for number, employer in enumerate(chosen, start=1):
        jobs = list(Job.objects.filter(employer=employer, state=Job.State.OPEN).order_by("pk")[:3])
        services.fair_participant_save(
            fair=fair, employer=employer, jobs=jobs, booth=f"A{number:02d}", actor=caseworker
        )


def _fair_demo_history(rng: random.Random, caseworker, residents, demo_employer) -> int:
    """Demo history: fairs of the past five months, held, with their check-ins, so that the dashboards show
    attendance. Scheduled and registered through the services, then moved into the past directly (like the
    placements' spread above: a service never writes the past)."""
    today = timezone.localdate()
    yushan = Town.objects.get(code="yushan")
    attended = 0
    for months_back in range(1, 6):
        fair = services.fair_schedule(
            actor=caseworker, title="周周招聘会 Weekday recruitment fair",
            venue="昆山人力资源市场 Kunshan Human Resources Market", town=yushan, capacity=300,
            starts_at=time(13, 30), ends_at=time(16, 0), date=today + timedelta(days=90 + months_back),
            description="带上简历和身份证。Bring your CV and identity card." + FAIR_DEMO_MARK,
        )  # fmt: skip
        _fair_demo_participants(rng, fair, caseworker, demo_employer)
        for resident in rng.sample(residents, min(len(residents), 15)):
            services.fair_register(fair=fair, resident=resident, actor=resident.user or caseworker)
        day = today - timedelta(days=30 * months_back + rng.randrange(0, 10))
        Fair.objects.filter(pk=fair.pk).update(date=day, state=Fair.State.HELD)
        came = [r.pk for r in FairRegistration.objects.filter(fair=fair) if rng.random() < 0.7]
        attended += FairRegistration.objects.filter(pk__in=came).update(
            state=FairRegistration.State.CHECKED_IN,
            checked_in_at=timezone.make_aware(datetime.combine(day, time(13, 45))),
        )
    return attended


def seed_demo_fairs(*, accounts, rng: random.Random, stdout) -> None:
    """Demo fairs: a month of weekday fairs and Saturday fairs ahead with employers and their jobs, the demo
    resident and others registered (one small fair full, with a waiting list), and a few past fairs with
    their check-ins. Nothing when demo fairs exist already."""
    if Fair.objects.filter(description__endswith=FAIR_DEMO_MARK).exists():
        stdout.write("employment: demo fairs exist already")
        return
    caseworker = accounts.get("caseworker_employment")
    if caseworker is None:
        return
    demo_employer = employer_for_user(accounts["employer"]) if "employer" in accounts else None
    demo_resident = resident_for_user(accounts["resident"]) if "resident" in accounts else None
    residents = list(
        Resident.objects.select_related("user").exclude(pk=getattr(demo_resident, "pk", None)).order_by("pk")[:60]
    )  # fmt: skip
    today = timezone.localdate()
    months = [(today.year, today.month), (today.year + (today.month == 12), today.month % 12 + 1)]
    fairs = []
    with transaction.atomic():
        for weekdays, title, venue, town, capacity, starts_at, ends_at in FAIR_VENUES:
            for year, month in months:
                try:
                    fairs += services.fair_schedule_month(
                        actor=caseworker, year=year, month=month, weekdays=weekdays, title=title, venue=venue,
                        town=Town.objects.get(code=town), capacity=capacity, starts_at=starts_at, ends_at=ends_at,
                        description="带上简历和身份证。Bring your CV and identity card." + FAIR_DEMO_MARK,
                    )  # fmt: skip
                except DomainError:
                    continue  # no date of the month left, or the fairs exist: as a caseworker would find
        fairs.sort(key=lambda fair: (fair.date, fair.starts_at))
        small = services.fair_schedule(
            actor=caseworker, title="电子厂专场招聘会 Electronics factories' fair", venue="玉山镇社区服务中心 Yushan Community Centre",
            town=Town.objects.get(code="yushan"), capacity=5, starts_at=time(14, 0), ends_at=time(16, 0),
            date=today + timedelta(days=3), description="名额有限。Few places." + FAIR_DEMO_MARK,
        )  # fmt: skip
        for fair in [small, *fairs[:10]]:
            _fair_demo_participants(rng, fair, caseworker, demo_employer)
        registrations = 0
        for fair, people in (
            (small, residents[:8]),
            *((fair, rng.sample(residents, min(len(residents), 10))) for fair in fairs[:4]),
        ):
            for resident in people:
                try:
                    services.fair_register(fair=fair, resident=resident, actor=resident.user or caseworker)
                    registrations += 1
                except DomainError:
                    continue
        if demo_resident is not None and demo_resident.user is not None:
            for fair in (small, *fairs[:1]):
                services.fair_register(fair=fair, resident=demo_resident, actor=demo_resident.user)
                registrations += 1
        attended = _fair_demo_history(rng, caseworker, residents, demo_employer)
    stdout.write(
        f"employment: {len(fairs) + 6} recruitment fairs, {registrations} registrations ahead, "
        f"{attended} check-ins at past fairs"
    )


# --- The whole employment demo ---


def seed_demo(*, accounts, rng, options, stdout) -> None:
    """Demo jobs, applications and hires, then the training programmes, then the recruitment fairs."""
    seed_demo_jobs(accounts=accounts, rng=rng, options=options, stdout=stdout)
    seed_demo_training(accounts=accounts, rng=random.Random(rng.random()), stdout=stdout)
    seed_demo_fairs(accounts=accounts, rng=random.Random(rng.random()), stdout=stdout)
