import pytest

from education import selectors, services
from education.models import Application, ChildLottery, Round
from kunshan_portal.errors import DomainError
from tests.education.factories import (
    YEAR,
    make_application,
    make_caseworker,
    make_parent,
    make_school,
    make_school_child,
    make_school_year,
    make_seats,
)
from tests.factories import make_child, make_resident, new_id_number


@pytest.fixture
def schools(db):
    return [make_school(town="yushan"), make_school(town="bacheng"), make_school(kind="dedicated")]


def apply(parent, child, schools, *, grade=1, year=YEAR):
    return services.application_submit(
        parent=parent, child=child, school_year=make_school_year(year), grade=grade, schools=schools,
        actor=parent.user,
    )  # fmt: skip


def test_a_verified_parent_applies_with_ranked_schools_and_the_lottery_is_drawn(schools):
    # given
    parent = make_parent("yushan")
    child = make_school_child(parent)

    # when
    application = apply(parent, child, schools[::-1])

    # then
    assert application.state == Application.State.SUBMITTED
    assert [c.school for c in application.choices.order_by("rank")] == schools[::-1]
    assert application.child_id_hash == child.id_number_hash
    assert 1 <= application.lottery < services.LOTTERY_RANGE
    assert ChildLottery.objects.get(child_id_hash=child.id_number_hash).number == application.lottery
    facts = selectors.application_facts(application)
    assert facts.frozen_in is None and facts.months == 0
    assert [(c.school, c.catchment) for c in facts.choices] == [
        (schools[2], True), (schools[1], False), (schools[0], True)
    ]  # fmt: skip


def test_the_lottery_number_is_drawn_once_per_child_and_kept(schools):
    parent = make_parent()
    child = make_school_child(parent, grade=1, year=YEAR)
    first = apply(parent, child, schools[:1])
    services.application_withdraw(application=first, actor=parent.user)

    again = apply(parent, child, schools[1:2])
    next_year = apply(parent, child, schools[:1], grade=2, year=YEAR + 1)

    assert first.lottery == again.lottery == next_year.lottery
    assert ChildLottery.objects.filter(child_id_hash=child.id_number_hash).count() == 1


def test_one_application_per_child_and_school_year_even_from_the_other_parent(schools):
    # given: both parents list the same child (same identity number)
    mother, father = make_parent(), make_parent()
    number = new_id_number(date_for_grade_1())
    apply(mother, make_child(mother, id_number=number), schools[:1])

    # when / then
    with pytest.raises(DomainError, match="already an application") as caught:
        apply(father, make_child(father, id_number=number), schools[1:2])
    assert caught.value.field == "child"
    assert Application.objects.count() == 1


def date_for_grade_1():
    from tests.education.factories import birth_date_for

    return birth_date_for(1)


def test_an_unverified_parent_cannot_apply(schools):
    parent = make_resident(verified=False)
    with pytest.raises(DomainError, match="verified"):
        apply(parent, make_school_child(parent), schools)


def test_only_the_parents_own_child(schools):
    parent, other = make_parent(), make_parent()
    with pytest.raises(DomainError, match="your children") as caught:
        apply(parent, make_school_child(other), schools)
    assert caught.value.field == "child"


def test_someone_else_cannot_apply_for_a_parent(schools):
    parent, stranger = make_parent(), make_parent()
    with pytest.raises(DomainError) as caught:
        services.application_submit(
            parent=parent, child=make_school_child(parent), school_year=make_school_year(), grade=1,
            schools=schools, actor=stranger.user,
        )  # fmt: skip
    assert caught.value.code == "forbidden"


def test_a_closed_school_year_takes_no_applications(schools):
    parent = make_parent()
    closed = make_school_year(YEAR + 1, applications_open=False)
    with pytest.raises(DomainError, match="not open"):
        services.application_submit(
            parent=parent, child=make_school_child(parent, year=YEAR + 1), school_year=closed, grade=1,
            schools=schools, actor=parent.user,
        )  # fmt: skip


@pytest.mark.parametrize(("grade", "message"), [(2, "too young"), (1, None)])
def test_the_childs_age_is_checked_against_the_grade(schools, grade, message):
    parent = make_parent()
    child = make_school_child(parent, grade=1)
    if message:
        with pytest.raises(DomainError, match=message) as caught:
            apply(parent, child, schools, grade=grade)
        assert caught.value.field == "grade"
    else:
        assert apply(parent, child, schools, grade=grade).grade == 1


def test_a_child_too_old_for_the_grade_is_refused_with_advice(schools):
    parent = make_parent()
    with pytest.raises(DomainError, match="older than grade 1"):
        apply(parent, make_school_child(parent, grade=4), schools, grade=1)


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda s: [], "at least one"),
        (lambda s: [s[0], s[0]], "only once"),
        (lambda s: [make_school() for _ in range(7)], "at most 6"),
        (lambda s: [make_school(first_grade=7, last_grade=9)], "does not teach grade 1"),
        (lambda s: [make_school(active=False)], "does not take applications"),
    ],
    ids=["none", "twice", "seven", "wrong grade", "inactive"],
)
def test_ranked_schools_are_checked(schools, pick, message):
    parent = make_parent()
    with pytest.raises(DomainError, match=message) as caught:
        apply(parent, make_school_child(parent), pick(schools))
    assert caught.value.field == "choices"


def test_six_schools_are_allowed(schools):
    parent = make_parent()
    ranked = [*schools, make_school(), make_school(), make_school()]
    assert apply(parent, make_school_child(parent), ranked).choices.count() == 6


def test_the_parent_changes_the_ranked_schools_while_waiting(schools):
    parent = make_parent()
    application = apply(parent, make_school_child(parent), schools[:1])

    services.application_choices_update(application=application, schools=schools[::-1], actor=parent.user)

    assert [c.school for c in application.choices.order_by("rank")] == schools[::-1]


def test_no_change_or_withdrawal_while_the_round_is_frozen(schools):
    # given
    parent = make_parent()
    make_seats(schools[0], 1)
    application = apply(parent, make_school_child(parent), schools[:1])
    caseworker = make_caseworker()
    round_ = services.round_create(school_year=make_school_year(), actor=caseworker)
    services.round_freeze(round_=round_, actor=caseworker)

    # when / then
    with pytest.raises(DomainError, match="being placed"):
        services.application_choices_update(application=application, schools=schools, actor=parent.user)
    with pytest.raises(DomainError, match="being placed"):
        services.application_withdraw(application=application, actor=parent.user)

    # and after a reopen the parent may again
    services.round_reopen(round_=Round.objects.get(pk=round_.pk), actor=caseworker)
    services.application_withdraw(application=application, actor=parent.user)
    application.refresh_from_db()
    assert application.state == Application.State.WITHDRAWN


def test_only_the_parent_withdraws(schools):
    application = make_application(schools=schools[:1])
    with pytest.raises(DomainError):
        services.application_withdraw(application=application, actor=make_parent().user)
