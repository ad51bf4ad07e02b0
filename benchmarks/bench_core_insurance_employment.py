"""Benchmarks of the pure cores of insurance (contribution arithmetic) and employment (job matching).

Plain Python, no Django: ``run(scale)`` builds deterministic data from a seeded generator and returns one
row per measure, ``{"name", "measured_s", "target_s"}``.
"""

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from employment.matching import Candidate, Job, recommend_jobs
from insurance.contributions import compute_contributions, default_rate_table

ENROLMENTS = 450_000
JOBS = 50_000
RECOMMEND_RUNS = 21

TOWNS = (
    "Yushan",
    "Bacheng",
    "Zhoushi",
    "Lujia",
    "Huaqiao",
    "Zhangpu",
    "Qiandeng",
    "Dianshanhu",
    "Zhouzhuang",
)
SHIFTS = ("day", "night", "evening", "weekend")
SKILLS = tuple(f"skill-{number:03d}" for number in range(120))
CERTIFICATES = ("safety", "forklift", "electrician", "welding", "food-hygiene", "first-aid")


def _enrolments(rng: random.Random, count: int) -> list[tuple[Decimal, date]]:
    first_birth = date(1960, 1, 1)
    birth_span = (date(2006, 12, 31) - first_birth).days
    return [
        (
            Decimal(rng.randrange(150_000, 3_000_000)) / 100,
            first_birth + timedelta(days=rng.randrange(birth_span)),
        )
        for _ in range(count)
    ]


def _jobs(rng: random.Random, count: int) -> list[Job]:
    jobs = []
    for job_id in range(1, count + 1):
        wage_min = rng.randrange(4_000, 9_000)
        jobs.append(
            Job(
                id=job_id,
                required_certificates=frozenset(rng.sample(CERTIFICATES, rng.choice((0, 0, 0, 1, 2)))),
                town=rng.choice(TOWNS),
                commute_towns=frozenset(rng.sample(TOWNS, rng.randrange(4))),
                shifts=frozenset(rng.sample(SHIFTS, rng.randrange(1, 3))),
                wage_min=Decimal(wage_min),
                wage_max=Decimal(wage_min + rng.randrange(0, 4_000)),
                essential_skills=frozenset(rng.sample(SKILLS, rng.randrange(0, 5))),
                optional_skills=frozenset(rng.sample(SKILLS, rng.randrange(0, 6))),
            )
        )
    return jobs


def _candidate(rng: random.Random) -> Candidate:
    return Candidate(
        id=1,
        certificates=frozenset(rng.sample(CERTIFICATES, 2)),
        skills=frozenset(rng.sample(SKILLS, 25)),
        town=TOWNS[0],
        acceptable_shifts=frozenset(("day", "evening", "night")),
        wage_floor=Decimal(5_000),
        willing_towns=frozenset(TOWNS[1:4]),
    )


def _time_contributions(rng: random.Random, count: int) -> float:
    enrolments = _enrolments(rng, count)
    table = default_rate_table()
    period_start = date(2025, 3, 1)
    started = time.perf_counter()
    for wage, birth_date in enrolments:
        compute_contributions(wage=wage, birth_date=birth_date, period_start=period_start, table=table)
    return time.perf_counter() - started


def _time_recommend(rng: random.Random, count: int) -> float:
    jobs = _jobs(rng, count)
    candidate = _candidate(rng)
    timings = []
    for _ in range(RECOMMEND_RUNS):
        started = time.perf_counter()
        recommend_jobs(candidate, jobs)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run(scale: float = 1.0) -> list[dict]:
    """Time the contribution core over 450,000 × scale enrolments and one resident's job recommendations
    over 50,000 × scale jobs (median of 21 runs)."""
    rng = random.Random(20250301)
    enrolments = max(1, round(ENROLMENTS * scale))
    jobs = max(1, round(JOBS * scale))
    return [
        {
            "name": f"insurance: pure core, {enrolments:,} enrolments",
            "measured_s": _time_contributions(rng, enrolments),
            "target_s": None,
        },
        {
            "name": f"employment: recommend_jobs, 1 resident over {jobs:,} jobs (median of {RECOMMEND_RUNS})",
            "measured_s": _time_recommend(rng, jobs),
            "target_s": 0.05,
        },
    ]
