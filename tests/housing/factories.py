"""Housing factories: compounds with rooms and places, applications and tenancies in a few words."""

import itertools
from datetime import date
from decimal import Decimal

from django.utils import timezone

from housing import services
from housing.models import Building, Compound, HousingApplication, Room, Tenancy
from tests.factories import make_employer, make_resident, make_town

_sequence = itertools.count(1)


def make_compound(
    *, kind: str = "public", owner=None, partners=(), town: str = "yushan", **fields
) -> Compound:
    n = next(_sequence)
    if kind == "dormitory" and owner is None:
        owner = make_employer()
    values = {
        "code": f"compound-{n}",
        "name_zh": f"蓝领公寓{n}",
        "name_en": f"Blue-collar compound {n}",
        "kind": kind,
        "town": make_town(town),
        "address": f"{n} Qianjin Road",
        "owner": owner,
        "facilities": "canteen\nlaundry",
    }
    values.update(fields)
    compound = Compound.objects.create(**values)
    compound.partner_employers.set(partners)
    return compound


def make_room(
    compound: Compound, *, kind: str = "shared", capacity: int = 4, rent="300.00", building: str = "1"
) -> Room:
    block = Building.objects.get_or_create(compound=compound, name=building)[0]
    room = Room(building=block, number=str(next(_sequence)), kind=kind, capacity=capacity)
    return services.room_save(room=room, rent=Decimal(rent), actor=None)


def make_beds(compound: Compound, beds: int, rent="300.00"):
    """A shared room with that many beds; returns its places."""
    return list(make_room(compound, capacity=beds, rent=rent).places.order_by("label"))


def make_unit(compound: Compound, sleeps: int = 4, rent="800.00"):
    return make_room(compound, kind="family", capacity=sleeps, rent=rent).places.get()


def make_applicant(**fields):
    """A verified resident with an employer, arrived today (no points for years): eligible for housing."""
    fields.setdefault("employer", make_employer())
    fields.setdefault("arrival_date", timezone.localdate())
    return make_resident(**fields)


def apply(
    resident=None,
    *compounds: Compound,
    household_size: int = 1,
    income="5000.00",
    housing: str = "adequate",
) -> HousingApplication:
    resident = resident or make_applicant()
    return services.application_submit(
        resident=resident,
        household_size=household_size,
        household_income=Decimal(income),
        current_housing=housing,
        compounds=list(compounds),
        actor=None,
    )


def let(place, resident=None, *, household_size: int = 1, start: date | None = None) -> Tenancy:
    resident = resident or make_applicant()
    return services.tenancy_move_in(
        place=place,
        resident=resident,
        household_size=household_size,
        start_date=start or timezone.localdate(),
        actor=None,
    )
