import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from housing.allocation import (
    Applicant,
    FullChoice,
    Placement,
    allocate_round,
    fitting_pools,
    full_compounds,
    serial_dictatorship,
    serial_dictatorship_explained,
    top_trading_cycles,
)

PLACES = ["p0", "p1", "p2", "p3"]


def ranked_subsets(places):
    return st.lists(st.sampled_from(places), unique=True, max_size=len(places))


@st.composite
def serial_instances(draw):
    order = draw(st.permutations(range(draw(st.integers(0, 8)))))
    # "gone" is ranked by some agents but has no entry in the capacities.
    preferences = {agent: draw(ranked_subsets([*PLACES, "gone"])) for agent in order if draw(st.booleans())}
    capacities = {place: draw(st.integers(0, 3)) for place in PLACES}
    return order, preferences, capacities


@st.composite
def tenant_instances(draw, max_agents=5, max_places=5):
    places = [f"h{i}" for i in range(draw(st.integers(1, max_places)))]
    order = draw(st.permutations(range(draw(st.integers(1, max_agents)))))
    held = draw(st.lists(st.sampled_from(places), unique=True, max_size=min(len(order), len(places))))
    tenants = draw(st.permutations(order))[: len(held)]
    endowments = dict(zip(tenants, held, strict=True))
    # Places neither held nor vacant stay in the preference lists: they are not available.
    vacant = [place for place in places if place not in held and draw(st.booleans())]
    preferences = {agent: draw(ranked_subsets(places)) for agent in order if draw(st.integers(0, 5))}
    return order, preferences, endowments, vacant


# Serial dictatorship


@pytest.mark.parametrize(
    ("order", "preferences", "capacities", "expected"),
    [
        pytest.param(
            ["a", "b", "c"],
            {"a": ["x", "y"], "b": ["x", "y"], "c": ["x"]},
            {"x": 1, "y": 1},
            {"a": "x", "b": "y", "c": None},
            id="later agents fall back to lower choices",
        ),
        pytest.param(
            ["c", "b", "a"],
            {"a": ["x", "y"], "b": ["x", "y"], "c": ["x"]},
            {"x": 1, "y": 1},
            {"c": "x", "b": "y", "a": None},
            id="the order decides",
        ),
        pytest.param(
            ["a", "b", "c"],
            {"a": ["x"], "b": ["x"], "c": ["x", "y"]},
            {"x": 2, "y": 1},
            {"a": "x", "b": "x", "c": "y"},
            id="a compound takes as many as its free rooms",
        ),
        pytest.param(
            ["a", "b"],
            {"a": ["unknown", "empty", "x"]},
            {"x": 1, "empty": 0},
            {"a": "x", "b": None},
            id="places without capacity are skipped and an agent without choices gets nothing",
        ),
        pytest.param([], {"a": ["x"]}, {"x": 1}, {}, id="nobody to serve"),
    ],
)
def test_serial_dictatorship_textbook_cases(order, preferences, capacities, expected):
    assert serial_dictatorship(order, preferences, capacities) == expected
    explained = serial_dictatorship_explained(order, preferences, capacities)
    assert {agent: placement.place for agent, placement in explained.items()} == expected


def test_serial_dictatorship_explains_every_better_choice():
    # given
    order = ["a", "b", "c", "d"]
    preferences = {"a": ["x"], "b": ["y", "x"], "c": ["x", "none", "y", "z"], "d": ["x", "y", "z"]}
    capacities = {"x": 1, "y": 1, "z": 1, "none": 0}

    # when
    explained = serial_dictatorship_explained(order, preferences, capacities)

    # then
    assert explained["c"] == Placement(
        position=2,
        place="z",
        full_choices=(
            FullChoice(place="x", filled_at=0),
            FullChoice(place="none", filled_at=None),
            FullChoice(place="y", filled_at=1),
        ),
    )
    assert explained["d"] == Placement(
        position=3,
        place=None,
        full_choices=(
            FullChoice(place="x", filled_at=0),
            FullChoice(place="y", filled_at=1),
            FullChoice(place="z", filled_at=2),
        ),
    )


@pytest.mark.parametrize(
    "serve",
    [
        lambda order: serial_dictatorship(order, {"a": ["x"]}, {"x": 1}),
        lambda order: serial_dictatorship_explained(order, {"a": ["x"]}, {"x": 1}),
        lambda order: top_trading_cycles(order, {"a": ["x"]}, {}, ["x"]),
    ],
    ids=["serial dictatorship", "explained", "top trading cycles"],
)
def test_an_agent_served_twice_is_refused(serve):
    with pytest.raises(ValueError, match="more than once"):
        serve(["a", "b", "a"])


@settings(max_examples=300, deadline=None)
@given(serial_instances())
def test_serial_dictatorship_gives_each_agent_the_best_place_left_at_their_turn(instance):
    order, preferences, capacities = instance
    original = (list(order), {agent: list(ranked) for agent, ranked in preferences.items()}, dict(capacities))

    result = serial_dictatorship(order, preferences, capacities)

    assert (list(order), preferences, capacities) == original
    assert result.keys() == set(order)
    used = dict.fromkeys(capacities, 0)
    for agent in order:
        ranked = preferences.get(agent, [])
        better = ranked[: ranked.index(result[agent])] if result[agent] is not None else ranked
        assert all(used.get(place, 0) >= capacities.get(place, 0) for place in better)
        if result[agent] is not None:
            used[result[agent]] += 1
    assert all(used[place] <= capacities[place] for place in capacities)


@settings(max_examples=200, deadline=None)
@given(serial_instances(), st.data())
def test_serial_dictatorship_never_harms_earlier_agents(instance, data):
    order, preferences, capacities = instance
    served = data.draw(st.integers(0, len(order)))
    later_preferences = {**preferences, **{agent: list(reversed(PLACES)) for agent in order[served:]}}

    result = serial_dictatorship(order, preferences, capacities)

    for changed in (
        serial_dictatorship(order[:served], preferences, capacities),
        serial_dictatorship(order, later_preferences, capacities),
    ):
        assert all(changed[agent] == result[agent] for agent in order[:served])


@settings(max_examples=200, deadline=None)
@given(serial_instances())
def test_serial_dictatorship_explanation_matches_the_result(instance):
    order, preferences, capacities = instance
    result = serial_dictatorship(order, preferences, capacities)

    explained = serial_dictatorship_explained(order, preferences, capacities)

    for position, agent in enumerate(order):
        placement = explained[agent]
        ranked = preferences.get(agent, [])
        assert placement.position == position
        assert placement.place == result[agent]
        better = ranked[: ranked.index(placement.place)] if placement.place is not None else ranked
        assert [full.place for full in placement.full_choices] == better
        for full in placement.full_choices:
            capacity = capacities.get(full.place, 0)
            if capacity == 0:
                assert full.filled_at is None
                continue
            assert full.filled_at < position
            takers = [result[earlier] for earlier in order[: full.filled_at + 1]].count(full.place)
            assert takers == capacity
            assert result[order[full.filled_at]] == full.place


# Top trading cycles


@pytest.mark.parametrize(
    ("order", "preferences", "endowments", "vacant", "expected"),
    [
        pytest.param(
            ["t1", "t2"],
            {"t1": ["h2", "h1"], "t2": ["h1", "h2"]},
            {"t1": "h1", "t2": "h2"},
            [],
            {"t1": "h2", "t2": "h1"},
            id="two tenants who want each other's places swap",
        ),
        pytest.param(
            ["t1", "t2", "t3"],
            {"t1": ["h2"], "t2": ["h3"], "t3": ["h1"]},
            {"t1": "h1", "t2": "h2", "t3": "h3"},
            [],
            {"t1": "h2", "t2": "h3", "t3": "h1"},
            id="three tenants trade round a cycle",
        ),
        pytest.param(
            ["a", "t"],
            {"a": ["h", "v"], "t": ["v"]},
            {"t": "h"},
            ["v"],
            {"a": "h", "t": "v"},
            id="you request my house, I get your turn",
        ),
        pytest.param(
            ["a", "t"],
            {"a": ["h", "v"], "t": ["h", "v"]},
            {"t": "h"},
            ["v"],
            {"a": "v", "t": "h"},
            id="a tenant never gives up the place they hold for one they rank lower",
        ),
        pytest.param(
            ["t", "a"],
            {"t": ["v"], "a": ["h"]},
            {"t": "h"},
            ["v"],
            {"t": "v", "a": "h"},
            id="a tenant who moves out frees their place for the next in line",
        ),
        pytest.param(
            ["a", "t"],
            {"a": ["h"], "t": ["elsewhere"]},
            {"t": "h"},
            [],
            {"a": None, "t": "h"},
            id="a tenant who cannot get a listed place keeps their own",
        ),
        pytest.param(
            ["a", "t"],
            {"a": ["h"]},
            {"t": "h"},
            [],
            {"a": None, "t": "h"},
            id="a tenant without preferences keeps their place",
        ),
        pytest.param(
            ["a1", "t1", "t2", "a2"],
            {"a1": ["h2", "v"], "t1": ["h2", "v"], "t2": ["h1"], "a2": ["h1", "v", "x"]},
            {"t1": "h1", "t2": "h2"},
            ["v"],
            {"a1": "v", "t1": "h2", "t2": "h1", "a2": None},
            id="the first applicant's request triggers a swap, then takes the vacant place",
        ),
    ],
)
def test_top_trading_cycles_textbook_cases(order, preferences, endowments, vacant, expected):
    assert top_trading_cycles(order, preferences, endowments, vacant) == expected


@pytest.mark.parametrize(
    ("order", "endowments", "vacant", "message"),
    [
        (["a"], {"t": "h"}, [], "must appear in the priority order"),
        (["a", "t"], {"a": "h", "t": "h"}, [], "hold the same place"),
        (["t"], {"t": "h"}, ["h"], "both vacant and held"),
    ],
)
def test_top_trading_cycles_refuses_inconsistent_holdings(order, endowments, vacant, message):
    with pytest.raises(ValueError, match=message):
        top_trading_cycles(order, {}, endowments, vacant)


def effective_ranking(agent, preferences, endowments):
    ranked = list(preferences.get(agent, []))
    if agent in endowments and endowments[agent] not in ranked:
        ranked.append(endowments[agent])
    return ranked


def badness(place, ranking):
    """Position in the agent's ranking; nothing, or a place they did not list, is worst."""
    return ranking.index(place) if place in ranking else math.inf


@settings(max_examples=300, deadline=None)
@given(tenant_instances())
def test_top_trading_cycles_is_feasible_and_individually_rational(instance):
    order, preferences, endowments, vacant = instance

    result = top_trading_cycles(order, preferences, endowments, vacant)

    assert result.keys() == set(order)
    taken = [place for place in result.values() if place is not None]
    assert len(taken) == len(set(taken))
    assert set(taken) <= set(vacant) | set(endowments.values())
    for agent, place in result.items():
        ranking = effective_ranking(agent, preferences, endowments)
        if agent in endowments:
            assert badness(place, ranking) <= badness(endowments[agent], ranking)
        else:
            assert place is None or place in ranking


@settings(max_examples=200, deadline=None)
@given(tenant_instances(max_agents=4, max_places=4))
def test_top_trading_cycles_is_pareto_efficient(instance):
    order, preferences, endowments, vacant = instance
    rankings = {agent: effective_ranking(agent, preferences, endowments) for agent in order}
    result = top_trading_cycles(order, preferences, endowments, vacant)
    achieved = [badness(result[agent], rankings[agent]) for agent in order]
    options = [None, *vacant, *endowments.values()]

    for allocation in itertools.product(options, repeat=len(order)):
        taken = [place for place in allocation if place is not None]
        if len(taken) != len(set(taken)):
            continue
        other = [badness(place, rankings[agent]) for agent, place in zip(order, allocation, strict=True)]
        dominates = all(o <= a for o, a in zip(other, achieved, strict=True)) and other != achieved
        assert not dominates, f"{dict(zip(order, allocation, strict=True))} dominates {result}"


@settings(max_examples=100, deadline=None)
@given(tenant_instances(max_agents=4, max_places=4))
def test_top_trading_cycles_is_strategy_proof(instance):
    order, preferences, endowments, vacant = instance
    places = sorted({*vacant, *endowments.values()})
    result = top_trading_cycles(order, preferences, endowments, vacant)

    for agent in order:
        ranking = effective_ranking(agent, preferences, endowments)
        truthful = badness(result[agent], ranking)
        for size in range(len(places) + 1):
            for report in itertools.permutations(places, size):
                lied = top_trading_cycles(order, {**preferences, agent: list(report)}, endowments, vacant)
                assert badness(lied[agent], ranking) >= truthful


@settings(max_examples=300, deadline=None)
@given(tenant_instances(max_agents=6, max_places=5))
def test_top_trading_cycles_without_tenants_is_serial_dictatorship(instance):
    order, preferences, _, vacant = instance

    result = top_trading_cycles(order, preferences, {}, vacant)

    assert result == serial_dictatorship(order, preferences, dict.fromkeys(vacant, 1))


# A round over real stock: pools of places by compound and size


@pytest.mark.parametrize(
    ("size", "free_sizes", "expected"),
    [
        (1, [1, 2, 4], [("c", 1)]),
        (1, [2, 4], [("c", 0)]),
        (2, [1, 4, 2, 3], [("c", 2), ("c", 3), ("c", 4)]),
        (3, [1, 2], [("c", 0)]),
    ],
    ids=["a single person gets a bed", "no free bed", "smallest fitting unit first", "nothing big enough"],
)
def test_fitting_pools(size, free_sizes, expected):
    assert fitting_pools(size, "c", free_sizes) == expected


def test_a_round_gives_beds_to_single_people_and_the_smallest_fitting_unit_to_households():
    # given compound x with two beds and units for 2 and 4, compound y with one bed
    free = {
        ("x", 1): ["x-bed-a", "x-bed-b"],
        ("x", 2): ["x-unit-2"],
        ("x", 4): ["x-unit-4"],
        ("y", 1): ["y-bed"],
    }
    applicants = [
        Applicant("single", 1, ("x",)),
        Applicant("pair", 2, ("x",)),
        Applicant("three", 3, ("x", "y")),
        Applicant("pair2", 2, ("x", "y")),
        Applicant("single2", 1, ("y", "x")),
        Applicant("single3", 1, ("y", "x")),
    ]

    outcome = allocate_round(applicants, free)

    assert outcome.places == {
        "single": "x-bed-a",
        "pair": "x-unit-2",
        "three": "x-unit-4",
        "single2": "y-bed",
        "single3": "x-bed-b",
    }
    assert outcome.pools["pair2"] is None
    assert full_compounds(outcome.placement("pair2")) == [("x", 2), ("y", None)]
    assert full_compounds(outcome.placement("single3")) == [("y", 4)]
    assert full_compounds(outcome.placement("pair")) == []


@st.composite
def round_instances(draw):
    compounds = ["x", "y", "z"]
    free, n = {}, 0
    for compound in compounds:
        for size in draw(st.lists(st.sampled_from([1, 2, 3, 4]), unique=True, max_size=3)):
            count = draw(st.integers(0, 3))
            free[(compound, size)] = [f"p{n + i}" for i in range(count)]
            n += count
    order = draw(st.permutations(range(draw(st.integers(0, 8)))))
    applicants = [
        Applicant(
            agent, draw(st.integers(1, 4)), tuple(draw(st.lists(st.sampled_from(compounds), unique=True)))
        )
        for agent in order
    ]
    return applicants, free


@settings(max_examples=200, deadline=None)
@given(round_instances())
def test_a_round_is_the_explained_serial_dictatorship_over_fitting_pools(instance):
    applicants, free = instance

    outcome = allocate_round(applicants, free)

    order = [applicant.key for applicant in applicants]
    explained = serial_dictatorship_explained(
        order, {key: outcome.preferences[key] for key in order}, {pool: len(p) for pool, p in free.items()}
    )
    assert {agent: outcome.placement(agent) for agent in order} == explained
    given = [place for places in free.values() for place in places]
    assert len(set(outcome.places.values())) == len(outcome.places)
    for applicant in applicants:
        pool = outcome.pools[applicant.key]
        if pool is None:
            assert applicant.key not in outcome.places
            continue
        compound, sleeps = pool
        assert compound in applicant.compounds
        assert sleeps == 1 if applicant.household_size == 1 else sleeps >= applicant.household_size
        assert outcome.places[applicant.key] in free[pool] and outcome.places[applicant.key] in given
        ranked_above = applicant.compounds[: applicant.compounds.index(compound)]
        assert [c for c, _ in full_compounds(outcome.placement(applicant.key))] == list(ranked_above)
