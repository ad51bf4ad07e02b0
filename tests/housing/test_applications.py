from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from housing import services
from housing.models import ApplicationChoice, HousingApplication, HousingSetting, Setting
from housing.selectors import application_standing, points_lines
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice
from tests.factories import make_child, make_employer, make_resident
from tests.housing.factories import apply, let, make_applicant, make_beds, make_compound, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def compound():
    compound = make_compound()
    make_beds(compound, 2, rent="300.00")
    make_unit(compound, sleeps=4, rent="900.00")
    return compound


def test_an_eligible_resident_joins_the_waiting_list_with_points_and_a_notice(compound):
    # given a resident in Kunshan since 2020 living in a shed, with a school-age child
    resident = make_applicant(arrival_date=date(2020, 3, 1))
    make_child(resident, birth_date=timezone.localdate() - timedelta(days=365 * 9))

    # when
    application = apply(resident, compound, household_size=3, income="4000", housing="shed")

    # then
    years = timezone.localdate().year - 2020 - (timezone.localdate() < date(timezone.localdate().year, 3, 1))
    assert application.state == HousingApplication.State.WAITING
    assert application.points == 30 + min(2 * years, 20) + 10
    assert [rule["rule"] for rule in application.points_breakdown] == [
        "temporary_shed",
        "years_in_kunshan",
        "school_age_children",
    ]
    assert points_lines(application)[0][0] == "You live in a temporary shed"
    notice = Notice.objects.get(recipient=resident.user)
    assert f"{application.points} points" in notice.body


@pytest.mark.parametrize(
    ("resident_fields", "setup", "reason"),
    [
        ({"verified": False}, None, "not verified"),
        ({"employer": None}, None, "employed in Kunshan"),
        ({}, "tenancy", "already have a tenancy"),
        ({}, "application", "already have a housing application"),
    ],
    ids=["not verified", "not employed", "already a tenant", "already on the list"],
)
def test_an_ineligible_resident_is_told_why(compound, resident_fields, setup, reason):
    resident = make_resident(**{"employer": make_employer(), **resident_fields})
    if setup == "tenancy":
        let(make_beds(make_compound(), 1)[0], resident)
    elif setup == "application":
        apply(resident, compound)

    with pytest.raises(services.IneligibleError) as refused:
        apply(resident, compound)

    assert any(reason in str(text) for text in refused.value.reasons)
    assert HousingApplication.objects.filter(resident=resident).count() == (
        1 if setup == "application" else 0
    )


def test_every_reason_is_given_at_once(compound):
    resident = make_resident(verified=False, employer=None)

    with pytest.raises(services.IneligibleError) as refused:
        apply(resident, compound)

    assert len(refused.value.reasons) == 2


def test_unaffordable_choices_are_named_and_not_offered(compound):
    # given a cheap and an expensive compound; 30% of 2,000 yuan is 600 yuan
    expensive = make_compound()
    make_beds(expensive, 1, rent="650.00")

    # when
    application = apply(None, expensive, compound, income="2000")

    # then
    choices = {c.compound_id: c for c in application.choices.all()}
    assert choices[expensive.pk].unusable == ApplicationChoice.Unusable.UNAFFORDABLE
    assert choices[expensive.pk].monthly_cost == Decimal("650.00")
    assert choices[compound.pk].usable


def test_an_application_with_no_affordable_choice_is_refused_naming_each(compound):
    with pytest.raises(services.IneligibleError) as refused:
        apply(None, compound, household_size=2, income="2000")

    text = str(refused.value)
    assert "900.00 yuan a month, above your cap of 600.00 yuan (30% of your household income)" in text
    assert "None of your choices can be offered" in text


def test_a_household_needs_a_family_unit_that_sleeps_it(compound):
    with pytest.raises(services.IneligibleError, match="no family unit for 5 people"):
        apply(None, compound, household_size=5, income="9000")


def test_a_dormitory_is_for_its_owners_and_partners_staff_who_get_the_partner_points():
    owner, partner = make_employer(), make_employer()
    dormitory = make_compound(kind="dormitory", owner=owner, partners=[partner])
    make_beds(dormitory, 2, rent="0")

    with pytest.raises(services.IneligibleError, match="only its staff"):
        apply(None, dormitory)
    for employer in (owner, partner):
        application = apply(make_applicant(employer=employer, arrival_date=timezone.localdate()), dormitory)
        assert application.points == 15
        assert application.choices.get().monthly_cost == Decimal("20.00")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"household_size": 0}, "household_size"),
        ({"household_size": 13}, "household_size"),
        ({"income": "-1"}, "household_income"),
        ({"housing": "palace"}, "current_housing"),
    ],
)
def test_bad_input_is_refused_on_its_field(compound, fields, field):
    with pytest.raises(DomainError) as refused:
        apply(None, compound, **fields)
    assert refused.value.field == field


def test_one_to_five_distinct_compounds_are_chosen(compound):
    with pytest.raises(DomainError, match="one to five"):
        apply(None)
    with pytest.raises(DomainError, match="only once"):
        apply(None, compound, compound)
    compound.accepting = False
    compound.save()
    with pytest.raises(DomainError, match="not taking applications"):
        apply(None, compound)


def test_the_standing_shows_rank_and_wait_per_compound(compound):
    # given three single applicants for the compound's 2 free beds, best points first
    other = make_compound()
    make_beds(other, 1)
    first = apply(None, compound, housing="shed")
    second = apply(None, compound, housing="overcrowded")
    third = apply(None, compound, other)
    family = apply(None, compound, household_size=2, housing="shed")

    # when
    standing = application_standing(third)

    # then the third is third on the whole list after the family, third for the compound's beds
    assert application_standing(first).position == 1
    assert standing.position == 4
    at_compound, at_other = standing.choices
    assert (at_compound.rank, at_compound.free_now, at_compound.wait_months) == (3, 2, None)
    assert (at_other.rank, at_other.free_now, at_other.wait_months) == (1, 1, 0)
    assert application_standing(family).choices[0].rank == 1
    assert application_standing(second).choices[0].wait_months == 0


def test_the_wait_uses_last_years_move_outs(compound):
    # given both beds let, one of them vacated and let again within the year
    beds = list(compound.places.filter(sleeps=1))
    today = timezone.localdate()
    tenancy = let(beds[0], start=today - timedelta(days=100))
    services.tenancy_end(tenancy=tenancy, end_date=today - timedelta(days=50), actor=None)
    let(beds[0])
    let(beds[1])
    applicants = [apply(None, compound) for _ in range(3)]

    # then one bed a year came free: the third waits three years
    assert [application_standing(a).choices[0].wait_months for a in applicants] == [12, 24, 36]


def test_withdrawing_leaves_the_list_and_allows_a_new_application(compound):
    application = apply(None, compound)

    services.application_withdraw(application=application, actor=application.resident.user)

    application.refresh_from_db()
    assert application.state == HousingApplication.State.WITHDRAWN
    assert apply(application.resident, compound).state == HousingApplication.State.WAITING


def test_only_the_applicant_or_a_caseworker_may_withdraw(compound, make_user):
    application = apply(None, compound)
    stranger = make_user("13811112222", "resident")

    with pytest.raises(DomainError) as refused:
        services.application_withdraw(application=application, actor=stranger)
    assert refused.value.code == "forbidden"


def test_points_are_recomputed_with_todays_rules(compound, make_user):
    caseworker = make_user("cw", "caseworker_housing")
    application = apply(make_applicant(arrival_date=timezone.localdate()), compound, housing="overcrowded")
    HousingSetting.objects.create(
        key=Setting.POINTS_OVERCROWDED, value=25, effective_from=timezone.localdate()
    )

    services.application_points_refresh(application=application, actor=caseworker)

    application.refresh_from_db()
    assert application.points == 25
