"""Timings of the housing and education pure cores on deterministic random instances at the city's scale.

The number of compounds and schools stays fixed; `scale` multiplies the people and the places.
"""

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from education.matching import deferred_acceptance
from housing.allocation import serial_dictatorship, serial_dictatorship_explained, top_trading_cycles

REPEATS = 5
COMPOUNDS = 68
APPLICANTS = 250_000
FREE_ROOMS = 25_000
HOUSING_CHOICES = 5
TTC_TENANTS = 40_000
TTC_APPLICANTS = 10_000
TTC_VACANT = 5_000
SCHOOLS = 200
TOWNS = 13
CHILDREN = 57_000
SCHOOL_CHOICES = 6
# A few more seats than children, as in the city; popular schools are still oversubscribed.
SEATS_PER_CHILD = 1.05


def _median_seconds(core: Callable[[], Any]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        core()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _popularity(rng: random.Random, count: int) -> list[float]:
    """Cumulative weights, a few items far more wanted than the rest (Zipf-like)."""
    weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    rng.shuffle(weights)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _split(rng: random.Random, total: int, count: int) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
    scale = total / sum(weights)
    return [max(1, round(weight * scale)) for weight in weights]


def _ranked(rng: random.Random, items: list, cum_weights: list[float], most: int) -> list:
    drawn = rng.choices(items, cum_weights=cum_weights, k=2 * most)
    return list(dict.fromkeys(drawn))[: rng.randint(1, most)]


def _serial_dictatorship_instance(rng: random.Random, scale: float) -> tuple:
    compounds = [f"compound-{i}" for i in range(COMPOUNDS)]
    capacities = dict(zip(compounds, _split(rng, round(FREE_ROOMS * scale), COMPOUNDS), strict=True))
    popularity = _popularity(rng, COMPOUNDS)
    order = rng.sample(range(round(APPLICANTS * scale)), round(APPLICANTS * scale))
    preferences = {agent: _ranked(rng, compounds, popularity, HOUSING_CHOICES) for agent in order}
    return order, preferences, capacities


def _top_trading_cycles_instance(rng: random.Random, scale: float) -> tuple:
    tenants, applicants, vacancies = (round(n * scale) for n in (TTC_TENANTS, TTC_APPLICANTS, TTC_VACANT))
    places = [(rng.randrange(COMPOUNDS), unit) for unit in range(tenants + vacancies)]
    # Units of a popular compound are wanted alike: weight each unit by its compound's popularity.
    compound_weights = [0.0, *_popularity(rng, COMPOUNDS)]
    unit_weights, total = [], 0.0
    for compound, _ in places:
        total += compound_weights[compound + 1] - compound_weights[compound]
        unit_weights.append(total)
    order = rng.sample(range(tenants + applicants), tenants + applicants)
    endowments = dict(zip(order[:tenants], places[:tenants], strict=True))
    preferences = {agent: _ranked(rng, places, unit_weights, HOUSING_CHOICES) for agent in order}
    rng.shuffle(order)
    return order, preferences, endowments, places[tenants:]


def _deferred_acceptance_instance(rng: random.Random, scale: float) -> tuple:
    children = round(CHILDREN * scale)
    schools = [f"school-{i}" for i in range(SCHOOLS)]
    capacities = dict(zip(schools, _split(rng, round(children * SEATS_PER_CHILD), SCHOOLS), strict=True))
    school_town = {school: rng.randrange(TOWNS) for school in schools}
    popularity = _popularity(rng, SCHOOLS)
    preferences = {child: _ranked(rng, schools, popularity, SCHOOL_CHOICES) for child in range(children)}
    # The default priority: catchment first, then months of insurance contributions, then the lottery.
    town = [rng.randrange(TOWNS) for _ in range(children)]
    months = [rng.randrange(121) for _ in range(children)]
    lottery = [rng.random() for _ in range(children)]
    applicants: dict[str, list[int]] = {school: [] for school in schools}
    for child, choices in preferences.items():
        for school in choices:
            applicants[school].append(child)
    priorities = {
        school: sorted(listed, key=lambda c, s=school: (town[c] != school_town[s], -months[c], lottery[c]))
        for school, listed in applicants.items()
    }
    return preferences, priorities, capacities


def run(scale: float = 1.0) -> list[dict]:
    """Median time of each housing and education core over REPEATS runs, at the city's sizes times `scale`."""
    rng = random.Random(20240601)
    order, preferences, capacities = _serial_dictatorship_instance(rng, scale)
    serial = _median_seconds(lambda: serial_dictatorship(order, preferences, capacities))
    preview = _median_seconds(lambda: serial_dictatorship_explained(order, preferences, capacities))

    order, preferences, endowments, vacant = _top_trading_cycles_instance(rng, scale)
    cycles = _median_seconds(lambda: top_trading_cycles(order, preferences, endowments, vacant))

    children, priorities, seats = _deferred_acceptance_instance(rng, scale)
    placement = _median_seconds(lambda: deferred_acceptance(children, priorities, seats))

    return [
        {
            "name": f"housing: serial dictatorship core ({round(APPLICANTS * scale):,} applicants)",
            "measured_s": serial,
            "target_s": 2.0,
        },
        {
            "name": f"housing: round preview with explanations ({round(APPLICANTS * scale):,} applicants)",
            "measured_s": preview,
            "target_s": None,
        },
        {
            "name": (
                f"housing: top trading cycles core ({len(endowments):,} tenants, "
                f"{len(order) - len(endowments):,} applicants, {len(vacant):,} vacant places)"
            ),
            "measured_s": cycles,
            "target_s": None,
        },
        {
            "name": f"education: deferred acceptance core ({len(children):,} children, {SCHOOLS} schools)",
            "measured_s": placement,
            "target_s": 2.0,
        },
    ]
