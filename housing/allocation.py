"""Allocation cores for housing: serial dictatorship for a round, top trading cycles for tenants who move.

Plain functions on plain data (no Django): ids are any hashable values, so the service decides whether a
place is a compound with a number of free fitting rooms or a single bed or unit.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
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
