"""Explained job matching: a pure core on plain data (no Django, no I/O).

A job and a resident are matched in two steps. Hard filters first, each failing with a reason code:

- ``certificates``: the resident holds every certificate the job requires (the missing ones are listed);
- ``town``: the job is reachable, i.e. it lies in the resident's own town or in one of their
  ``willing_towns`` (extra towns the resident is willing to work in; empty = own town only), or the
  resident lives in one of the job's ``commute_towns`` (towns from which the job is reachable, e.g. by the
  employer's bus; empty = only the job's own town);
- ``shift``: the resident accepts every shift the job is worked in (``acceptable_shifts`` empty = any
  shift; a job without shifts passes);
- ``wage``: the resident's wage floor, if any, is not above the job's maximum wage.

Then a fit score in [0, 100] from the skills the resident holds::

    score = 80 × (essential skills held / essential skills) + 20 × (optional skills held / optional skills)

where a job without essential (optional) skills counts that share as 1, so such a job scores 80 (20) on
that part. The score is computed for ineligible matches too, so that the explanation shows how close they
are.
"""

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

FILTER_CERTIFICATES = "certificates"
FILTER_TOWN = "town"
FILTER_SHIFT = "shift"
FILTER_WAGE = "wage"

ESSENTIAL_WEIGHT = 80.0
OPTIONAL_WEIGHT = 20.0


@dataclass(frozen=True, slots=True)
class Job:
    """A job posting as the matcher sees it."""

    id: int
    required_certificates: frozenset[str]
    town: str
    commute_towns: frozenset[str]
    shifts: frozenset[str]
    wage_min: Decimal
    wage_max: Decimal
    essential_skills: frozenset[str]
    optional_skills: frozenset[str]

    def __post_init__(self) -> None:
        if self.wage_min > self.wage_max:
            raise ValueError(f"Job {self.id}: the minimum wage {self.wage_min} is above the maximum.")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A resident looking for work, as the matcher sees them.

    ``acceptable_shifts`` empty means any shift; ``willing_towns`` lists the towns, besides their own,
    where the resident is willing to work (empty = own town only); ``wage_floor`` None means no floor.
    """

    id: int
    certificates: frozenset[str]
    skills: frozenset[str]
    town: str
    acceptable_shifts: frozenset[str]
    wage_floor: Decimal | None
    willing_towns: frozenset[str]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """One job matched with one resident, with the explanation both of them see."""

    job_id: int
    candidate_id: int
    eligible: bool
    failed_filters: tuple[str, ...]
    certificates_missing: tuple[str, ...]
    score: float
    skills_matched: tuple[str, ...]
    skills_missing_essential: tuple[str, ...]
    skills_missing_optional: tuple[str, ...]


def _failed_filters(job: Job, candidate: Candidate) -> tuple[str, ...]:
    failed = []
    if not job.required_certificates <= candidate.certificates:
        failed.append(FILTER_CERTIFICATES)
    if not (
        job.town == candidate.town
        or job.town in candidate.willing_towns
        or candidate.town in job.commute_towns
    ):
        failed.append(FILTER_TOWN)
    if candidate.acceptable_shifts and not job.shifts <= candidate.acceptable_shifts:
        failed.append(FILTER_SHIFT)
    if candidate.wage_floor is not None and candidate.wage_floor > job.wage_max:
        failed.append(FILTER_WAGE)
    return tuple(failed)


def _score(essential: frozenset[str], optional: frozenset[str], skills: frozenset[str]) -> float:
    essential_share = len(essential & skills) / len(essential) if essential else 1.0
    optional_share = len(optional & skills) / len(optional) if optional else 1.0
    return ESSENTIAL_WEIGHT * essential_share + OPTIONAL_WEIGHT * optional_share


def match(job: Job, candidate: Candidate) -> MatchResult:
    """A match is eligible when it passes every hard filter; its score weighs essential skills 80 and
    optional skills 20, and it names the skills matched and missing."""
    skills = candidate.skills
    return MatchResult(
        job_id=job.id,
        candidate_id=candidate.id,
        eligible=not (failed := _failed_filters(job, candidate)),
        failed_filters=failed,
        certificates_missing=tuple(sorted(job.required_certificates - candidate.certificates)),
        score=_score(job.essential_skills, job.optional_skills, skills),
        skills_matched=tuple(sorted((job.essential_skills | job.optional_skills) & skills)),
        skills_missing_essential=tuple(sorted(job.essential_skills - skills)),
        skills_missing_optional=tuple(sorted(job.optional_skills - skills)),
    )


def _tie_key(first_id: int, second_id: int) -> bytes:
    """A stable pseudo-random key per pair of ids (hashlib, unlike ``hash``, is not salted per process)."""
    return hashlib.blake2b(f"{first_id}:{second_id}".encode(), digest_size=8).digest()


def recommend_jobs(
    candidate: Candidate,
    jobs: Iterable[Job],
    *,
    limit: int = 20,
    exposure: Mapping[int, int] | None = None,
    band: float = 5.0,
) -> list[MatchResult]:
    """The best eligible jobs by score, where jobs in the same ``band`` of scores (100 − score, in steps of
    ``band`` points) are ordered by fewest past recommendations (``exposure``), then by a stable
    pseudo-random key per resident, so that comparable jobs are spread over residents."""
    if limit < 0:
        raise ValueError(f"The limit cannot be negative (got {limit}).")
    if band <= 0:
        raise ValueError(f"The band must be a positive number of points (got {band}).")
    skills = candidate.skills
    town = candidate.town
    willing = candidate.willing_towns
    certificates = candidate.certificates
    shifts = candidate.acceptable_shifts
    floor = candidate.wage_floor
    # The hard filters of _failed_filters, inlined: this loop runs over every open job in the city.
    banded = [
        (int((100.0 - _score(job.essential_skills, job.optional_skills, skills)) // band), job)
        for job in jobs
        if job.required_certificates <= certificates
        and (job.town == town or job.town in willing or town in job.commute_towns)
        and (not shifts or job.shifts <= shifts)
        and (floor is None or floor <= job.wage_max)
    ]
    # Only the best bands that together fill the limit need the (costlier) tie key.
    counts = Counter(rank for rank, _ in banded)
    last_rank, taken = -1, 0
    for rank in sorted(counts):
        if taken >= limit:
            break
        last_rank, taken = rank, taken + counts[rank]
    exposed = exposure or {}
    best = heapq.nsmallest(
        limit,
        (
            (rank, exposed.get(job.id, 0), _tie_key(candidate.id, job.id), job)
            for rank, job in banded
            if rank <= last_rank
        ),
        key=lambda entry: entry[:3],
    )
    return [match(job, candidate) for *_, job in best]


def recommend_candidates(job: Job, candidates: Iterable[Candidate], *, limit: int = 50) -> list[MatchResult]:
    """The eligible residents with the highest scores for the job, equal scores in a stable pseudo-random
    order per job rather than by id, so that no group of residents is always listed first."""
    if limit < 0:
        raise ValueError(f"The limit cannot be negative (got {limit}).")
    best = heapq.nsmallest(
        limit,
        (
            (
                -_score(job.essential_skills, job.optional_skills, candidate.skills),
                _tie_key(job.id, candidate.id),
                candidate,
            )
            for candidate in candidates
            if not _failed_filters(job, candidate)
        ),
        key=lambda entry: entry[:2],
    )
    return [match(job, candidate) for *_, candidate in best]
