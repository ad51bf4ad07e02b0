"""Allocation cores for housing: serial dictatorship for a round, top trading cycles for tenants who move.

Plain functions on plain data (no Django): ids are any hashable values, so the service decides whether a
place is a compound with a number of free fitting rooms or a single bed or unit.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias

Agent: TypeAlias = Hashable
Place: TypeAlias = Hashable


@dataclass(frozen=True, slots=True)
class FullChoice:
    """A choice ranked above the agent's result that had no capacity left when the agent's turn came."""

    place: Place
    # 0-based position in the serving order of the agent who took the last unit; None when the place
    # had no capacity to begin with.
    filled_at: int | None


@dataclass(frozen=True, slots=True)
class Placement:
    """What an agent got in a serial dictatorship, and why not anything they ranked higher."""

    position: int
    place: Place | None
    # Every choice ranked above `place` (all choices when `place` is None), best first; empty together
    # with `place is None` means the agent asked for nothing.
    full_choices: tuple[FullChoice, ...]


def _check_distinct(order: Sequence[Agent]) -> None:
    if len(set(order)) != len(order):
        raise ValueError("An agent appears more than once in the serving order.")


def serial_dictatorship(
    order: Sequence[Agent],
    preferences: Mapping[Agent, Sequence[Place]],
    capacities: Mapping[Place, int],
) -> dict[Agent, Place | None]:
    """Agents are served in `order`, each taking their best-ranked place that still has capacity, or None.

    A place missing from `capacities` has none; an agent missing from `preferences` gets None.
    """
    _check_distinct(order)
    remaining = {place: capacity for place, capacity in capacities.items() if capacity > 0}
    result: dict[Agent, Place | None] = {}
    for agent in order:
        result[agent] = None
        # Once every place is full the rest of the order cannot get anything: skip the preference scans.
        if not remaining:
            continue
        for place in preferences.get(agent, ()):
            left = remaining.get(place)
            if left:
                result[agent] = place
                if left == 1:
                    del remaining[place]
                else:
                    remaining[place] = left - 1
                break
    return result


def serial_dictatorship_explained(
    order: Sequence[Agent],
    preferences: Mapping[Agent, Sequence[Place]],
    capacities: Mapping[Place, int],
) -> dict[Agent, Placement]:
    """`serial_dictatorship`, also telling each agent when each choice they ranked higher filled up.

    Every choice ranked above an agent's result was full at their turn; `filled_at` is the position in
    `order` whose agent took its last unit.
    """
    _check_distinct(order)
    remaining = {place: capacity for place, capacity in capacities.items() if capacity > 0}
    # A full place explains itself the same way to everyone after: one shared FullChoice per place.
    full_choice: dict[Place, FullChoice] = {}
    result: dict[Agent, Placement] = {}
    for position, agent in enumerate(order):
        full: list[FullChoice] = []
        assigned: Place | None = None
        for place in preferences.get(agent, ()):
            left = remaining.get(place, 0)
            if left:
                assigned = place
                remaining[place] = left - 1
                if left == 1:
                    full_choice[place] = FullChoice(place=place, filled_at=position)
                break
            if place not in full_choice:
                full_choice[place] = FullChoice(place=place, filled_at=None)
            full.append(full_choice[place])
        result[agent] = Placement(position=position, place=assigned, full_choices=tuple(full))
    return result


def top_trading_cycles(
    order: Sequence[Agent],
    preferences: Mapping[Agent, Sequence[Place]],
    endowments: Mapping[Agent, Place],
    vacant: Iterable[Place],
) -> dict[Agent, Place | None]:
    """You request my house, I get your turn (Abdulkadiroglu–Sönmez): top trading cycles in which a held
    place points to its tenant and every other place to the first agent in `order` still unserved.

    Each place id is a single unit. `preferences[agent]` ranks the acceptable places, best first; places
    not listed are worse than nothing. A tenant (an agent in `endowments`) always keeps at least the place
    they hold: when it is missing from their list it counts as their last acceptable choice, and places
    they rank below it are never given to them. A tenant missing from `preferences` keeps their place; an
    applicant missing from it gets None. Places listed but neither held nor vacant are not available.
    The result is individually rational, Pareto-efficient and strategy-proof, gives each place at most
    once, and is the serial dictatorship of `order` when nobody holds a place.
    """
    _check_distinct(order)
    agents = set(order)
    if not agents.issuperset(endowments):
        raise ValueError("Every tenant must appear in the priority order.")
    holder = {place: agent for agent, place in endowments.items()}
    if len(holder) != len(endowments):
        raise ValueError("Two tenants hold the same place.")
    vacant = set(vacant)
    if not vacant.isdisjoint(holder):
        raise ValueError("A place is both vacant and held.")
    available = vacant | holder.keys()

    choices: dict[Agent, Sequence[Place]] = {}
    for agent in order:
        ranked = preferences.get(agent, ())
        # The places a tenant ranks below their own are never reached: their own place stays available,
        # pointing back at them, for as long as they are unserved.
        if agent in endowments and endowments[agent] not in ranked:
            ranked = [*ranked, endowments[agent]]
        choices[agent] = ranked
    cursor = dict.fromkeys(order, 0)
    result: dict[Agent, Place | None] = {}
    first_unserved = 0

    def top_choice(agent: Agent) -> Place | None:
        ranked, i = choices[agent], cursor[agent]
        while i < len(ranked) and ranked[i] not in available:
            i += 1
        cursor[agent] = i
        return ranked[i] if i < len(ranked) else None

    def pointed_agent(place: Place) -> Agent:
        nonlocal first_unserved
        if place in holder:
            return holder[place]
        while order[first_unserved] in result:
            first_unserved += 1
        return order[first_unserved]

    def serve(agent: Agent, place: Place | None) -> None:
        result[agent] = place
        if place is not None:
            available.remove(place)
        # The tenant moves out: their place becomes vacant and now points to the first unserved agent.
        if agent in endowments:
            del holder[endowments[agent]]

    # Follow agent -> top place -> agent pointers from each unserved agent until the path closes on
    # itself; after a cycle leaves, only the path node that pointed into it needs a fresh pointer.
    for start in order:
        if start in result:
            continue
        path = [start]
        on_path = {start: 0}
        while path:
            agent = path[-1]
            place = top_choice(agent)
            if place is None:
                # Only applicants run out of choices: a tenant's own place stays available until they leave.
                del on_path[path.pop()]
                serve(agent, None)
                continue
            successor = pointed_agent(place)
            if successor not in on_path:
                on_path[successor] = len(path)
                path.append(successor)
                continue
            cycle = path[on_path[successor] :]
            del path[on_path[successor] :]
            trades = [(member, top_choice(member)) for member in cycle]
            for member, taken in trades:
                del on_path[member]
                serve(member, taken)
    return result


# A round over real stock: places are pooled by compound and by how many people they sleep.

Pool: TypeAlias = tuple[Hashable, int]
# The pool of a compound with nothing free that fits: never has capacity, so it explains itself as full.
NOTHING_FITS = 0


@dataclass(frozen=True, slots=True)
class Applicant:
    """An applicant of a round: their household and the compounds they may be offered, best first."""

    key: Agent
    household_size: int
    compounds: tuple[Hashable, ...]


@dataclass
class RoundOutcome:
    """The result of a round, explained on demand (explaining all 250,000 applicants up front is slow)."""

    order: list[Agent]
    preferences: Mapping[Agent, list[Pool]]
    capacities: dict[Pool, int]
    # Each applicant's pool `(compound, sleeps)`, or None.
    pools: dict[Agent, Pool | None]
    # The concrete place each placed applicant gets.
    places: dict[Agent, Place]
    # The serving position that took each filled pool's last place.
    filled_at: dict[Pool, int]

    @cached_property
    def positions(self) -> dict[Agent, int]:
        return {agent: position for position, agent in enumerate(self.order)}

    def placement(self, agent: Agent) -> Placement:
        """What `serial_dictatorship_explained` says of the agent: their pool, and every pool they ranked
        higher with the position that filled it (None when it had nothing free)."""
        pool = self.pools[agent]
        full = []
        for ranked in self.preferences.get(agent, ()):
            if ranked == pool:
                break
            filled = self.filled_at.get(ranked) if self.capacities.get(ranked, 0) > 0 else None
            full.append(FullChoice(place=ranked, filled_at=filled))
        return Placement(position=self.positions[agent], place=pool, full_choices=tuple(full))


def fitting_pools(household_size: int, compound: Hashable, free_sizes: Sequence[int]) -> list[Pool]:
    """The pools of `compound` that fit a household, best fit first.

    One person gets a bed (a place that sleeps 1); a household of two or more gets a family unit that
    sleeps at least that many, the smallest first. With nothing fitting free, the compound's empty pool.
    """
    if household_size <= 1:
        sizes = [1] if 1 in free_sizes else []
    else:
        sizes = sorted(size for size in free_sizes if size >= household_size)
    return [(compound, size) for size in sizes] or [(compound, NOTHING_FITS)]


class _Preferences(Mapping):
    """Each applicant's ranked pools, built when asked for: once the free places are gone the serial
    dictatorship asks no more, and explanations ask only for the applicants shown."""

    def __init__(self, applicants: Sequence[Applicant], fits: dict[int, dict[Hashable, list[Pool]]]):
        self._applicants = {applicant.key: applicant for applicant in applicants}
        self._fits = fits

    def __getitem__(self, agent: Agent) -> list[Pool]:
        applicant = self._applicants[agent]
        by_compound = self._fits[applicant.household_size]
        return [pool for compound in applicant.compounds for pool in by_compound[compound]]

    def __iter__(self):
        return iter(self._applicants)

    def __len__(self) -> int:
        return len(self._applicants)


def allocate_round(
    applicants: Sequence[Applicant], free_places: Mapping[Pool, Sequence[Place]]
) -> RoundOutcome:
    """Serial dictatorship of `applicants` (already in serving order) over the free places by pool.

    Each applicant gets a place of the first compound they ranked that still has a fitting free place
    at their turn; within a pool places go out in the order given.
    """
    free_sizes: dict[Hashable, list[int]] = {}
    for (compound, size), places in free_places.items():
        if places:
            free_sizes.setdefault(compound, []).append(size)
    # Every household size's fitting pools in every compound, computed once.
    fits: dict[int, dict[Hashable, list[Pool]]] = {}
    compounds = {compound for applicant in applicants for compound in applicant.compounds} | free_sizes.keys()
    for size in {applicant.household_size for applicant in applicants}:
        fits[size] = {c: fitting_pools(size, c, free_sizes.get(c, ())) for c in compounds}
    preferences = _Preferences(applicants, fits)
    order = [applicant.key for applicant in applicants]
    capacities = {pool: len(places) for pool, places in free_places.items()}
    pools = serial_dictatorship(order, preferences, capacities)
    handed_out = dict.fromkeys(capacities, 0)
    places: dict[Agent, Place] = {}
    filled_at: dict[Pool, int] = {}
    for position, agent in enumerate(order):
        pool = pools[agent]
        if pool is not None:
            taken = handed_out[pool]
            places[agent] = free_places[pool][taken]
            handed_out[pool] = taken + 1
            if taken + 1 == capacities[pool]:
                filled_at[pool] = position
    return RoundOutcome(
        order=order,
        preferences=preferences,
        capacities=capacities,
        pools=pools,
        places=places,
        filled_at=filled_at,
    )


def full_compounds(placement: Placement) -> list[tuple[Hashable, int | None]]:
    """The compounds ranked above the placement's, each with when it filled up for this household.

    `filled_at` is the serving position that took the compound's last fitting place, or None when
    nothing fitting was free in it this round.
    """
    filled: dict[Hashable, int | None] = {}
    for full in placement.full_choices:
        compound = full.place[0]
        if placement.place is not None and compound == placement.place[0]:
            continue  # a smaller unit of the compound the applicant got: not a compound ranked higher
        known = filled.get(compound)
        if full.filled_at is not None and (known is None or full.filled_at > known):
            filled[compound] = full.filled_at
        else:
            filled.setdefault(compound, known)
    return list(filled.items())
