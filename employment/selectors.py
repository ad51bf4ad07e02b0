"""Reads of the employment app: job search, explained matches and recommendations, lists and figures.

Recommendations run in two steps. The database applies the hard filters and computes the fit score with
bitwise arithmetic on the matcher's columns (jobs: ``Job.*_lo/_hi``; residents: ``JobSeekerProfile``),
and returns a bounded set that surely holds the best matches; the pure core (``employment.matching``)
then ranks that set, spreads comparable results, and explains each one.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from types import SimpleNamespace

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from employment import matching
from employment.bits import WORD_BITS, from_words, shift_mask, shifts_of, to_words
from employment.models import (
    Application,
    Enrolment,
    Fair,
    FairEmployer,
    FairInterviewSlot,
    FairRegistration,
    Job,
    JobSeekerProfile,
    Placement,
    SubsidyClaim,
    SubsidySchedule,
    TrainingProgramme,
    TrainingSession,
)
from kunshan_portal.compiled import CompiledModelQuery, CompiledQuery, execute_prepared, first_of
from kunshan_portal.registry import ApplicationSummary
from residents.models import CertificateType, Employer, Resident, ResidentCertificate, Skill, Town

RECOMMENDED_JOBS = 20
RECOMMENDED_CANDIDATES = 50
BAND = 5.0  # points: jobs whose scores fall in the same band are spread over residents
REFERENCE_CACHE_KEY = "employment:reference:1"
REFERENCE_CACHE_SECONDS = 60  # a skill added in the admin shows in explanations within a minute
RECOMMENDATION_KEY_VERSION = 1  # change it when what is kept changes
BAND_CAP = 200  # most jobs of the best bands handed to the core (beyond, the database's tie order cuts)
TRAINING_OFFERS_PER_SKILL = 3  # programmes shown under each missing skill

CODES_KEPT = 50_000  # packed words whose code sets a process keeps (a few MB at most)

FILTER_REASONS = {
    matching.FILTER_CERTIFICATES: _("A certificate the job requires is missing."),
    matching.FILTER_TOWN: _("The job is outside the towns where the resident looks for work."),
    matching.FILTER_SHIFT: _("The job is worked in shifts the resident does not accept."),
    matching.FILTER_WAGE: _("The job pays less than the lowest wage the resident accepts."),
}


# --- Reference lists and conversions to the pure core's plain data ---------------------------------


@dataclass(frozen=True)
class Reference:
    """Skills, certificate types and towns by id: small tables, read once per request.

    While the lists are unchanged the process keeps one Reference, and with it the code sets it has
    worked out for packed words (jobs recur in every resident's recommendations)."""

    skills: dict[int, Skill]
    certificates: dict[int, CertificateType]
    towns: dict[int, Town]
    _codes: dict = field(default_factory=dict, compare=False, repr=False)

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
        kept_rows, kept = _LOADED
        if rows == kept_rows:
            return kept
        reference = cls._from_rows(rows)
        _LOADED[:] = [rows, reference]
        return reference

    @classmethod
    def _from_rows(cls, rows) -> "Reference":
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
        return self._codes_of(self.skills, "s", words)

    def certificate_codes(self, *words: int) -> frozenset[str]:
        return self._codes_of(self.certificates, "c", words)

    def _codes_of(
        self, table: dict, kind: str, values: tuple[int, ...], *, packed: bool = True
    ) -> frozenset[str]:
        """The codes of the ids packed in ``values`` (or listed there, if not ``packed``)."""
        key = (kind, *values)
        codes = self._codes.get(key)
        if codes is None:
            if len(self._codes) >= CODES_KEPT:
                self._codes.clear()
            ids = from_words(*values) if packed else values
            codes = self._codes[key] = frozenset(table[i].code for i in ids if i in table)
        return codes

    def town_codes(self, ids: Iterable[int]) -> frozenset[str]:
        return self._codes_of(self.towns, "t", tuple(ids), packed=False)

    def skill_by_code(self) -> dict[str, Skill]:
        return {skill.code: skill for skill in self.skills.values()}

    def certificate_by_code(self) -> dict[str, CertificateType]:
        return {certificate.code: certificate for certificate in self.certificates.values()}


_LOADED: list = [None, None]  # the rows last read and the Reference made of them (one per process)


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


def towns_of(town_ids: Iterable[int]) -> list[Town]:
    """These towns in the towns' own order (kind, then id), from the reference lists: no query of their own."""
    if not town_ids:
        return []
    towns = Reference.load().towns
    return sorted((towns[pk] for pk in town_ids if pk in towns), key=lambda town: (town.kind, town.pk))


_PROFILE_OF = CompiledModelQuery(
    lambda resident_id: first_of(JobSeekerProfile.objects.filter(resident_id=resident_id))
)


def jobseeker_profile(resident: Resident) -> JobSeekerProfile:
    """The resident's profile. The triggers create it with the resident; should it be missing (a load
    that bypassed them, until the rebuild runs), an unsaved one is read from the registry instead."""
    profile = _PROFILE_OF.first(resident.pk)
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


# At most %s per skill (TRAINING_OFFERS_PER_SKILL): the city runs some 25 open programmes for each skill,
# and a page needs three.
_OPEN_PROGRAMMES_SQL = """
    SELECT id, title, provider, starts_on, code FROM (
        SELECT p.id, p.title, p.provider, p.starts_on, s.code, row_number() OVER (
            PARTITION BY s.code ORDER BY p.enrolled_count >= p.seats, p.starts_on, p.id
        ) AS rank
        FROM employment_trainingprogramme p JOIN residents_skill s ON s.id = p.skill_id
        WHERE s.code = ANY(%s) AND p.starts_on > %s
    ) AS offers
    WHERE rank <= %s
    ORDER BY code, rank
"""
_ADDRESS_MARKER = 7_340_000_003  # a number no row has, where each row's number goes


def address_parts(viewname: str) -> tuple[str, str]:
    """The address of a view taking a row's number, reversed once, as the text before and after the
    number: a page of rows writes each row's address with one join instead of a reverse (33 µs) each."""
    before, after = reverse(viewname, args=[_ADDRESS_MARKER]).split(str(_ADDRESS_MARKER))
    return before, after


def training_programmes_for_skills(skill_codes: Iterable[str]) -> dict[str, list[TrainingOffer]]:
    """The open training programmes that teach each of these skills, by skill code, as ``TrainingOffer``
    rows, in one query; every explanation (the resident's and employer's pages and the API's ``training``
    field) shows them under the missing skill they teach.

    Open means not yet started: a programme with no seat left still takes enrolments on its waiting
    list. Those with seats left come first, then the soonest; at most ``TRAINING_OFFERS_PER_SKILL`` each.
    """
    codes = sorted({code for code in skill_codes if code})
    if not codes:
        return {}
    # One statement written once, the codes as one array: every recommendation list and job page asks this
    # with another set of codes, and Django built and compiled its queryset anew each time (0.5 ms).
    with connection.cursor() as cursor:
        execute_prepared(
            cursor, _OPEN_PROGRAMMES_SQL, [codes, timezone.localdate(), TRAINING_OFFERS_PER_SKILL]
        )
        programmes = cursor.fetchall()
    before, after = address_parts("employment:training-detail")
    offers: dict[str, list[TrainingOffer]] = {}
    for pk, title, provider, starts_on, code in programmes:
        offers.setdefault(code, []).append(
            TrainingOffer(title=title, provider=provider, starts_on=starts_on, url=f"{before}{pk}{after}")
        )
    return offers


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


def job_match_for_resident(
    *, job: Job, resident: Resident, reference: Reference | None = None
) -> Explanation:
    """The explained match of one job with one resident (eligible or not)."""
    reference = reference or Reference.load()
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
JOB_SELECT = ", ".join(f"j.{name}" for name in JOB_COLUMNS)
KEPT_JOBS_SQL = f"""
    SELECT {JOB_SELECT}, e.name FROM employment_job j JOIN residents_employer e ON e.id = j.employer_id
    WHERE j.id = ANY(%s) AND j.state = 'open'
"""  # noqa: S608 (only the column names are written in)
NO_JIT = "SET LOCAL jit = off;"  # sent with the query: short queries lose more to compiling than they gain


def job_recommendations(
    *, resident: Resident, limit: int = RECOMMENDED_JOBS, profile: JobSeekerProfile | None = None
) -> list[JobMatch]:
    """The resident's best open jobs, with score and explanation; comparable jobs are spread over residents.

    The database keeps the jobs that pass the hard filters and lie in the best score bands that fill the
    limit (with a margin; when more than ``BAND_CAP`` tie there, the first in a stable pseudo-random order
    per resident), with what the list shows of each and how many applications each has in progress; the
    core orders those by band, then by those applications (fewest first), then by its own stable
    pseudo-random key per resident. Two round trips: the resident's profile (none if the caller has it
    already), then the jobs.

    A full list's order is kept in the cache (``KUNSHAN_RECOMMENDATION_SECONDS``) under the profile's
    matching fields: until then the jobs are only read again by number and matched anew, and the whole
    ranking runs again if one of them closed or no longer scores as it did. So a changed profile (new
    preferences, skills or certificates) or a changed job shows at once; a new job, or the spread by
    applications in progress, within that time. A short list is never kept: few jobs match, and each new
    one counts. Then one more round trip: the training programmes for the skills the jobs miss.
    """
    if limit <= 0:
        return []
    reference = Reference.load()
    profile = profile or jobseeker_profile(resident)
    candidate = profile_as_core(profile, reference)
    seconds = settings.KUNSHAN_RECOMMENDATION_SECONDS
    key = _recommendation_key(profile, limit) if seconds > 0 else None
    kept = cache.get(key) if key else None
    ranked = _kept_ranking(kept, candidate, reference) if kept else None
    if ranked is None:
        ranked = _ranking(profile, candidate, reference, limit=limit, seed=resident.pk)
        if key and len(ranked[0]) == limit:
            cache.set(key, [(result.job_id, result.score) for result in ranked[0]], seconds)
    results, found = ranked
    missing = {code for r in results for code in (*r.skills_missing_essential, *r.skills_missing_optional)}
    training = training_programmes_for_skills(missing)
    matches, names = [], None
    for result in results:
        values = found[result.job_id]
        if names is None:  # the columns read, in the model's order (the same for every row)
            names = [f.attname for f in Job._meta.concrete_fields if f.attname in values]
        job = Job.from_db(connection.alias, names, [values[name] for name in names])
        job.employer = Employer(id=values["employer_id"], name=values["employer_name"])
        job.town = reference.towns[values["town_id"]]
        matches.append(JobMatch(job=job, explanation=explain(result, reference, training=training)))
    return matches


def _recommendation_key(profile: JobSeekerProfile, limit: int) -> str:
    """The cache key of a ranking: the resident, the limit and every profile field the matching reads."""
    fields = (
        profile.resident_id, limit, profile.town_id, tuple(profile.willing_town_ids or ()), profile.skills_lo,
        profile.skills_hi, profile.certificates_lo, profile.certificates_hi, profile.acceptable_shift_mask,
        str(profile.wage_floor),
    )  # fmt: skip
    return f"employment:recommended:{RECOMMENDATION_KEY_VERSION}:" + ":".join(map(str, fields))


def _job_values(row) -> dict:
    """A row of ``JOB_COLUMNS`` then the employer's name, as the core and the list read it."""
    values = dict(zip(JOB_COLUMNS, row, strict=False))
    values["employer_name"] = row[len(JOB_COLUMNS)]
    return values


def _kept_ranking(kept, candidate: matching.Candidate, reference: Reference):
    """The kept order's jobs read again and matched anew, or None when one of them closed or no longer
    matches with the score it was ranked by (then the caller ranks anew)."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, KEPT_JOBS_SQL, [[job_id for job_id, _score in kept]])
        found = {values["id"]: values for values in map(_job_values, cursor.fetchall())}
    results = []
    for job_id, score in kept:
        if job_id not in found:
            return None
        result = matching.match(job_as_core(SimpleNamespace(**found[job_id]), reference), candidate)
        if not result.eligible or result.score != score:
            return None
        results.append(result)
    return results, found


def _ranking(profile: JobSeekerProfile, candidate: matching.Candidate, reference: Reference, *, limit: int,
             seed: int):  # fmt: skip
    """The whole ranking: the database's filtering and scoring, then the core's order (see above)."""
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
        "seed": seed,
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
        SELECT {JOB_SELECT}, e.name,
               (SELECT count(*) FROM employment_application a
                WHERE a.job_id = j.id AND a.state = ANY(%(active)s)) AS exposure
        FROM kept k JOIN employment_job j ON j.id = k.id JOIN residents_employer e ON e.id = j.employer_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Plain rows for the core; model instances only for the jobs it picks (what the list shows of them).
    found, exposure = {}, {}
    for row in rows:
        values = _job_values(row)
        found[values["id"]] = values
        exposure[values["id"]] = row[-1]
    core_jobs = [job_as_core(SimpleNamespace(**values), reference) for values in found.values()]
    return matching.recommend_jobs(candidate, core_jobs, limit=limit, exposure=exposure, band=BAND), found


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


def job_visible(*, user, pk: int, with_lists: bool = True) -> Job | None:
    """A job the user may see: an open one, or any job of an employer the user acts for. ``with_lists``
    reads its skill, certificate and town lists too (the API shows them; a page takes ``job_lists``)."""
    authenticated = getattr(user, "is_authenticated", False)
    read = _JOB_VISIBLE[with_lists, authenticated]
    return read.first(pk, user.pk) if authenticated else read.first(pk)


def _jobs_visible(*, with_lists: bool, pk: int, user_id: int | None = None) -> QuerySet[Job]:
    jobs = Job.objects.select_related("employer", "town", "occupation")
    if with_lists:
        jobs = jobs.prefetch_related(
            "essential_skills", "optional_skills", "required_certificates", "commute_towns"
        )
    visible = Q(state=Job.State.OPEN)
    if user_id is not None:  # a test of the employer's accounts: no join, no DISTINCT
        accounts = Employer.accounts.through.objects.filter(
            employer_id=OuterRef("employer_id"), user_id=user_id
        )
        visible |= Exists(accounts)
    return first_of(jobs.filter(visible, pk=pk))


def _visible_reader(with_lists: bool, authenticated: bool) -> CompiledModelQuery:
    if authenticated:
        return CompiledModelQuery(
            lambda pk, user_id: _jobs_visible(with_lists=with_lists, pk=pk, user_id=user_id)
        )
    return CompiledModelQuery(lambda pk: _jobs_visible(with_lists=with_lists, pk=pk))


# Every job page reads its job so: compiled once (kunshan_portal/compiled.py), by (lists, logged in).
_JOB_VISIBLE = {
    (lists, known): _visible_reader(lists, known) for lists in (False, True) for known in (False, True)
}


@dataclass(frozen=True)
class JobLists:
    """A job's lists as its page shows them, in the order of the tables they come from."""

    essential_skills: list[Skill]
    optional_skills: list[Skill]
    required_certificates: list[CertificateType]
    commute_towns: list[Town]


def job_lists(job: Job, reference: Reference | None = None) -> JobLists:
    """The job's lists read from the matcher's copy of them (``Job.*_lo/_hi``, ``commute_town_ids``, written
    with the lists by ``services._job_write``) and the kept reference lists: four queries fewer per page."""
    reference = reference or Reference.load()

    def pick(table: dict, ids: Iterable[int], order) -> list:
        return sorted((table[i] for i in ids if i in table), key=order)

    by_code = attrgetter("code")
    return JobLists(
        essential_skills=pick(reference.skills, from_words(job.essential_lo, job.essential_hi), by_code),
        optional_skills=pick(reference.skills, from_words(job.optional_lo, job.optional_hi), by_code),
        required_certificates=pick(
            reference.certificates, from_words(job.certificates_lo, job.certificates_hi), by_code
        ),
        commute_towns=pick(reference.towns, job.commute_town_ids, attrgetter("kind", "id")),
    )


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
    return _applications_of_resident(resident.pk)


def _applications_of_resident(resident_id: int) -> QuerySet[Application]:
    return (
        Application.objects.filter(resident_id=resident_id)
        .select_related("job__employer", "job__town")
        .order_by("-submitted_at", "-id")
    )


RECENT_APPLICATIONS = 5  # on the resident's employment page
_RECENT_APPLICATIONS = CompiledModelQuery(
    lambda resident_id: _applications_of_resident(resident_id)[:RECENT_APPLICATIONS]
)


def recent_applications(*, resident: Resident) -> list[Application]:
    """The resident's latest applications, newest first, as their employment page lists them."""
    return _RECENT_APPLICATIONS.objects(resident.pk)


def resident_application(*, resident: Resident, pk: int) -> Application | None:
    return resident_applications(resident=resident).filter(pk=pk).first()


def employer_application(*, employer: Employer, pk: int) -> Application | None:
    return (
        Application.objects.filter(job__employer=employer, pk=pk)
        .select_related("job__employer", "job__town", "resident__town", "resident__user")
        .prefetch_related(Prefetch("resident__skills"), "resident__certificates__certificate_type")
        .first()
    )


_API_APPLICATION_RELATED = ("job__employer", "job__town", "resident__town")  # what the API shows with one


def applications_for_user(user) -> QuerySet[Application]:
    """The applications an API caller may see: a resident's own, and those for an employer's jobs."""
    mine = Q(resident__user=user) | Q(job__employer__accounts=user)
    return (
        Application.objects.filter(mine)
        .distinct()
        .select_related(*_API_APPLICATION_RELATED)
        .order_by("-submitted_at", "-id")
    )


_APPLICATION_WITH_DETAILS = CompiledModelQuery(
    lambda pk: Application.objects.filter(pk=pk).select_related(*_API_APPLICATION_RELATED)
)


def application_with_details(pk: int) -> Application | None:
    """An application with the job, employer and towns the API shows with it (read by SQL compiled once):
    the answer to the resident who has just made it."""
    return _APPLICATION_WITH_DETAILS.first(pk)


_APPLIED_JOBS = CompiledQuery(
    lambda resident_id: (
        Application.objects.filter(resident_id=resident_id)
        .exclude(state=Application.State.WITHDRAWN)
        .values_list("job_id")
    )
)


def applied_job_ids(*, resident: Resident, jobs: Iterable[Job]) -> set[int]:
    """Which of these jobs the resident has applied for (and not withdrawn): their few applications read by
    a query compiled once, not a query naming every job."""
    return {job_id for (job_id,) in _APPLIED_JOBS.rows(resident.pk)} & {job.pk for job in jobs}


_ACTIVE_APPLICATION = CompiledModelQuery(
    lambda job_id, resident_id: first_of(
        Application.objects.filter(job_id=job_id, resident_id=resident_id).exclude(
            state=Application.State.WITHDRAWN
        )
    )
)


def active_application_for(*, job: Job, resident: Resident) -> Application | None:
    return _ACTIVE_APPLICATION.first(job.pk, resident.pk)


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


_RESIDENT_APPLICATIONS = CompiledQuery(
    lambda resident_id: (
        Application.objects.filter(resident_id=resident_id)
        .order_by("-submitted_at", "-id")
        .values_list("pk", "state", "submitted_at", "job__title", "job__employer__name")
    )
)


def resident_application_summaries(resident: Resident) -> list[ApplicationSummary]:
    """The resident's job applications for their own page across the portal."""
    kind, states = str(_("Job application")), Application.choice_labels("state")
    return [
        ApplicationSummary(
            kind=kind,
            title=f"{title}, {employer}",
            state=states.get(state, state),
            submitted_at=submitted_at,
            url=reverse("employment:application-detail", args=[pk]),
        )
        for pk, state, submitted_at, title, employer in _RESIDENT_APPLICATIONS.rows(resident.pk)
    ]


# --- Recruitment fairs ---


def fair_upcoming(
    *, town: Town | None = None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[Fair]:
    """Scheduled fairs from today (or a later day) on, soonest first, with how many employers attend."""
    today = timezone.localdate()
    fairs = (
        Fair.objects.filter(state=Fair.State.SCHEDULED, date__gte=max(date_from or today, today))
        .select_related("town")
        .annotate(employers=Count("participants"))
    )
    if date_to is not None:
        fairs = fairs.filter(date__lte=date_to)
    if town is not None:
        fairs = fairs.filter(town=town)
    return fairs.order_by("date", "starts_at", "id")


def fair_public(*, pk) -> Fair | None:
    """A fair with its employers and the open jobs they bring (every fair is public, cancelled ones too)."""
    return (
        Fair.objects.filter(pk=pk)
        .select_related("town")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=FairEmployer.objects.select_related("employer").order_by("booth", "employer__name"),
            ),
            Prefetch(
                "participants__jobs",
                queryset=Job.objects.filter(state=Job.State.OPEN).select_related("town").order_by("title"),
            ),
        )
        .first()
    )


def fair_registration_live(*, fair: Fair, resident: Resident) -> FairRegistration | None:
    """The resident's registration for the fair that is not cancelled, if any."""
    return FairRegistration.objects.filter(
        fair=fair, resident=resident, state__in=FairRegistration.LIVE_STATES
    ).first()


def resident_fair_registrations(*, resident: Resident) -> QuerySet[FairRegistration]:
    """The resident's registrations, the fairs still ahead first (soonest first), then the past ones."""
    today = timezone.localdate()
    return (
        FairRegistration.objects.filter(resident=resident)
        .select_related("fair__town")
        .alias(
            past=Case(
                When(fair__date__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("past", "fair__date", "fair__starts_at", "-id")
    )


def resident_fair_registration(*, resident: Resident, pk) -> FairRegistration | None:
    return resident_fair_registrations(resident=resident).filter(pk=pk).first()


def fair_registrations_for_user(user) -> QuerySet[FairRegistration]:
    """The registrations an API caller may see: their own."""
    return (
        FairRegistration.objects.filter(resident__user=user)
        .select_related("fair__town")
        .order_by("-fair__date", "-id")
    )


def fair_waitlist_places(registrations: Iterable[FairRegistration]) -> dict[int, int]:
    """The place on the waiting list of each waiting registration, by id (one query)."""
    waiting = [r for r in registrations if r.state == FairRegistration.State.WAITLISTED]
    if not waiting:
        return {}
    ahead = FairRegistration.objects.filter(
        fair_id=OuterRef("fair_id"),
        state=FairRegistration.State.WAITLISTED,
        waitlist_number__lt=OuterRef("waitlist_number"),
    )
    rows = (
        FairRegistration.objects.filter(pk__in=[r.pk for r in waiting])
        .annotate(
            ahead=Coalesce(
                Subquery(ahead.order_by().values("fair_id").annotate(n=Count("id")).values("n")[:1]), 0
            )
        )
        .values_list("pk", "ahead")
    )
    return {pk: n + 1 for pk, n in rows}


def employer_fairs(*, employer: Employer) -> QuerySet[FairEmployer]:
    """The fairs the employer attends, those ahead first, with the jobs it brings and interviews booked."""
    today = timezone.localdate()
    return (
        FairEmployer.objects.filter(employer=employer)
        .select_related("fair__town")
        .prefetch_related("jobs")
        .annotate(
            interviews=Count(
                "interview_slots", filter=Q(interview_slots__state=FairInterviewSlot.State.BOOKED)
            )
        )
        .alias(
            past=Case(
                When(fair__date__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("past", "fair__date", "fair__starts_at")
    )


def employer_fair(*, employer: Employer, fair_pk) -> FairEmployer | None:
    """The employer's table at one fair, or None when it does not attend."""
    return (
        FairEmployer.objects.filter(employer=employer, fair_id=fair_pk)
        .select_related("fair__town", "employer")
        .prefetch_related("jobs")
        .first()
    )


def fair_booked_interviews(*, participation: FairEmployer) -> QuerySet[FairInterviewSlot]:
    return (
        FairInterviewSlot.objects.filter(participation=participation, state=FairInterviewSlot.State.BOOKED)
        .select_related("application__resident", "application__job")
        .order_by("starts_at")
    )


def fair_interviews_for_user(user) -> QuerySet[FairInterviewSlot]:
    """The interview slots an API caller may see: those of the employers they act for."""
    return (
        FairInterviewSlot.objects.filter(participation__employer__accounts=user)
        .select_related(
            "participation__fair", "participation__employer", "application__resident", "application__job"
        )
        .distinct()
        .order_by("-starts_at", "-id")
    )


def employer_fair_applicants(*, employer: Employer) -> QuerySet[Application]:
    """The applications in progress for the employer's jobs: whom it may invite to a fair interview."""
    return (
        Application.objects.filter(job__employer=employer, state__in=Application.ACTIVE_STATES)
        .select_related("resident", "job")
        .order_by("job__title", "resident__name", "id")
    )


def fair_free_slots(*, participation: FairEmployer) -> list[datetime]:
    """The employer's interview slots at the fair that are still ahead and not booked."""
    booked = set(
        FairInterviewSlot.objects.filter(
            participation=participation, state=FairInterviewSlot.State.BOOKED
        ).values_list("starts_at", flat=True)
    )
    now = timezone.now()
    return [slot for slot in participation.fair.slot_times() if slot > now and slot not in booked]


def _hired_at_fair() -> Exists:
    """For a registration row: its resident was hired for one of the jobs brought to its fair."""
    return Exists(
        Application.objects.filter(
            state=Application.State.HIRED,
            resident_id=OuterRef("resident_id"),
            job__fairs__fair_id=OuterRef("fair_id"),
        )
    )


def fair_attendance(*, fair: Fair) -> dict[str, int]:
    """A fair's figures: places taken, waiting, checked in, and hires that followed a check-in."""
    return FairRegistration.objects.filter(fair=fair).aggregate(
        registered=Count("id", filter=Q(state__in=FairRegistration.PLACE_STATES)),
        waitlisted=Count("id", filter=Q(state=FairRegistration.State.WAITLISTED)),
        attended=Count("id", filter=Q(state=FairRegistration.State.CHECKED_IN)),
        hires=Count("id", filter=Q(state=FairRegistration.State.CHECKED_IN) & Q(_hired_at_fair())),
    )


def fair_monthly_figures(months: int = 12, town_code: str | None = None) -> list[dict]:
    """Fairs, registrations, attendance and hires by calendar month of the fair, oldest month first.

    One row per month of the last ``months`` (this month included, months without fairs with zeros):
    ``{"month": date (first day), "fairs", "registrations", "attended", "hires"}``. Cancelled fairs are
    left out; registrations count the places taken (checked in or not); a hire counts for a fair when the
    resident checked in there and an application to one of the jobs brought to it was hired.
    """
    months = max(int(months), 1)
    this_month = timezone.localdate().replace(day=1)
    starts = []
    year, month = this_month.year, this_month.month
    for _step in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    first = starts[0]
    fairs = Fair.objects.filter(date__gte=first).exclude(state=Fair.State.CANCELLED)
    if town_code:
        fairs = fairs.filter(town__code=town_code)
    rows = {
        start: {"month": start, "fairs": 0, "registrations": 0, "attended": 0, "hires": 0} for start in starts
    }
    for row in fairs.annotate(m=TruncMonth("date")).values("m").annotate(n=Count("id")).order_by():
        key = row["m"].date() if isinstance(row["m"], datetime) else row["m"]
        if key in rows:
            rows[key]["fairs"] = row["n"]
    registrations = (
        FairRegistration.objects.filter(fair__in=fairs, state__in=FairRegistration.PLACE_STATES)
        .annotate(m=TruncMonth("fair__date"), hired=_hired_at_fair())
        .values("m")
        .annotate(
            registrations=Count("id"),
            attended=Count("id", filter=Q(state=FairRegistration.State.CHECKED_IN)),
            hires=Count("id", filter=Q(state=FairRegistration.State.CHECKED_IN, hired=True)),
        )
        .order_by()
    )
    for row in registrations:
        key = row["m"].date() if isinstance(row["m"], datetime) else row["m"]
        if key in rows:
            rows[key].update(registrations=row["registrations"], attended=row["attended"], hires=row["hires"])
    return [rows[start] for start in starts]


def fair_check_in_qr_svg(code: str) -> SafeString:
    """The check-in number as a QR code, an inline SVG drawn here (no network, no image file)."""
    image = qrcode.make(code, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(
        r'^<svg width="[^"]*" height="[^"]*"',
        '<svg width="220" height="220" class="fair-qr" aria-hidden="true"',
        svg,
    )
    return mark_safe(svg)  # noqa: S308 - drawn by qrcode from digits we generated


# --- Training programmes and subsidies ---


def training_programme_list(
    *, skill: Skill | None = None, town: Town | None = None, kind: str = ""
) -> QuerySet[TrainingProgramme]:
    """Programmes not yet ended, soonest first: of the skill, in the town, of the kind."""
    programmes = TrainingProgramme.objects.filter(ends_on__gte=timezone.localdate()).select_related(
        "skill", "certificate", "town", "employer"
    )
    if skill is not None:
        programmes = programmes.filter(skill=skill)
    if town is not None:
        programmes = programmes.filter(town=town)
    if kind:
        programmes = programmes.filter(kind=kind)
    return programmes.order_by("starts_on", "id")


def training_programme_get(pk: int) -> TrainingProgramme | None:
    return (
        TrainingProgramme.objects.select_related("skill", "certificate", "town", "employer")
        .prefetch_related("session_list")
        .filter(pk=pk)
        .first()
    )


def training_enrolment_for(*, programme: TrainingProgramme, resident: Resident) -> Enrolment | None:
    """The resident's current enrolment in the programme (not a withdrawn one)."""
    return (
        Enrolment.objects.filter(programme=programme, resident=resident)
        .exclude(state=Enrolment.State.WITHDRAWN)
        .first()
    )


def training_waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first on the programme's waiting list; None when not waiting."""
    if enrolment.state != Enrolment.State.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(
        Q(submitted_at__lt=enrolment.submitted_at)
        | Q(submitted_at=enrolment.submitted_at, pk__lt=enrolment.pk),
        programme_id=enrolment.programme_id,
        state=Enrolment.State.WAITLISTED,
    ).count()
    return ahead + 1


def resident_enrolments(*, resident: Resident) -> QuerySet[Enrolment]:
    """The resident's enrolments, newest first, with the sessions attended and the waiting-list position."""
    ahead = Enrolment.objects.filter(
        programme_id=OuterRef("programme_id"),
        state=Enrolment.State.WAITLISTED,
        submitted_at__lte=OuterRef("submitted_at"),
    ).values("programme_id")
    return (
        Enrolment.objects.filter(resident=resident)
        .select_related("programme__town", "programme__certificate", "programme__skill")
        .annotate(
            attended=Count("attendance", filter=Q(attendance__present=True)),
            waitlist_position=Case(
                When(
                    state=Enrolment.State.WAITLISTED,
                    then=Subquery(ahead.annotate(n=Count("pk")).values("n")[:1]),
                ),
                default=Value(None),
                output_field=IntegerField(),
            ),
        )
        .order_by("-submitted_at", "-id")
    )


def resident_enrolment(*, resident: Resident, pk: int) -> Enrolment | None:
    return Enrolment.objects.filter(resident=resident, pk=pk).select_related("programme").first()


def subsidy_schedule_in_force(on=None) -> SubsidySchedule | None:
    """The subsidy table that applies on a day (today by default): the latest one effective by then."""
    on = on or timezone.localdate()
    return SubsidySchedule.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


@dataclass(frozen=True)
class CertificateStanding:
    """A certificate the resident holds, with the subsidy it entitles to and the claim made for it."""

    certificate: ResidentCertificate
    claim: SubsidyClaim | None
    amount: Decimal | None  # from the table in force today; None when no subsidy is paid for it
    can_claim: bool


def resident_certificates(*, resident: Resident) -> list[CertificateStanding]:
    """The resident's certificates, those earned through programmes first, with their subsidy standing."""
    schedule = subsidy_schedule_in_force()
    rates = {rate.level: rate.amount for rate in schedule.rates.all()} if schedule else {}
    certificates = (
        ResidentCertificate.objects.filter(resident=resident)
        .select_related("certificate_type")
        .prefetch_related(
            Prefetch("subsidy_claims", queryset=SubsidyClaim.objects.order_by("-submitted_at", "-id"))
        )
        .order_by("-source", "-obtained_on", "pk")
    )
    standings = []
    for certificate in certificates:
        claims = list(certificate.subsidy_claims.all())
        current = next((c for c in claims if c.state != SubsidyClaim.State.REJECTED), None)
        claim = current or (claims[0] if claims else None)
        amount = rates.get(certificate.certificate_type.level)
        earned = certificate.source == ResidentCertificate.Source.PROGRAMME
        standings.append(
            CertificateStanding(
                certificate=certificate,
                claim=claim,
                amount=amount if earned else None,
                can_claim=earned and amount is not None and current is None,
            )
        )
    return standings


def resident_certificate(*, resident: Resident, pk: int) -> ResidentCertificate | None:
    return (
        ResidentCertificate.objects.filter(resident=resident, pk=pk)
        .select_related("certificate_type")
        .first()
    )


def subsidy_claims_for_user(user) -> QuerySet[SubsidyClaim]:
    """The claims an API caller may see: an employment caseworker every claim, a resident their own."""
    claims = SubsidyClaim.objects.select_related(
        "certificate__certificate_type", "resident", "enrolment__programme"
    )
    if user.has_perm("employment.view_subsidyclaim"):
        return claims.order_by("-submitted_at", "-id")
    return claims.filter(resident__user=user).order_by("-submitted_at", "-id")


_RESIDENT_ENROLMENTS = CompiledQuery(
    lambda resident_id: Enrolment.objects.filter(resident_id=resident_id).values_list(
        "state", "submitted_at", "programme_id", "programme__title"
    )
)
_RESIDENT_CLAIMS = CompiledQuery(
    lambda resident_id: SubsidyClaim.objects.filter(resident_id=resident_id).values_list(
        "state",
        "submitted_at",
        "amount",
        "certificate__certificate_type__name_zh",
        "certificate__certificate_type__name_en",
    )
)


def resident_training_summaries(resident: Resident) -> list[ApplicationSummary]:
    """The resident's training enrolments and subsidy claims for their own page across the portal."""
    enrolment_states, claim_states = Enrolment.choice_labels("state"), SubsidyClaim.choice_labels("state")
    return [
        ApplicationSummary(
            kind=str(_("Training")),
            title=title,
            state=enrolment_states.get(state, state),
            submitted_at=submitted_at,
            url=reverse("employment:training-detail", args=[programme_id]),
        )
        for state, submitted_at, programme_id, title in _RESIDENT_ENROLMENTS.rows(resident.pk)
    ] + [
        ApplicationSummary(
            kind=str(_("Training subsidy")),
            title=f"{CertificateType.name_in_language(name_zh, name_en)}, {amount}",
            state=claim_states.get(state, state),
            submitted_at=submitted_at,
            url=reverse("employment:training-certificates"),
        )
        for state, submitted_at, amount, name_zh, name_en in _RESIDENT_CLAIMS.rows(resident.pk)
    ]


def employer_training_programmes(*, employer: Employer) -> QuerySet[TrainingProgramme]:
    """The on-site workshops an employer hosts, newest first, with their sessions."""
    return (
        TrainingProgramme.objects.filter(employer=employer)
        .select_related("skill", "town")
        .prefetch_related("session_list")
        .order_by("-starts_on", "-id")
    )


def employer_training_session(*, employer: Employer, programme_pk: int, session_pk: int):
    """A session of one of the employer's workshops, or None."""
    return (
        TrainingSession.objects.filter(pk=session_pk, programme_id=programme_pk, programme__employer=employer)
        .select_related("programme")
        .first()
    )


def training_session_trainees(session) -> tuple[QuerySet[Enrolment], list[int]]:
    """The trainees enrolled in the session's programme, and the enrolments marked present at it."""
    enrolments = (
        Enrolment.objects.filter(programme_id=session.programme_id, state=Enrolment.State.ENROLLED)
        .select_related("resident")
        .order_by("resident__name", "pk")
    )
    present = list(session.attendance.filter(present=True).values_list("enrolment_id", flat=True))
    return enrolments, present


def _month_starts(months: int) -> list[date]:
    today = timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _i in range(max(months, 0)):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _by_month(rows, key: str) -> dict[date, int]:
    found = {}
    for row in rows:
        month = row["month"]
        month = timezone.localtime(month).date() if isinstance(month, datetime) else month
        found[month.replace(day=1)] = row[key]
    return found


def training_monthly_figures(months: int = 12, town_code: str | None = None) -> list[dict]:
    """Training figures per calendar month (Asia/Shanghai) for the dashboards, oldest month first, months
    without any included: residents who got a seat ("enrolled"), completions, certificates issued, and
    subsidies paid (count and amount). ``town_code`` keeps the programmes of one town."""
    starts = _month_starts(months)
    if not starts:
        return []
    since = timezone.make_aware(datetime.combine(starts[0], datetime.min.time()))
    enrolments = Enrolment.objects.all()
    claims = SubsidyClaim.objects.filter(state=SubsidyClaim.State.PAID, paid_at__gte=since)
    if town_code:
        enrolments = enrolments.filter(programme__town__code=town_code)
        claims = claims.filter(enrolment__programme__town__code=town_code)
    enrolled = _by_month(
        enrolments.filter(enrolled_at__gte=since)
        .annotate(month=TruncMonth("enrolled_at"))
        .values("month")
        .annotate(n=Count("id")),
        "n",
    )
    completions = list(
        enrolments.filter(state=Enrolment.State.COMPLETED, completed_at__gte=since)
        .annotate(month=TruncMonth("completed_at"))
        .values("month")
        .annotate(n=Count("id"), certified=Count("id", filter=Q(certificate__isnull=False)))
    )
    completed = _by_month(completions, "n")
    certified = _by_month(completions, "certified")
    paid_rows = list(
        claims.annotate(month=TruncMonth("paid_at"))
        .values("month")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    paid = _by_month(paid_rows, "n")
    paid_amount = _by_month(paid_rows, "amount")
    return [
        {
            "month": month,
            "enrolled": enrolled.get(month, 0),
            "completed": completed.get(month, 0),
            "certified": certified.get(month, 0),
            "subsidies_paid": paid.get(month, 0),
            "subsidies_paid_amount": paid_amount.get(month) or Decimal("0.00"),
        }
        for month in starts
    ]


# --- Dashboard figures ---


def _months_since(since: date) -> int:
    today = timezone.localdate()
    return (today.year - since.year) * 12 + today.month - since.month + 1


def placement_figures(*, since: date) -> list[dict]:
    """Placements per month (from ``since``), town of the job and sector of the employer: one query."""
    from residents.models import Sector

    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    rows = (
        Placement.objects.filter(hired_at__gte=start)
        .annotate(month=TruncMonth("hired_at"))
        .values("month", "town__code", "employer__sector")
        .annotate(placements=Count("id"))
        .order_by("month", "town__code", "employer__sector")
    )
    sectors = dict(Sector.choices)
    return [
        {
            "month": timezone.localtime(row["month"]).date(),
            "town": row["town__code"],
            "key": row["employer__sector"],
            "label": sectors.get(row["employer__sector"], row["employer__sector"]),
            "placements": row["placements"],
        }
        for row in rows
    ]


def _per_town(figures, since: date) -> list[dict]:
    """A monthly figure of one town at a time (``figures(months, town_code)``), for every town."""
    months = _months_since(since)
    rows = []
    for code in Town.objects.order_by("id").values_list("code", flat=True):
        for row in figures(months=months, town_code=code):
            if any(value for name, value in row.items() if name != "month"):
                rows.append({**row, "town": code})
    return rows


def fair_figures(*, since: date) -> list[dict]:
    return _per_town(fair_monthly_figures, since)


def training_figures(*, since: date) -> list[dict]:
    return _per_town(training_monthly_figures, since)


def dashboard_domain():
    """The employment page of the officials' dashboards."""
    from kunshan_portal.registry import DashboardColumn, DashboardDomain, DashboardHeadline, DashboardTable

    placements = (DashboardColumn("placements", _("Placements")),)
    trainings = (
        DashboardColumn("enrolled", _("Enrolled in training")),
        DashboardColumn("completed", _("Completed")),
        DashboardColumn("certified", _("Certified")),
        DashboardColumn("subsidies_paid", _("Subsidies paid")),
        DashboardColumn("subsidies_paid_amount", _("Subsidies paid (yuan)"), kind="money"),
    )
    fairs = (
        DashboardColumn("fairs", _("Job fairs"), kind="number"),
        DashboardColumn("registrations", _("Registrations")),
        DashboardColumn("attended", _("Attended")),
        DashboardColumn("hires", _("Hired at a fair")),
    )
    return DashboardDomain(
        key="employment",
        title=_("Employment"),
        order=20,
        tables=(
            DashboardTable(
                key="placements", title=_("Job placements by month"), columns=placements, rows=placement_figures,
                chart="line", caption=_("Residents hired through the portal, by month of hiring."),
            ),
            DashboardTable(
                key="placements-by-town", title=_("Job placements by town or zone"), columns=placements,
                breakdown="town", source="placements", caption=_("Placements in the period, by the job's town."),
            ),
            DashboardTable(
                key="placements-by-sector", title=_("Job placements by employer sector"), columns=placements,
                breakdown="key", source="placements", key_label=_("Sector"), chart="share",
                caption=_("Placements in the period, by the employer's sector."),
            ),
            DashboardTable(
                key="trainings", title=_("Free training by month"), columns=trainings, rows=training_figures,
                chart="bar", chart_columns=("enrolled", "completed", "certified"),
                caption=_("Seats taken, completions, certificates and subsidies paid, by month."),
            ),
            DashboardTable(
                key="trainings-by-town", title=_("Free training by town or zone"), columns=trainings,
                breakdown="town", source="trainings", chart_columns=("enrolled", "completed"),
                caption=_("Training in the period, by the programme's town."),
            ),
            DashboardTable(
                key="fairs", title=_("Job fairs by month"), columns=fairs, rows=fair_figures, chart="bar",
                chart_columns=("registrations", "attended", "hires"),
                caption=_("Fairs held, places taken, attendance and hires, by month of the fair."),
            ),
        ),
        headlines=(
            DashboardHeadline(_("Job placements"), "placements", "placements"),
            DashboardHeadline(_("Residents enrolled in free training"), "trainings", "enrolled"),
            DashboardHeadline(_("Trainings completed"), "trainings", "completed"),
        ),
    )  # fmt: skip
