from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from housing import services
from housing.models import HousingSetting, Place, Room, Setting, Tenancy
from housing.selectors import compound_occupancy, free_places, housing_rules
from kunshan_portal.errors import DomainError
from tests.housing.factories import let, make_beds, make_compound, make_room, make_unit

pytestmark = pytest.mark.django_db


def test_a_shared_room_has_a_place_per_bed_and_a_family_unit_one_place():
    compound = make_compound()

    shared = make_room(compound, capacity=3, rent="250.00")
    family = make_room(compound, kind="family", capacity=4, rent="900.00")

    assert [(p.label, p.sleeps, p.rent) for p in shared.places.order_by("label")] == [
        ("A", 1, Decimal("250.00")),
        ("B", 1, Decimal("250.00")),
        ("C", 1, Decimal("250.00")),
    ]
    assert [(p.label, p.sleeps) for p in family.places.all()] == [("", 4)]
    assert {p.compound_id for p in Place.objects.all()} == {compound.pk}


def test_dormitories_are_rent_free():
    dormitory = make_compound(kind="dormitory")

    with pytest.raises(DomainError, match="rent-free"):
        make_room(dormitory, rent="100.00")
    room = make_room(dormitory, rent="0")

    assert housing_rules().utilities_for(dormitory) == Decimal("20.00")
    assert room.places.count() == 4


def test_a_room_shrinks_only_by_free_beds():
    compound = make_compound()
    room = make_room(compound, capacity=3)
    let(room.places.get(label="C"))

    with pytest.raises(DomainError, match="let or offered"):
        services.room_save(room=room, rent="300", capacity=2, actor=None)
    services.room_save(room=room, rent="320", capacity=4, actor=None)

    assert sorted(room.places.values_list("label", "rent")) == [
        ("A", Decimal("320.00")),
        ("B", Decimal("320.00")),
        ("C", Decimal("320.00")),
        ("D", Decimal("320.00")),
    ]


def test_a_room_must_fit_its_kind():
    compound = make_compound()
    with pytest.raises(DomainError, match="2 to 12"):
        make_room(compound, kind="family", capacity=1)


def test_occupancy_per_compound_on_any_day():
    # given a compound of 4 beds, one let since 10 days ago, one let from 20 to 5 days ago
    compound = make_compound()
    beds = make_beds(compound, 4)
    today = timezone.localdate()
    let(beds[0], start=today - timedelta(days=10))
    ended = let(beds[1], start=today - timedelta(days=20))
    services.tenancy_end(tenancy=ended, end_date=today - timedelta(days=5), actor=None)

    # then
    (now,) = compound_occupancy(compounds=type(compound).objects.filter(pk=compound.pk))
    (before,) = compound_occupancy(
        at=today - timedelta(days=12), compounds=type(compound).objects.filter(pk=compound.pk)
    )
    assert (now.places, now.occupied, now.free, now.rate) == (4, 1, 3, Decimal("25.0"))
    assert (before.occupied, before.offered) == (1, 0)
    assert free_places().filter(compound=compound).count() == 3


def test_the_database_refuses_a_second_current_tenancy_of_a_place():
    place = make_unit(make_compound())
    tenancy = let(place, household_size=2)

    with pytest.raises(IntegrityError, match="housing_tenancy_one_current_per_place"), transaction.atomic():
        Tenancy.objects.create(
            resident=tenancy.resident, place=place, household_size=1, start_date=tenancy.start_date,
            rent=place.rent, utilities=0,
        )  # fmt: skip


def test_a_move_in_is_refused_for_a_let_place_or_one_that_does_not_fit():
    compound = make_compound()
    bed = make_beds(compound, 1)[0]
    let(bed)

    with pytest.raises(DomainError, match="just been let"):
        let(bed)
    with pytest.raises(DomainError, match="does not fit"):
        let(make_unit(compound, sleeps=2), household_size=3)


def test_the_rules_in_force_are_the_latest_effective_on_the_day():
    today = timezone.localdate()
    HousingSetting.objects.create(key=Setting.OFFER_DEADLINE_DAYS, value=10, effective_from=today)
    HousingSetting.objects.create(
        key=Setting.OFFER_DEADLINE_DAYS, value=14, effective_from=today + timedelta(days=30)
    )

    assert housing_rules(today - timedelta(days=1)).offer_deadline_days == 7
    assert housing_rules(today).offer_deadline_days == 10
    assert housing_rules(today + timedelta(days=31)).offer_deadline_days == 14
    assert housing_rules(date(2024, 1, 1)).affordability_cap_percent == Decimal(30)


def test_a_place_out_of_use_is_not_free_and_a_let_one_stays_in_use():
    compound = make_compound()
    free_bed, let_bed = make_beds(compound, 2)
    let(let_bed)

    services.place_set_active(place=free_bed, active=False, actor=None)
    with pytest.raises(DomainError, match="let or offered"):
        services.place_set_active(place=let_bed, active=False, actor=None)

    assert not free_places().filter(compound=compound).exists()
    assert Room.objects.count() == 1
