import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from education.matching import SchoolRefusal, cutoffs, deferred_acceptance, priority_ranks, refusals

SCHOOLS = ["s0", "s1", "s2"]


def ranked_subsets(items):
    return st.permutations(items).flatmap(
        lambda ranked: st.integers(0, len(ranked)).map(lambda n: ranked[:n])
    )


@st.composite
def instances(draw, max_children=5):
    children = [f"c{i}" for i in range(draw(st.integers(0, max_children)))]
    # "closed" is ranked by some children but has neither priorities nor seats.
    preferences = {child: draw(ranked_subsets([*SCHOOLS, "closed"])) for child in children}
    priorities = {school: draw(ranked_subsets(children)) for school in SCHOOLS}
    capacities = {school: draw(st.integers(0, 2)) for school in SCHOOLS}
    return preferences, priorities, capacities


def prefers(choices, school, result):
    """The child ranks `school` above the school it got (any listed school beats none)."""
    if school not in choices:
        return False
    return result not in choices or choices.index(school) < choices.index(result)


def blocking_pairs(assignment, preferences, priorities, capacities):
    ranks = priority_ranks(priorities)
    admitted = {school: [c for c, s in assignment.items() if s == school] for school in capacities}
    return [
        (child, school)
        for child, choices in preferences.items()
        for school in choices
        if school in capacities
        and child in ranks[school]
        and prefers(choices, school, assignment[child])
        and (
            len(admitted[school]) < capacities[school]
            or any(ranks[school][other] > ranks[school][child] for other in admitted[school])
        )
    ]


def feasible(assignment, preferences, priorities, capacities):
    return all(
        school is None or (school in preferences[child] and child in priorities.get(school, ()))
        for child, school in assignment.items()
    ) and all(list(assignment.values()).count(school) <= seats for school, seats in capacities.items())


@pytest.mark.parametrize(
    ("preferences", "priorities", "capacities", "expected"),
    [
        pytest.param(
            {"i1": ["s2", "s1", "s3"], "i2": ["s1", "s2", "s3"], "i3": ["s1", "s2", "s3"]},
            {"s1": ["i1", "i3", "i2"], "s2": ["i2", "i1", "i3"], "s3": ["i3", "i1", "i2"]},
            {"s1": 1, "s2": 1, "s3": 1},
            {"i1": "s1", "i2": "s2", "i3": "s3"},
            # i1 and i2 would both rather swap, but i3 has priority over i2 at s1: stability costs
            # efficiency, the example Abdulkadiroglu & Sönmez use to set DA against TTC.
            id="stable but not efficient",
        ),
        pytest.param(
            {"m1": ["w1", "w2"], "m2": ["w2", "w1"]},
            {"w1": ["m2", "m1"], "w2": ["m1", "m2"]},
            {"w1": 1, "w2": 1},
            {"m1": "w1", "m2": "w2"},
            id="the proposing side gets its optimal stable matching",
        ),
        pytest.param(
            {"a": ["x", "y"], "b": ["x", "y"], "c": ["x", "y"], "d": ["x"]},
            {"x": ["d", "c", "b", "a"], "y": ["a", "b", "c", "d"]},
            {"x": 2, "y": 1},
            {"a": "y", "b": None, "c": "x", "d": "x"},
            id="seats go by priority and a rejected child moves down its list",
        ),
        pytest.param(
            {"a": ["x", "y"], "b": ["x"]},
            {"x": ["b"], "y": ["a"]},
            {"x": 5, "y": 1},
            {"a": "y", "b": "x"},
            id="a child a school does not list is not admitted even to empty seats",
        ),
        pytest.param(
            {"a": ["nowhere", "x"], "b": []},
            {"x": ["a", "b"]},
            {"x": 1},
            {"a": "x", "b": None},
            id="unknown schools are skipped and a child without choices stays unplaced",
        ),
    ],
)
def test_deferred_acceptance_textbook_cases(preferences, priorities, capacities, expected):
    assert deferred_acceptance(preferences, priorities, capacities) == expected


def test_priority_list_with_a_child_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        deferred_acceptance({"a": ["x"]}, {"x": ["a", "b", "a"]}, {"x": 1})


@settings(max_examples=300, deadline=None)
@given(instances())
def test_deferred_acceptance_is_stable_and_non_wasteful(instance):
    preferences, priorities, capacities = instance
    original = (
        {child: list(ranked) for child, ranked in preferences.items()},
        {school: list(ranked) for school, ranked in priorities.items()},
        dict(capacities),
    )

    assignment = deferred_acceptance(preferences, priorities, capacities)

    assert (preferences, priorities, capacities) == original
    assert assignment.keys() == preferences.keys()
    assert feasible(assignment, preferences, priorities, capacities)
    assert blocking_pairs(assignment, preferences, priorities, capacities) == []


@settings(max_examples=150, deadline=None)
@given(instances(max_children=4))
def test_deferred_acceptance_is_the_child_optimal_stable_matching(instance):
    preferences, priorities, capacities = instance
    children = list(preferences)
    assignment = deferred_acceptance(preferences, priorities, capacities)

    for schools in itertools.product(*([None, *preferences[child]] for child in children)):
        other = dict(zip(children, schools, strict=True))
        if feasible(other, preferences, priorities, capacities) and not blocking_pairs(
            other, preferences, priorities, capacities
        ):
            assert not any(prefers(preferences[c], other[c], assignment[c]) for c in children)


@settings(max_examples=100, deadline=None)
@given(instances(max_children=4))
def test_no_child_gains_by_misreporting(instance):
    preferences, priorities, capacities = instance
    truthful = deferred_acceptance(preferences, priorities, capacities)

    for child, choices in preferences.items():
        for size in range(len(SCHOOLS) + 1):
            for report in itertools.permutations(SCHOOLS, size):
                lied = deferred_acceptance({**preferences, child: list(report)}, priorities, capacities)
                assert not prefers(choices, lied[child], truthful[child])


def test_cutoffs_hand_case():
    # given
    priorities = {"x": ["d", "c", "b", "a"], "y": ["a", "b", "c", "d"], "z": ["a"], "shut": ["a"]}
    capacities = {"x": 2, "y": 1, "z": 3, "closed": 0}
    assignment = {"a": "y", "b": None, "c": "x", "d": "x"}

    # when
    result = cutoffs(assignment, priorities, capacities)

    # then
    assert result == {"x": 1, "y": 0, "z": None, "shut": -1, "closed": -1}


def test_cutoffs_refuse_an_admitted_child_the_school_does_not_accept():
    with pytest.raises(ValueError, match="does not accept"):
        cutoffs({"a": "x"}, {"x": ["b"]}, {"x": 1})


def test_refusals_hand_case():
    # given
    preferences = {"a": ["x", "y"], "b": ["x", "y", "gone"], "c": ["x", "y"], "d": ["x"]}
    priorities = {"x": ["d", "c", "b", "a"], "y": ["a", "c"]}
    capacities = {"x": 2, "y": 1}
    assignment = deferred_acceptance(preferences, priorities, capacities)
    ranks = priority_ranks(priorities)
    published = cutoffs(assignment, priorities, capacities)

    # when
    explained = {child: refusals(child, preferences, assignment, ranks, published) for child in preferences}

    # then
    assert assignment == {"a": "y", "b": None, "c": "x", "d": "x"}
    assert explained == {
        "a": (SchoolRefusal(school="x", cutoff=1, child_rank=3),),
        "b": (
            SchoolRefusal(school="x", cutoff=1, child_rank=2),
            SchoolRefusal(school="y", cutoff=0, child_rank=None),
            SchoolRefusal(school="gone", cutoff=None, child_rank=None),
        ),
        "c": (),
        "d": (),
    }
    assert not explained["b"][1].acceptable


@settings(max_examples=300, deadline=None)
@given(instances())
def test_cutoffs_and_refusals_explain_every_better_school(instance):
    preferences, priorities, capacities = instance
    assignment = deferred_acceptance(preferences, priorities, capacities)
    ranks = priority_ranks(priorities)

    published = cutoffs(assignment, priorities, capacities)

    for school, seats in capacities.items():
        admitted = [ranks[school][child] for child, placed in assignment.items() if placed == school]
        if len(admitted) < seats:
            assert published[school] is None
        else:
            assert published[school] == max(admitted, default=-1)
    for child, choices in preferences.items():
        explained = refusals(child, preferences, assignment, ranks, published)
        assert [refusal.school for refusal in explained] == [
            school for school in choices if prefers(choices, school, assignment[child])
        ]
        for refusal in explained:
            assert refusal.child_rank == ranks.get(refusal.school, {}).get(child)
            if refusal.acceptable:
                assert refusal.cutoff is not None
                assert refusal.child_rank > refusal.cutoff
