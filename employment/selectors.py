"""Reads of the employment app: job search, explained matches and recommendations, lists and figures.

Recommendations run in two steps. The database applies the hard filters and computes the fit score with
bitwise arithmetic on the matcher's columns (jobs: ``Job.*_lo/_hi``; residents: ``JobSeekerProfile``),
and returns a bounded set that surely holds the best matches; the pure core (``employment.matching``)
then ranks that set, spreads comparable results, and explains each one.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from employment import matching
from employment.bits import WORD_BITS, from_words, shift_mask, shifts_of, to_words
from employment.models import Application, Job, JobSeekerProfile, Placement
from kunshan_portal.registry import ApplicationSummary
from residents.models import CertificateType, Employer, Resident, Skill, Town

RECOMMENDED_JOBS = 20
RECOMMENDED_CANDIDATES = 50
BAND = 5.0  # points: jobs whose scores fall in the same band are spread over residents
REFERENCE_CACHE_KEY = "employment:reference:1"
REFERENCE_CACHE_SECONDS = 60  # a skill added in the admin shows in explanations within a minute
BAND_CAP = 200  # most jobs of the best bands handed to the core (beyond, the database's tie order cuts)

FILTER_REASONS = {
    matching.FILTER_CERTIFICATES: _("A certificate the job requires is missing."),
    matching.FILTER_TOWN: _("The job is outside the towns where the resident looks for work."),
    matching.FILTER_SHIFT: _("The job is worked in shifts the resident does not accept."),
    matching.FILTER_WAGE: _("The job pays less than the lowest wage the resident accepts."),
}


# --- Reference lists and conversions to the pure core's plain data ---------------------------------


@dataclass(frozen=True)
class Reference:
    """Skills, certificate types and towns by id: small tables, read once per request."""

    skills: dict[int, Skill]
    certificates: dict[int, CertificateType]
    towns: dict[int, Town]

    @classmethod
    def load(cls) -> "Reference":
        """The three lists, read on every recommendation: one round trip, kept a minute in the cache."""
        rows = cache.get(REFERENCE_CACHE_KEY)
        if rows is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 's', id, code, name_zh, name_en, '' FROM residents_skill"
                    " UNION ALL SELECT 'c', id, code, name_zh, name_en, level FROM residents_certificatetype"
                    " UNION ALL SELECT 't', id, code, name_zh, name_en, kind FROM residents_town"
                )
                rows = cursor.fetchall()
            cache.set(REFERENCE_CACHE_KEY, rows, REFERENCE_CACHE_SECONDS)
        skills, certificates, towns = {}, {}, {}
        for kind, pk, code, name_zh, name_en, extra in rows:
            if kind == "s":
                skills[pk] = Skill(id=pk, code=code, name_zh=name_zh, name_en=name_en)
            elif kind == "c":
                certificates[pk] = CertificateType(
                    id=pk, code=code, name_zh=name_zh, name_en=name_en, level=extra
                )
            else:
                towns[pk] = Town(id=pk, code=code, name_zh=name_zh, name_en=name_en, kind=extra)
        return cls(skills=skills, certificates=certificates, towns=towns)

    def skill_codes(self, *words: int) -> frozenset[str]:
        return frozenset(self.skills[i].code for i in from_words(*words) if i in self.skills)

    def certificate_codes(self, *words: int) -> frozenset[str]:
        return frozenset(self.certificates[i].code for i in from_words(*words) if i in self.certificates)

    def town_codes(self, ids: Iterable[int]) -> frozenset[str]:
        return frozenset(self.towns[i].code for i in ids if i in self.towns)

    def skill_by_code(self) -> dict[str, Skill]:
        return {skill.code: skill for skill in self.skills.values()}

    def certificate_by_code(self) -> dict[str, CertificateType]:
        return {certificate.code: certificate for certificate in self.certificates.values()}


def job_as_core(job, reference: Reference) -> matching.Job:
    """A Job row (a model instance or any object with the matcher's columns) as the core sees it."""
    return matching.Job(
        id=job.id,
        required_certificates=reference.certificate_codes(job.certificates_lo, job.certificates_hi),
        town=reference.towns[job.town_id].code,
        commute_towns=reference.town_codes(job.commute_town_ids),
        shifts=shifts_of(job.shift_mask),
        wage_min=job.wage_min,
        wage_max=job.wage_max,
        essential_skills=reference.skill_codes(job.essential_lo, job.essential_hi),
        optional_skills=reference.skill_codes(job.optional_lo, job.optional_hi),
    )


def profile_as_core(profile: JobSeekerProfile, reference: Reference) -> matching.Candidate:
    return matching.Candidate(
        id=profile.resident_id,
        certificates=reference.certificate_codes(profile.certificates_lo, profile.certificates_hi),
        skills=reference.skill_codes(profile.skills_lo, profile.skills_hi),
        town=reference.towns[profile.town_id].code,
        acceptable_shifts=shifts_of(profile.acceptable_shift_mask),
        wage_floor=profile.wage_floor,
        willing_towns=reference.town_codes(profile.willing_town_ids),
    )


def jobseeker_profile(resident: Resident) -> JobSeekerProfile:
    """The resident's profile. The triggers create it with the resident; should it be missing (a load
    that bypassed them, until the rebuild runs), an unsaved one is read from the registry instead."""
    profile = JobSeekerProfile.objects.filter(resident_id=resident.pk).first()
    if profile is None:
        skills_lo, skills_hi = to_words(resident.skills.values_list("pk", flat=True))
        certificates_lo, certificates_hi = to_words(
            resident.certificates.values_list("certificate_type_id", flat=True)
        )
        profile = JobSeekerProfile(
            resident_id=resident.pk, town_id=resident.town_id, verified=resident.is_verified,
            skills_lo=skills_lo, skills_hi=skills_hi, certificates_lo=certificates_lo,
            certificates_hi=certificates_hi,
        )  # fmt: skip
    return profile


# --- Explanations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingOffer:
    """An open training programme that teaches a skill (filled in by the training programmes)."""

    title: str
    provider: str
    starts_on: date | None
    url: str


def training_programmes_for_skills(skill_codes: Iterable[str]) -> dict[str, list[TrainingOffer]]:
    """The open training programmes that teach each of these skills, by skill code.

    The seam for the training programmes (a later issue): until programmes exist it returns an empty
    mapping. That issue replaces the body with one query for the open programmes (seats left, not yet
    started) whose skill is among ``skill_codes``, as ``TrainingOffer`` rows; every explanation (the
    resident's and employer's pages and the API's ``training`` field) already shows them under the
    missing skill they teach.
    """
    return {}


@dataclass(frozen=True)
class Explanation:
    """Why a job and a resident match, with names in the reader's language."""

    score: float
    eligible: bool
    reasons: list[str]
    skills_matched: list[Skill]
    skills_missing_essential: list[Skill]
    skills_missing_optional: list[Skill]
    certificates_missing: list[CertificateType]
    training: dict[str, list[TrainingOffer]] = field(default_factory=dict)

    @property
    def score_display(self) -> int:
        return round(self.score)


def explain(
    result: matching.MatchResult, reference: Reference, *, training: dict | None = None
) -> Explanation:
    skills = reference.skill_by_code()
    certificates = reference.certificate_by_code()
    missing = (*result.skills_missing_essential, *result.skills_missing_optional)
    if training is None:
        training = training_programmes_for_skills(missing)
    return Explanation(
        score=result.score,
        eligible=result.eligible,
        reasons=[str(FILTER_REASONS[name]) for name in result.failed_filters],
        skills_matched=[skills[code] for code in result.skills_matched],
        skills_missing_essential=[skills[code] for code in result.skills_missing_essential],
        skills_missing_optional=[skills[code] for code in result.skills_missing_optional],
        certificates_missing=[certificates[code] for code in result.certificates_missing],
        training={code: training[code] for code in missing if training.get(code)},
    )


@dataclass(frozen=True)
class JobMatch:
    job: Job
    explanation: Explanation


@dataclass(frozen=True)
class CandidateMatch:
    resident: Resident
    explanation: Explanation
    skills: list[Skill] = field(default_factory=list)


def job_match_for_resident(*, job: Job, resident: Resident) -> Explanation:
    """The explained match of one job with one resident (eligible or not)."""
    reference = Reference.load()
    result = matching.match(
        job_as_core(job, reference), profile_as_core(jobseeker_profile(resident), reference)
    )
    return explain(result, reference)


# --- Recommendations ---------------------------------------------------------------------------------


def _held_terms(column: str, ids: Iterable[int]) -> str:
    """SQL summing the bits of ``ids`` in the words ``<column>_lo``/``<column>_hi`` (0 if none)."""
    terms = [
        f"(({column}_{'lo' if i < WORD_BITS else 'hi'} >> {i % WORD_BITS}) & 1)" for i in sorted(set(ids))
    ]
    return " + ".join(terms) or "0"


# What a recommendation reads of a job: the matcher's columns and what the list shows.
JOB_COLUMNS = (
    "id", "title", "state", "sector", "wage_min", "wage_max", "shift_mask", "dormitory", "openings",
    "hired_count", "published_at", "town_id", "employer_id", "occupation_id", "commute_town_ids",
    "essential_lo", "essential_hi", "optional_lo", "optional_hi", "certificates_lo", "certificates_hi",
    "essential_count", "optional_count",
)  # fmt: skip
NO_JIT = "SET LOCAL jit = off;"  # sent with the query: short queries lose more to compiling than they gain


def job_recommendations(*, resident: Resident, limit: int = RECOMMENDED_JOBS) -> list[JobMatch]:
    """The resident's best open jobs, with score and explanation; comparable jobs are spread over residents.

    The database keeps the jobs that pass the hard filters and lie in the best score bands that fill the
    limit (with a margin; when more than ``BAND_CAP`` tie there, the first in a stable pseudo-random order
    per resident), with what the list shows of each and how many applications each has in progress; the
    core orders those by band, then by those applications (fewest first), then by its own stable
    pseudo-random key per resident. Two round trips: the resident's profile, then the jobs.
    """
    if limit <= 0:
        return []
    reference = Reference.load()
    profile = jobseeker_profile(resident)
    candidate = profile_as_core(profile, reference)
    skill_ids = from_words(profile.skills_lo, profile.skills_hi)
    essential_held = _held_terms("j.essential", skill_ids)
    optional_held = _held_terms("j.optional", skill_ids)
    filters = []
    params: dict = {
        "reach": [profile.town_id, *profile.willing_town_ids],
        "town": profile.town_id,
        "c_lo": profile.certificates_lo,
        "c_hi": profile.certificates_hi,
        "band": BAND,
        "offset": limit - 1,
        "active": list(Application.ACTIVE_STATES),
        "seed": resident.pk,
        "cap": BAND_CAP,
    }
    if profile.acceptable_shift_mask:
        filters.append("AND (j.shift_mask & ~%(shifts)s) = 0")
        params["shifts"] = profile.acceptable_shift_mask
    if profile.wage_floor is not None:
        filters.append("AND j.wage_max >= %(floor)s")
        params["floor"] = profile.wage_floor
    score = f"""
        CASE WHEN j.essential_count = 0 THEN 80.0
             ELSE 80.0 * (({essential_held})::float8 / j.essential_count) END
      + CASE WHEN j.optional_count = 0 THEN 20.0
             ELSE 20.0 * (({optional_held})::float8 / j.optional_count) END"""
    hard = f"""
        j.state = 'open'
        AND (j.certificates_lo & ~(%(c_lo)s)::bigint) = 0 AND (j.certificates_hi & ~(%(c_hi)s)::bigint) = 0
        {" ".join(filters)}"""
    # Only integers computed here (bit positions) are written into the text; values go as parameters.
    # The jobs in the resident's towns come from an index-only scan; those reachable by commute, apart.
    sql = f"""
        WITH scored AS MATERIALIZED (
            SELECT j.id, {score} AS score FROM employment_job j
            WHERE {hard} AND j.town_id = ANY(%(reach)s)
            UNION ALL
            SELECT j.id, {score} AS score FROM employment_job j
            WHERE {hard} AND j.commute_town_ids @> ARRAY[%(town)s]::integer[] AND NOT j.town_id = ANY(%(reach)s)
        ), cutoff AS (
            SELECT score FROM scored ORDER BY score DESC LIMIT 1 OFFSET %(offset)s
        ), kept AS (
            SELECT id FROM scored
            WHERE score > coalesce(
                (SELECT 100.0 - %(band)s * (floor((100.0 - score) / %(band)s) + 1) FROM cutoff), -1.0
            ) - 1e-6
            ORDER BY floor((100.0 - score) / %(band)s), hashint8extended(id, %(seed)s)
            LIMIT %(cap)s
        )
        SELECT {", ".join(f"j.{name}" for name in JOB_COLUMNS)}, e.name,
               (SELECT count(*) FROM employment_application a
                WHERE a.job_id = j.id AND a.state = ANY(%(active)s)) AS exposure
        FROM kept k JOIN employment_job j ON j.id = k.id JOIN residents_employer e ON e.id = j.employer_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Plain rows for the core; model instances only for the jobs it picks (what the list shows of them).
    found, exposure, employer_names = {}, {}, {}
    for row in rows:
        values = dict(zip(JOB_COLUMNS, row, strict=False))
        found[values["id"]] = values
        employer_names[values["id"]], exposure[values["id"]] = row[-2], row[-1]
    core_jobs = [job_as_core(SimpleNamespace(**values), reference) for values in found.values()]
    results = matching.recommend_jobs(candidate, core_jobs, limit=limit, exposure=exposure, band=BAND)
    missing = {code for r in results for code in (*r.skills_missing_essential, *r.skills_missing_optional)}
    training = training_programmes_for_skills(missing)
    matches = []
    for result in results:
        values = found[result.job_id]
        names = [f.attname for f in Job._meta.concrete_fields if f.attname in values]  # in the model's order
        job = Job.from_db(connection.alias, names, [values[name] for name in names])
        job.employer = Employer(id=values["employer_id"], name=employer_names[result.job_id])
        job.town = reference.towns[values["town_id"]]
        matches.append(JobMatch(job=job, explanation=explain(result, reference, training=training)))
    return matches


def job_candidates(
    *, job: Job, limit: int = RECOMMENDED_CANDIDATES, reference: Reference | None = None
) -> list[CandidateMatch]:
    """The verified residents, looking for work, who fit the job best, with score and explanation.

    The database scans the candidates' index one town at a time (the job's town and its commute towns,
    plus those willing to work in the job's town) and keeps the ``limit`` best scores, equal scores in a
    stable pseudo-random order per job, with their profiles and names, in one round trip. The core then
    ranks and explains the ``limit`` found.
    """
    if limit <= 0:
        return []
    reference = reference or Reference.load()
    core_job = job_as_core(job, reference)
    essential = from_words(job.essential_lo, job.essential_hi)
    optional = from_words(job.optional_lo, job.optional_hi)
    e_count, o_count = len(essential), len(optional)
    essential_share = f"(({_held_terms('p.skills', essential)})::float8 / {e_count})" if e_count else "1.0"
    optional_share = f"(({_held_terms('p.skills', optional)})::float8 / {o_count})" if o_count else "1.0"
    score = f"80.0 * {essential_share} + 20.0 * {optional_share}"
    params = {
        "towns": sorted({job.town_id, *job.commute_town_ids}),
        "town": job.town_id,
        "c_lo": job.certificates_lo,
        "c_hi": job.certificates_hi,
        "shifts": job.shift_mask,
        "wage_max": job.wage_max,
        "seed": job.pk,
        "limit": limit,
    }
    hard = """
        p.verified AND p.open_to_work
        AND (p.certificates_lo & (%(c_lo)s)::bigint) = (%(c_lo)s)::bigint
        AND (p.certificates_hi & (%(c_hi)s)::bigint) = (%(c_hi)s)::bigint
        AND (p.acceptable_shift_mask = 0 OR (%(shifts)s::integer & ~p.acceptable_shift_mask) = 0)
        AND (p.wage_floor IS NULL OR p.wage_floor <= %(wage_max)s)
    """

    # Only integers computed here (bit positions, counts) are written into the text.
    query = f"""{NO_JIT}
            WITH best AS (
                SELECT resident_id, score FROM (
                    SELECT p.resident_id, {score} AS score FROM employment_jobseekerprofile p
                    WHERE {hard} AND p.town_id = ANY(%(towns)s)
                    UNION ALL
                    SELECT p.resident_id, {score} AS score FROM employment_jobseekerprofile p
                    WHERE {hard} AND p.willing_town_ids @> ARRAY[%(town)s]::integer[]
                      AND NOT p.town_id = ANY(%(towns)s)
                ) scored
                ORDER BY score DESC, hashint8extended(resident_id, %(seed)s)
                LIMIT %(limit)s
            )
            SELECT b.score, p.resident_id, p.town_id, p.verified, p.open_to_work, p.acceptable_shift_mask,
                   p.wage_floor, p.willing_town_ids, p.skills_lo, p.skills_hi, p.certificates_lo,
                   p.certificates_hi, r.name, r.education, r.state
            FROM best b
            JOIN employment_jobseekerprofile p ON p.resident_id = b.resident_id
            JOIN residents_resident r ON r.id = b.resident_id
            ORDER BY b.score DESC, hashint8extended(b.resident_id, %(seed)s)
        """  # noqa: S608

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    profiles, residents = {}, {}
    for (_score, resident_id, town_id, verified, open_to_work, shifts, floor, willing, s_lo, s_hi, c_lo, c_hi,
         name, education, state) in rows:  # fmt: skip
        profiles[resident_id] = JobSeekerProfile(
            resident_id=resident_id, town_id=town_id, verified=verified, open_to_work=open_to_work,
            acceptable_shift_mask=shifts, wage_floor=floor, willing_town_ids=willing, skills_lo=s_lo,
            skills_hi=s_hi, certificates_lo=c_lo, certificates_hi=c_hi,
        )  # fmt: skip
        resident = Resident(id=resident_id, name=name, education=education, town_id=town_id, state=state)
        resident.town = reference.towns[town_id]
        residents[resident_id] = resident
    candidates = [profile_as_core(profile, reference) for profile in profiles.values()]
    results = matching.recommend_candidates(core_job, candidates, limit=limit)
    missing = {code for r in results for code in (*r.skills_missing_essential, *r.skills_missing_optional)}
    training = training_programmes_for_skills(missing)
    matches = []
    for result in results:
        profile = profiles[result.candidate_id]
        held = from_words(profile.skills_lo, profile.skills_hi)
        skills = sorted((reference.skills[i] for i in held if i in reference.skills), key=lambda s: s.code)
        explanation = explain(result, reference, training=training)
        matches.append(
            CandidateMatch(resident=residents[result.candidate_id], explanation=explanation, skills=skills)
        )
    return matches


def applicant_explanations(
    *, job: Job, applications: Iterable[Application], reference: Reference | None = None
) -> dict[int, Explanation]:
    """The fit of each applicant with the job, by application id (one query for all their profiles)."""
    applications = list(applications)
    reference = reference or Reference.load()
    core_job = job_as_core(job, reference)
    profiles = JobSeekerProfile.objects.in_bulk([a.resident_id for a in applications])
    training = training_programmes_for_skills(core_job.essential_skills | core_job.optional_skills)
    explained = {}
    for application in applications:
        profile = profiles.get(application.resident_id) or jobseeker_profile(application.resident)
        result = matching.match(core_job, profile_as_core(profile, reference))
        explained[application.pk] = explain(result, reference, training=training)
    return explained


# --- Lists -------------------------------------------------------------------------------------------


def job_search(
    *,
    town: Town | None = None,
    sector: str = "",
    wage: Decimal | None = None,
    shifts: Iterable[str] = (),
    dormitory: bool | None = None,
    keyword: str = "",
) -> QuerySet[Job]:
    """Open jobs, newest first: in or reachable from the town, of the sector, paying at least the wage,
    worked only in the given shifts, with a dormitory if asked, and with the keyword in the title,
    occupation or employer's name."""
    jobs = Job.objects.filter(state=Job.State.OPEN).select_related("employer", "town", "occupation")
    if town is not None:
        jobs = jobs.filter(Q(town=town) | Q(commute_town_ids__contains=[town.pk]))
    if sector:
        jobs = jobs.filter(sector=sector)
    if wage is not None:
        jobs = jobs.filter(wage_max__gte=wage)
    mask = shift_mask(shifts)
    if mask:
        # worked only in shifts among those asked: no bit outside the mask (~mask is negative in Python,
        # the same bits as in SQL)
        jobs = jobs.alias(outside=F("shift_mask").bitand(~mask)).filter(outside=0)
    if dormitory is not None:
        jobs = jobs.filter(dormitory=dormitory)
    keyword = (keyword or "").strip()
    if keyword:
        jobs = jobs.filter(
            Q(title__icontains=keyword)
            | Q(occupation__name_zh__icontains=keyword)
            | Q(occupation__name_en__icontains=keyword)
            | Q(employer__name__icontains=keyword)
        )
    return jobs.order_by("-published_at", "-id")


def job_visible(*, user, pk: int) -> Job | None:
    """A job the user may see: an open one, or any job of an employer the user acts for."""
    jobs = Job.objects.select_related("employer", "town", "occupation").prefetch_related(
        "essential_skills", "optional_skills", "required_certificates", "commute_towns"
    )
    visible = Q(state=Job.State.OPEN)
    if getattr(user, "is_authenticated", False):
        visible |= Q(employer__accounts=user)
    return jobs.filter(visible, pk=pk).distinct().first()


def employer_jobs(*, employer: Employer) -> QuerySet[Job]:
    """The employer's own jobs in every state, with their count of applications in progress."""
    return (
        Job.objects.filter(employer=employer)
        .select_related("town", "occupation")
        .annotate(
            active_applications=Count(
                "applications", filter=Q(applications__state__in=Application.ACTIVE_STATES)
            )
        )
        .order_by("-created_at", "-id")
    )


def employer_job(*, employer: Employer, pk: int) -> Job | None:
    return (
        Job.objects.filter(employer=employer, pk=pk)
        .select_related("employer", "town", "occupation")
        .prefetch_related("essential_skills", "optional_skills", "required_certificates", "commute_towns")
        .first()
    )


def job_applications(*, job: Job) -> QuerySet[Application]:
    """A job's applications, those in progress first, newest first."""
    return (
        Application.objects.filter(job=job)
        .select_related("resident__town", "resident__user", "job")
        .alias(
            ended=Case(
                When(state__in=Application.ACTIVE_STATES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("ended", "-submitted_at", "-id")
    )


def resident_applications(*, resident: Resident) -> QuerySet[Application]:
    return (
        Application.objects.filter(resident=resident)
        .select_related("job__employer", "job__town")
        .order_by("-submitted_at", "-id")
    )


def resident_application(*, resident: Resident, pk: int) -> Application | None:
    return resident_applications(resident=resident).filter(pk=pk).first()


def employer_application(*, employer: Employer, pk: int) -> Application | None:
    return (
        Application.objects.filter(job__employer=employer, pk=pk)
        .select_related("job__employer", "job__town", "resident__town", "resident__user")
        .prefetch_related(Prefetch("resident__skills"), "resident__certificates__certificate_type")
        .first()
    )


def applications_for_user(user) -> QuerySet[Application]:
    """The applications an API caller may see: a resident's own, and those for an employer's jobs."""
    mine = Q(resident__user=user) | Q(job__employer__accounts=user)
    return (
        Application.objects.filter(mine)
        .distinct()
        .select_related("job__employer", "job__town", "resident__town")
        .order_by("-submitted_at", "-id")
    )


def applied_job_ids(*, resident: Resident, jobs: Iterable[Job]) -> set[int]:
    """Which of these jobs the resident has applied for (and not withdrawn)."""
    return set(
        Application.objects.filter(resident=resident, job__in=[job.pk for job in jobs])
        .exclude(state=Application.State.WITHDRAWN)
        .values_list("job_id", flat=True)
    )


def active_application_for(*, job: Job, resident: Resident) -> Application | None:
    return (
        Application.objects.filter(job=job, resident=resident)
        .exclude(state=Application.State.WITHDRAWN)
        .first()
    )


# --- Figures for the dashboards ----------------------------------------------------------------------


def placements_by_month_and_town(
    *, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Placements counted by calendar month (Asia/Shanghai) and town of the job, oldest month first.

    Each row: ``{"month": date, "town_id", "town_code", "town": name, "placements": n}``.
    """
    placements = Placement.objects.all()
    if since is not None:
        placements = placements.filter(hired_at__gte=since)
    if until is not None:
        placements = placements.filter(hired_at__lt=until)
    rows = (
        placements.annotate(month=TruncMonth("hired_at"))
        .values("month", "town_id", "town__code", "town__name_zh", "town__name_en")
        .annotate(placements=Count("id"))
        .order_by("month", "town_id")
    )
    english = translation.get_language() == "en"
    return [
        {
            "month": row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            "town_id": row["town_id"],
            "town_code": row["town__code"],
            "town": row["town__name_en"] if english else row["town__name_zh"],
            "placements": row["placements"],
        }
        for row in rows
    ]


def employment_stats() -> tuple[str, list[tuple[str, object]]]:
    """The employment section of the officials' dashboard."""
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year_ago = month_start - timedelta(days=365)
    jobs = Job.objects.filter(state=Job.State.OPEN).aggregate(
        jobs=Count("id"), openings=Sum("openings"), hired=Sum("hired_count")
    )
    applications = Application.objects.filter(state__in=Application.ACTIVE_STATES).count()
    figures: list[tuple[str, object]] = [
        (_("Open job postings"), jobs["jobs"]),
        (_("Openings still to fill"), (jobs["openings"] or 0) - (jobs["hired"] or 0)),
        (_("Job applications in progress"), applications),
        (_("Placements this month"), Placement.objects.filter(hired_at__gte=month_start).count()),
        (_("Placements in the last 12 months"), Placement.objects.filter(hired_at__gte=year_ago).count()),
    ]
    by_town: dict[str, int] = {}
    for row in placements_by_month_and_town(since=month_start):
        by_town[row["town"]] = by_town.get(row["town"], 0) + row["placements"]
    figures += [
        (_("Placements this month, %(town)s") % {"town": town}, count)
        for town, count in sorted(by_town.items())
    ]
    return str(_("Employment")), [(str(label), value) for label, value in figures]


def resident_application_summaries(resident: Resident) -> list[ApplicationSummary]:
    """The resident's job applications for their own page across the portal."""
    return [
        ApplicationSummary(
            kind=str(_("Job application")),
            title=f"{application.job.title}, {application.job.employer.name}",
            state=application.get_state_display(),
            submitted_at=application.submitted_at,
            url=application.get_absolute_url(),
        )
        for application in resident_applications(resident=resident)
    ]
