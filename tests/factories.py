"""Factories every test folder may use: valid residents, families and employers in a few words."""

import itertools
from datetime import date

from django.contrib.auth.models import Group

from kunshan_portal import roles
from kunshan_portal.crypto import encrypt, lookup_hash, mask_id_number
from kunshan_portal.models import User
from residents.idcard import make_id_number, make_uscc, parse_id_number
from residents.models import Employer, FamilyMember, Resident, Town

_sequence = itertools.count(1)
# County codes valid for any birth year from 1960 to 2024 (Anhui, Sichuan, Guizhou, Hunan, Hubei, Jiangxi).
REGIONS = ("340121", "510121", "520201", "430121", "422822", "360121")


def new_id_number(birth_date: date = date(1998, 5, 17), region: str | None = None) -> str:
    n = next(_sequence)
    return make_id_number(region or REGIONS[n % len(REGIONS)], birth_date, n)


def identity(id_number: str) -> dict:
    facts = parse_id_number(id_number)
    return {
        "id_number_encrypted": encrypt(facts.number),
        "id_number_hash": lookup_hash(facts.number),
        "id_number_masked": mask_id_number(facts.number),
        "birth_date": facts.birth_date,
        "gender": facts.gender,
    }


def make_town(code: str = "yushan") -> Town:
    return Town.objects.get(code=code)


def make_employer(**fields) -> Employer:
    n = next(_sequence)
    values = {
        "name": f"Kunshan Test Works {n}",
        "uscc": make_uscc(f"91320583MA{n:07d}"),
        "sector": "manufacturing",
        "town": make_town(),
    }
    values.update(fields)
    return Employer.objects.create(**values)


def make_user(username: str | None = None, *role_names: str, **fields) -> User:
    username = username or f"1390{next(_sequence):07d}"
    fields.setdefault("phone", username if username.isdigit() else "")
    fields.setdefault("language", "en")  # tests read notices in English; Chinese is asked for explicitly
    user = User.objects.create_user(username=username, password="Kunshan-2026!", **fields)
    for role in role_names:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_resident(
    *, verified: bool = True, with_user: bool = True, birth_date: date = date(1990, 5, 17), **fields
):
    """A resident (verified by default) with a login account in the resident role."""
    id_number = fields.pop("id_number", None) or new_id_number(birth_date)
    user = fields.pop("user", None)
    if user is None and with_user:
        user = make_user(None, roles.RESIDENT)
    values = {
        "user": user,
        "name": "张伟",
        "phone": user.username if user else "13912345678",
        "home_region_code": id_number[:6],
        "home_province_code": id_number[:2],
        "arrival_date": date(2020, 3, 1),
        "town": make_town(),
        "address": "前进中路 1 号",
        "education": "junior",
        **identity(id_number),
    }
    values.update(fields)
    resident = Resident(**values)
    if verified:
        resident.__dict__["state"] = Resident.State.VERIFIED  # the factory's shortcut past the life-cycle
        resident.card_number = f"KT{next(_sequence):08d}"
    resident.save()
    return resident


def make_child(resident: Resident, birth_date: date = date(2018, 9, 1), **fields) -> FamilyMember:
    id_number = fields.pop("id_number", None) or new_id_number(birth_date)
    values = {"resident": resident, "relation": "child", "name": "张小明", **identity(id_number)}
    values.update(fields)
    return FamilyMember.objects.create(**values)
