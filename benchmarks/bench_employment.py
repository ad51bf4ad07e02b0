"""Benchmark of job matching on PostgreSQL: a resident's top 20 jobs and a job's top 50 candidates.

At scale 1.0 the city has 1,350,000 residents (with their job seeker profiles) and 50,000 open jobs of
2,000 employers, with 100,000 applications in progress. The data is generated inside the database
(INSERT … SELECT over generate_series, triggers off for the load, then the matcher's tables vacuumed the
way autovacuum leaves them), tagged, and kept for the next run at the same scale (``reuse``); another
scale replaces it. Skills, certificates and preferences follow rough popularity weights rather than a
uniform draw, so that some skills are common and some rare, as in the city.

What is timed is the selector the pages and the API call (``job_recommendations``,
``job_candidates``): the database's filtering and scoring plus the pure core's ranking and explanation,
for 21 random residents and 21 random jobs after two warm-up calls (median reported); then the same
residents' recommendations again with their rankings kept (``KUNSHAN_RECOMMENDATION_SECONDS``), as the
pages and the API serve a resident who comes back within the time, with the whole ranking as reference.
"""

import random
import statistics
import time

from django.db import connection, transaction
from django.test import override_settings

from employment.models import Job, Occupation
from employment.selectors import Reference, job_candidates, job_recommendations
from residents.models import CertificateType, Resident, Skill, Town

RESIDENTS = 1_350_000
JOBS = 50_000
EMPLOYERS = 2_000
APPLICATIONS_PER_JOB = 2
RUNS = 21
WARM_UP = 2
TAG = "employment-bench-"  # not "bench-…": other benchmarks clean up their own "bench-" rows
USCC_TAG = "EMPBENCH"
SEED = 20260501
DATA_VERSION = "bench-data-3"  # change it when the generator changes: the next run loads afresh

# Share of residents holding each skill (by the seeded codes); unknown codes get a small share.
SKILL_SHARE = {
    "assembly": 0.25, "quality-inspection": 0.16, "smt-operation": 0.12, "warehouse": 0.10,
    "forklift": 0.08, "injection-moulding": 0.08, "computer-operation": 0.10, "cleaning": 0.07,
    "cooking": 0.06, "customer-service": 0.07, "driving": 0.08, "security": 0.05, "sewing": 0.05,
    "electric-welding": 0.04, "electrician": 0.03, "cnc-machining": 0.03, "bricklaying": 0.03,
    "rebar": 0.02, "carpentry": 0.02, "appliance-repair": 0.02,
}  # fmt: skip
CERTIFICATE_SHARE = {
    "construction-safety": 0.06, "driving-licence-c1": 0.08, "food-hygiene": 0.05, "forklift-special": 0.04,
    "welder-special": 0.02, "electrician-special": 0.02, "vocational-diploma": 0.06,
}  # fmt: skip
# Town weights: the big towns and zones first.
TOWN_WEIGHT = {
    "development-zone": 18, "yushan": 14, "hi-tech-zone": 10, "huaqiao-edz": 9, "zhoushi": 8, "lujia": 7,
    "zhangpu": 7, "qiandeng": 6, "bacheng": 6, "huaqiao": 5, "dianshanhu": 4, "zhouzhuang": 3, "jinxi": 3,
}  # fmt: skip


def _exists(residents: int, jobs: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM residents_resident WHERE id_number_hash >= %s AND id_number_hash < %s",
            [TAG, TAG[:-1] + "."],
        )
        (found_residents,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM employment_job j JOIN residents_employer e ON e.id = j.employer_id "
            "WHERE e.uscc LIKE %s AND e.contact_name = %s AND j.state = 'open'",
            [USCC_TAG + "%", DATA_VERSION],
        )
        (found_jobs,) = cursor.fetchone()
    return found_residents == residents and found_jobs == jobs


def _drop(cursor) -> None:
    """Remove an earlier load (of another scale), with the triggers off as when it was written."""
    bench_residents = "SELECT id FROM residents_resident WHERE id_number_hash >= %s AND id_number_hash < %s"
    bench_jobs = "SELECT j.id FROM employment_job j JOIN residents_employer e ON e.id = j.employer_id WHERE e.uscc LIKE %s"
    span = [TAG, TAG[:-1] + "."]
    cursor.execute(f"DELETE FROM employment_application WHERE job_id IN ({bench_jobs})", [USCC_TAG + "%"])
    for table in ("essential_skills", "optional_skills", "required_certificates", "commute_towns"):
        cursor.execute(f"DELETE FROM employment_job_{table} WHERE job_id IN ({bench_jobs})", [USCC_TAG + "%"])
    cursor.execute(f"DELETE FROM employment_job WHERE id IN ({bench_jobs})", [USCC_TAG + "%"])
    cursor.execute(f"DELETE FROM employment_jobseekerprofile WHERE resident_id IN ({bench_residents})", span)
    cursor.execute("DELETE FROM residents_resident WHERE id_number_hash >= %s AND id_number_hash < %s", span)
    cursor.execute("DELETE FROM residents_employer WHERE uscc LIKE %s", [USCC_TAG + "%"])


def _bits_sql(shares: dict[int, float], column_for) -> str:
    """SQL OR-ing, for every id, its bit with the given probability (random() per row and id)."""
    terms = [
        f"(CASE WHEN random() < {share} THEN (1::bigint << {item_id % 64}) ELSE 0 END)"
        for item_id, share in shares.items()
        if column_for(item_id)
    ]
    return " | ".join(terms) or "0"


def _weighted_town_sql(weights: dict[int, int]) -> str:
    """SQL picking a town id by weight from one random() per row."""
    total = sum(weights.values())
    cases, running = [], 0
    for town_id, weight in weights.items():
        running += weight
        cases.append(f"WHEN r < {running / total} THEN {town_id}")
    return f"(CASE {' '.join(cases)} ELSE {next(iter(weights))} END)"


def _load(residents: int, jobs: int) -> None:
    skills = {s.code: s.pk for s in Skill.objects.all()}
    certificates = {c.code: c.pk for c in CertificateType.objects.all()}
    towns = {t.code: t.pk for t in Town.objects.all()}
    town_weights = {towns[code]: weight for code, weight in TOWN_WEIGHT.items() if code in towns}
    skill_shares = {pk: SKILL_SHARE.get(code, 0.01) for code, pk in skills.items()}
    certificate_shares = {pk: CERTIFICATE_SHARE.get(code, 0.01) for code, pk in certificates.items()}
    safety = certificates.get("construction-safety", 0)
    occupations = list(Occupation.objects.values_list("pk", "sector"))
    town_ids = sorted(towns.values())
    employers = max(10, round(EMPLOYERS * residents / RESIDENTS))
    with transaction.atomic(), connection.cursor() as cursor:
        # The load writes the rows the triggers would write, itself: triggers (history, profiles) off.
        cursor.execute("SET LOCAL session_replication_role = replica")
        _drop(cursor)
        cursor.execute(
            f"""
            INSERT INTO residents_employer (created_at, updated_at, name, uscc, sector, foreign_funded,
                                            contact_name, contact_phone, town_id)
            SELECT now(), now(), 'Bench employer ' || g, %s || lpad(g::text, 10, '0'),
                   (ARRAY['manufacturing','electronics','construction','logistics','retail','services',
                          'textiles'])[1 + floor(random() * 7)::int],
                   random() < 0.3, %s, '', t.town
            FROM generate_series(1, %s) g, LATERAL (SELECT random() AS r WHERE g > 0 OFFSET 0) x,
                 LATERAL (SELECT {_weighted_town_sql(town_weights)} AS town) t
            """,
            [USCC_TAG, DATA_VERSION, employers],
        )
        cursor.execute(
            f"""
            INSERT INTO residents_resident (
                created_at, updated_at, submitted_at, decision_note, id_number_encrypted, id_number_hash,
                id_number_masked, birth_date, gender, state, name, phone, home_region_code,
                home_province_code, arrival_date, address, education, town_id)
            SELECT now(), now(), now(), '', 'bench', %s || lpad(g::text, 9, '0'), '3401**********000X',
                   date '1975-01-01' + (random() * 12000)::int, CASE WHEN random() < 0.55 THEN 'male' ELSE 'female' END,
                   CASE WHEN random() < 0.9 THEN 'verified' ELSE 'pending' END, 'Bench resident ' || lpad(g::text, 9, '0'),
                   '139' || lpad((g %% 100000000)::text, 8, '0'), '340121', '34',
                   date '2015-01-01' + (random() * 3000)::int, 'bench', 'junior', t.town
            FROM generate_series(1, %s) g, LATERAL (SELECT random() AS r WHERE g > 0 OFFSET 0) x,
                 LATERAL (SELECT {_weighted_town_sql(town_weights)} AS town) t
            """,
            [TAG, residents],
        )
        cursor.execute(
            f"""
            INSERT INTO employment_jobseekerprofile (
                resident_id, town_id, verified, skills_lo, skills_hi, certificates_lo, certificates_hi,
                open_to_work, acceptable_shift_mask, wage_floor, willing_town_ids, updated_at)
            SELECT r.id, r.town_id, r.state = 'verified',
                   {_bits_sql(skill_shares, lambda i: i < 64)}, {_bits_sql(skill_shares, lambda i: i >= 64)},
                   {_bits_sql(certificate_shares, lambda i: i < 64)},
                   {_bits_sql(certificate_shares, lambda i: i >= 64)},
                   random() < 0.85,
                   (ARRAY[0, 0, 0, 0, 0, 1, 1, 3, 5, 15])[1 + floor(random() * 10)::int],
                   CASE WHEN random() < 0.4 THEN NULL ELSE 3500 + floor(random() * 45) * 100 END,
                   CASE WHEN random() < 0.75 THEN '{{}}'::integer[]
                        ELSE ARRAY[(ARRAY{town_ids})[1 + floor(random() * {len(town_ids)})::int]] END,
                   now()
            FROM residents_resident r
            WHERE r.id_number_hash >= %s AND r.id_number_hash < %s
            """,
            [TAG, TAG[:-1] + "."],
        )
        occupation_ids = [pk for pk, _sector in occupations]
        job_skill_shares = {pk: min(0.6, share * 1.5) for pk, share in skill_shares.items()}
        cursor.execute(
            f"""
            INSERT INTO employment_job (
                created_at, updated_at, submitted_at, decision_note, state, title, sector, description,
                wage_min, wage_max, shift_mask, openings, hired_count, dormitory, published_at,
                occupation_id, town_id, employer_id, essential_lo, essential_hi, optional_lo, optional_hi,
                certificates_lo, certificates_hi, essential_count, optional_count, commute_town_ids)
            SELECT now(), now(), now(), '', 'open', 'Bench job ' || g, e.sector, '',
                   w.low, w.low + floor(random() * 30) * 100,
                   (ARRAY[1, 1, 1, 1, 5, 5, 5, 3, 0, 4])[1 + floor(random() * 10)::int],
                   1 + floor(random() * 20)::int, 0, random() < 0.4, now() - random() * interval '60 days',
                   (ARRAY{occupation_ids})[1 + floor(random() * {len(occupation_ids)})::int], t.town, e.id,
                   s.essential & ~s.optional, 0, s.optional & ~s.essential, 0,
                   c.required | CASE WHEN e.sector = 'construction' THEN (1::bigint << {safety % 64}) ELSE 0 END, 0,
                   bit_count((s.essential & ~s.optional)::bit(64)), bit_count((s.optional & ~s.essential)::bit(64)),
                   ARRAY(SELECT DISTINCT pick FROM (
                             SELECT (ARRAY{town_ids})[1 + floor(random() * {len(town_ids)})::int] AS pick
                             FROM generate_series(1, (ARRAY[0, 0, 1, 1, 2, 3])[1 + floor(random() * 6)::int] + 0 * g)
                         ) picks WHERE pick <> t.town)
            FROM generate_series(1, %s) g
            JOIN LATERAL (SELECT id, sector FROM residents_employer
                          WHERE uscc = %s || lpad((1 + (g %% %s))::text, 10, '0')) e ON true,
                 LATERAL (SELECT random() AS r WHERE g > 0 OFFSET 0) x,
                 LATERAL (SELECT {_weighted_town_sql(town_weights)} AS town) t,
                 LATERAL (SELECT (4000 + floor(random() * 40) * 100)::numeric AS low WHERE g > 0 OFFSET 0) w,
                 LATERAL (SELECT ({_bits_sql(job_skill_shares, lambda i: i < 64)})
                                 AS essential,
                                 ({_bits_sql({k: v / 2 for k, v in job_skill_shares.items()}, lambda i: i < 64)})
                                 AS optional WHERE g > 0 OFFSET 0) s,
                 LATERAL (SELECT CASE WHEN random() < 0.15
                                 THEN {_bits_sql({k: 0.2 for k in certificate_shares}, lambda i: i < 64)}
                                 ELSE 0 END AS required WHERE g > 0 OFFSET 0) c
            """,
            [jobs, USCC_TAG, employers],
        )
        bench_jobs = (
            "SELECT j.id, j.essential_lo, j.optional_lo, j.certificates_lo, j.commute_town_ids FROM employment_job j "
            "JOIN residents_employer e ON e.id = j.employer_id WHERE e.uscc LIKE %s"
        )
        for table, column, word in (
            ("essential_skills", "skill_id", "essential_lo"),
            ("optional_skills", "skill_id", "optional_lo"),
        ):
            cursor.execute(
                f"INSERT INTO employment_job_{table} (job_id, {column}) SELECT j.id, s.id FROM ({bench_jobs}) j "
                f"JOIN residents_skill s ON s.id < 64 AND (j.{word} >> s.id::int) & 1 = 1",
                [USCC_TAG + "%"],
            )
        cursor.execute(
            f"INSERT INTO employment_job_required_certificates (job_id, certificatetype_id) "
            f"SELECT j.id, c.id FROM ({bench_jobs}) j "
            f"JOIN residents_certificatetype c ON c.id < 64 AND (j.certificates_lo >> c.id::int) & 1 = 1",
            [USCC_TAG + "%"],
        )
        cursor.execute(
            f"INSERT INTO employment_job_commute_towns (job_id, town_id) "
            f"SELECT j.id, t FROM ({bench_jobs}) j, unnest(j.commute_town_ids) t",
            [USCC_TAG + "%"],
        )
        # Applications in progress, so that each job's exposure is counted as in a busy city.
        cursor.execute(
            """
            WITH bounds AS (
                SELECT min(id) AS first, max(id) AS last FROM residents_resident
                WHERE id_number_hash >= %s AND id_number_hash < %s
            ), jobs AS (
                SELECT array_agg(j.id) AS ids FROM employment_job j
                JOIN residents_employer e ON e.id = j.employer_id WHERE e.uscc LIKE %s
            )
            INSERT INTO employment_application (
                created_at, updated_at, submitted_at, decision_note, state, note, interview_place,
                job_id, resident_id)
            SELECT now(), now(), now(), '', (ARRAY['submitted', 'submitted', 'shortlisted', 'interview'])[
                       1 + floor(random() * 4)::int], '', '',
                   jobs.ids[1 + floor(random() * cardinality(jobs.ids))::int],
                   bounds.first + floor(random() * (bounds.last - bounds.first + 1))::bigint
            FROM generate_series(1, %s) g, bounds, jobs
            ON CONFLICT DO NOTHING
            """,
            [TAG, TAG[:-1] + ".", USCC_TAG + "%", jobs * APPLICATIONS_PER_JOB],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE residents_resident")


def _vacuumed(patience_s: float = 60.0) -> float:
    """VACUUM the matcher's tables until their visibility maps are set, as autovacuum keeps them in
    service (a transaction left open elsewhere on the server delays that); the share of the profiles'
    pages all-visible in the end."""
    deadline = time.monotonic() + patience_s
    with connection.cursor() as cursor:
        while True:
            for table in ("employment_jobseekerprofile", "employment_job", "employment_application"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(
                "SELECT relallvisible::float / greatest(relpages, 1) FROM pg_class "
                "WHERE relname = 'employment_jobseekerprofile'"
            )
            (visible,) = cursor.fetchone()
            if visible >= 0.95 or time.monotonic() > deadline:
                return visible
            time.sleep(10)


def _median_time(calls) -> float:
    timings = []
    for index, call in enumerate(calls):
        started = time.perf_counter()
        call()
        if index >= WARM_UP:
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run(scale: float = 1.0) -> list[dict]:
    """Load (or reuse) the city at this scale, then time both recommendations (medians of 21 calls)."""
    residents = max(1_000, round(RESIDENTS * scale))
    jobs = max(50, round(JOBS * scale))
    started = time.perf_counter()
    reused = _exists(residents, jobs)
    if not reused:
        _load(residents, jobs)
    load_s = time.perf_counter() - started
    visible = _vacuumed()
    rng = random.Random(SEED)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM residents_resident WHERE id_number_hash >= %s AND id_number_hash < %s",
            [TAG, TAG[:-1] + "."],
        )
        first, last = cursor.fetchone()
    sample = list(
        Resident.objects.filter(pk__in=[rng.randint(first, last) for _ in range(RUNS * 2)], state="verified")[
            : RUNS + WARM_UP
        ]
    )
    job_ids = list(
        Job.objects.filter(employer__uscc__startswith=USCC_TAG, state=Job.State.OPEN).values_list(
            "pk", flat=True
        )
    )
    job_sample = list(Job.objects.filter(pk__in=rng.sample(job_ids, min(len(job_ids), RUNS + WARM_UP))))
    Reference.load()
    found_jobs, found_candidates = [], []
    with override_settings(KUNSHAN_RECOMMENDATION_SECONDS=0):  # the whole ranking each time
        recommend_s = _median_time(
            [lambda r=r: found_jobs.append(len(job_recommendations(resident=r))) for r in sample]
        )
    # The same residents again with their rankings kept (as the pages and the API do): kept, then timed.
    with override_settings(KUNSHAN_RECOMMENDATION_SECONDS=300):
        for resident in sample:
            job_recommendations(resident=resident)
        kept_s = _median_time([lambda r=r: job_recommendations(resident=r) for r in sample])
    candidates_s = _median_time(
        [lambda j=j: found_candidates.append(len(job_candidates(job=j))) for j in job_sample]
    )
    note = (
        f"{'reused' if reused else 'loaded'} {residents:,} residents, {jobs:,} open jobs in {load_s:.1f}s; "
        f"median results {statistics.median(found_jobs):.0f} jobs, {statistics.median(found_candidates):.0f} "
        f"candidates; profiles' pages all-visible {visible:.0%}"
    )
    return [
        {
            "name": f"employment: a resident's top 20 of {jobs:,} open jobs (median of {RUNS})",
            "measured_s": recommend_s,
            "target_s": 0.05,
            "note": note,
        },
        {
            "name": f"employment: the same with the resident's ranking kept (median of {RUNS})",
            "measured_s": kept_s,
            "target_s": 0.05,
            "reference_s": recommend_s,
        },
        {
            "name": f"employment: a job's top 50 of {residents:,} residents (median of {RUNS})",
            "measured_s": candidates_s,
            "target_s": 0.3,
        },
    ]
