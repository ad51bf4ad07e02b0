"""School placement core: child-proposing deferred acceptance, the cut-offs it produces, and why a child
was not placed at a school it ranked higher.

Plain functions on plain data (no Django): children and schools are any hashable ids.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from heapq import heappush, heapreplace
from typing import TypeAlias

Child: TypeAlias = Hashable
School: TypeAlias = Hashable


@dataclass(frozen=True)
class SchoolRefusal:
    """Why a child is not placed at a school it ranked above its result."""

    school: School
    # Rank of the last child admitted (see `cutoffs`).
    cutoff: int | None
    # The child's own 0-based rank at the school; None when the school does not accept the child at all.
    child_rank: int | None

    @property
    def acceptable(self) -> bool:
        return self.child_rank is not None


def priority_ranks(priorities: Mapping[School, Sequence[Child]]) -> dict[School, dict[Child, int]]:
    """Each child's 0-based position in each school's priority list, the lower the better."""
    ranks: dict[School, dict[Child, int]] = {}
    for school, children in priorities.items():
        rank = {child: position for position, child in enumerate(children)}
        if len(rank) != len(children):
            raise ValueError(f"A child appears twice in the priority list of school {school!r}.")
        ranks[school] = rank
    return ranks


def deferred_acceptance(
    preferences: Mapping[Child, Sequence[School]],
    priorities: Mapping[School, Sequence[Child]],
    capacities: Mapping[School, int],
) -> dict[Child, School | None]:
    """Children propose to schools in their order of preference and each school tentatively keeps the
    best-ranked acceptable proposers up to its seats (child-proposing deferred acceptance, Gale–Shapley).

    A child absent from a school's priority list is not acceptable to it; a school missing from
    `capacities` has no seats. The result is the child-optimal stable matching: no child and school would
    both rather be together, no seat is left empty while an acceptable child wanted it, and no child gains
    by misreporting their preferences.
    """
    ranks = priority_ranks(priorities)
    no_one: dict[Child, int] = {}
    # Per school a heap of (-rank, child): the worst-ranked tentative admit is on top, ready to be bumped.
    held: dict[School, list[tuple[int, Child]]] = {school: [] for school in ranks}
    next_choice = dict.fromkeys(preferences, 0)
    for proposer in preferences:
        child: Child | None = proposer
        while child is not None:
            choices = preferences[child]
            i = next_choice[child]
            bumped: Child | None = None
            while i < len(choices):
                school = choices[i]
                i += 1
                rank = ranks.get(school, no_one).get(child)
                if rank is None:
                    continue
                admits = held[school]
                if len(admits) < capacities.get(school, 0):
                    heappush(admits, (-rank, child))
                    break
                if admits and -admits[0][0] > rank:
                    bumped = heapreplace(admits, (-rank, child))[1]
                    break
            next_choice[child] = i
            child = bumped
    result: dict[Child, School | None] = dict.fromkeys(preferences)
    for school, admits in held.items():
        for _, child in admits:
            result[child] = school
    return result


def cutoffs(
    assignment: Mapping[Child, School | None],
    priorities: Mapping[School, Sequence[Child]],
    capacities: Mapping[School, int],
) -> dict[School, int | None]:
    """Each school's cut-off: the rank of the last child it admitted when full, None when it has seats left.

    In a stable assignment every acceptable child who ranked the school above its result has a worse
    (higher) rank than the cut-off; None means any acceptable child would have got in. A school without
    seats (in `priorities` but not in `capacities`, or with 0) has cut-off -1: no rank gets in.
    """
    ranks = priority_ranks(priorities)
    admitted: dict[School, list[Child]] = {}
    for child, school in assignment.items():
        if school is not None:
            admitted.setdefault(school, []).append(child)
    result: dict[School, int | None] = {}
    for school in capacities.keys() | ranks.keys():
        seats = capacities.get(school, 0)
        children = admitted.get(school, [])
        if len(children) < seats:
            result[school] = None
            continue
        rank = ranks.get(school, {})
        if not all(child in rank for child in children):
            raise ValueError(f"School {school!r} admitted a child it does not accept.")
        result[school] = max((rank[child] for child in children), default=-1)
    return result


def refusals(
    child: Child,
    preferences: Mapping[Child, Sequence[School]],
    assignment: Mapping[Child, School | None],
    ranks: Mapping[School, Mapping[Child, int]],
    school_cutoffs: Mapping[School, int | None],
) -> tuple[SchoolRefusal, ...]:
    """For each school the child ranked above the one it got (all of them when unplaced), that school's
    cut-off and the child's own rank there, or that the school does not accept the child.

    `ranks` comes from `priority_ranks` and `school_cutoffs` from `cutoffs`, computed once for a whole round.
    """
    choices = preferences.get(child, ())
    result = assignment.get(child)
    above = choices[: choices.index(result)] if result in choices else choices
    return tuple(
        SchoolRefusal(
            school=school, cutoff=school_cutoffs.get(school), child_rank=ranks.get(school, {}).get(child)
        )
        for school in above
    )
