"""The registry's rules as the services apply them: identity numbers, registration, duplicates, the race."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from stdnum.cn import ric

from kunshan_portal import roles
from kunshan_portal.errors import DomainError
from kunshan_portal.models import User
from residents import services
from residents.idcard import make_id_number
from residents.models import CertificateType, FamilyMember, Resident, Skill
from tests.factories import make_child, make_employer, make_resident, make_town, new_id_number

GOOD = make_id_number("340121", date(1990, 5, 17), 123)  # Changfeng county, Anhui; a man


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def bad_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def registration(**overrides) -> dict:
    values = {
        "phone": "13700000001",
        "password": "Kunshan-2026!",
        "name": "李娜",
        "id_number": new_id_number(date(1995, 2, 3)),
        "arrival_date": date(2021, 3, 1),
        "town": make_town(),
        "address": "前进中路 1 号",
        "education": "junior",
        "consent": True,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (GOOD[:17], "has 18 characters"),
        (GOOD + "1", "has 18 characters"),
        ("", "has 18 characters"),
        (bad_check(GOOD), "check character"),
        ("34012119900517A236", "must be digits"),
        (with_check("34012119900230123"), "not a real date"),  # 30 February
        (with_check("34012119901317123"), "not a real date"),  # month 13
        (with_check("34999919900517123"), "not a known county"),
        (with_check("99010119900517123"), "not a known county"),
        (make_id_number("341221", date(1990, 5, 17), 1), "not a known county"),  # county created in 1996
    ],
)
def test_bad_identity_numbers_are_refused_with_a_message_that_says_what_is_wrong(db, number, message):
    with pytest.raises(DomainError, match=message) as refused:
        services.resident_register(**registration(id_number=number))
    assert refused.value.field == "id_number"
    assert not Resident.objects.exists() and not User.objects.filter(username="13700000001").exists()


@pytest.mark.parametrize("typed", [GOOD, GOOD.lower(), f" {GOOD} ", "34012119900517009x"])
def test_a_good_number_is_accepted_as_typed_and_what_it_says_is_recorded(db, typed):
    # when
    resident = services.resident_register(**registration(id_number=typed))
    # then
    number = typed.strip().upper()
    assert resident.id_number == number
    assert resident.id_number_masked == f"{number[:4]}**********{number[-4:]}"
    assert resident.birth_date == date(1990, 5, 17)
    assert (resident.home_region_code, resident.home_province_code, resident.home_province) == (
        "340121",
        "34",
        "Anhui",
    )
    assert resident.gender == ("male" if int(number[16]) % 2 else "female")


def test_registration_makes_a_pending_resident_with_an_account_in_the_resident_role(db):
    skills_and_certificates = {
        "skills": list(Skill.objects.filter(code="forklift")),
        "certificates": list(CertificateType.objects.filter(code="forklift-special")),
    }
    employer = make_employer()
    resident = services.resident_register(
        **registration(employer=employer, language="en"), **skills_and_certificates
    )
    user = resident.user
    assert resident.state == "pending" and resident.card_number is None and resident.consent_at
    assert user.username == user.phone == "13700000001" and user.language == "en"
    assert user.check_password("Kunshan-2026!") and user.in_group(roles.RESIDENT)
    assert resident.employer == employer
    assert [s.code for s in resident.skills.all()] == ["forklift"]
    assert [c.certificate_type.code for c in resident.certificates.all()] == ["forklift-special"]
    assert "Kunshan-2026" not in resident.id_number_encrypted and GOOD not in resident.id_number_encrypted


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": False}, "consent", "consent"),
        ({"phone": "12345"}, "phone", "11 digits"),
        ({"name": "  "}, "name", "name"),
        ({"arrival_date": date.today() + timedelta(days=2)}, "arrival_date", "future"),
        ({"arrival_date": date(1980, 1, 1)}, "arrival_date", "before the date of birth"),
        ({"education": "phd"}, "education", "education"),
    ],
)
def test_registration_refuses_incomplete_or_impossible_details(db, overrides, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        services.resident_register(**registration(**overrides))
    assert refused.value.field == field
    assert not Resident.objects.exists()


def test_a_number_already_registered_is_refused_and_no_second_row_or_account_is_made(db):
    number = new_id_number()
    services.resident_register(**registration(id_number=number))
    # when
    with pytest.raises(DomainError, match="already registered") as refused:
        services.resident_register(**registration(id_number=number.lower(), phone="13700000002"))
    # then
    assert refused.value.field == "id_number"
    assert Resident.objects.count() == 1
    assert not User.objects.filter(username="13700000002").exists()


def test_a_mobile_number_with_an_account_is_refused(db):
    services.resident_register(**registration())
    with pytest.raises(DomainError, match="exists already") as refused:
        services.resident_register(**registration())
    assert refused.value.field == "phone"


def test_the_check_before_confirmation_applies_the_same_rules_and_writes_nothing(db):
    number = new_id_number(date(1988, 1, 9))
    values = services.resident_register_check(**{k: v for k, v in registration(id_number=number).items()
                                                  if k not in ("password", "consent")})  # fmt: skip
    assert values["birth_date"] == date(1988, 1, 9)
    assert not Resident.objects.exists() and not User.objects.exists()
    make_resident(id_number=number)
    with pytest.raises(DomainError, match="already registered"):
        services.resident_register_check(
            **{k: v for k, v in registration(id_number=number).items() if k not in ("password", "consent")}
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_registrations_of_one_number_racing_make_exactly_one_resident():
    # given two people registering the same number at the same moment, on two database connections
    number = new_id_number()
    first_inserted, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = services.resident_register(**registration(id_number=number))
                first_inserted.set()
                threading.Event().wait(0.5)  # hold the row uncommitted while the second one inserts
        except DomainError as error:
            results["first"] = error
        finally:
            first_inserted.set()
            connection.close()

    def second():
        first_inserted.wait(10)
        try:
            results["second"] = services.resident_register(
                **registration(id_number=number, phone="13700000002")
            )
        except DomainError as error:
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then exactly one succeeds; the other is told the number is registered; one row, one account
    assert isinstance(results["first"], Resident)
    assert isinstance(results["second"], DomainError) and "already registered" in str(results["second"])
    assert results["second"].field == "id_number"
    assert Resident.objects.count() == 1
    assert not User.objects.filter(username="13700000002").exists()


def test_a_profile_change_of_mobile_number_moves_the_login_with_it(db):
    resident = services.resident_register(**registration())
    services.resident_update_profile(resident=resident, actor=resident.user, phone="13700000009")
    user = User.objects.get(pk=resident.user_id)
    assert (user.username, user.phone) == ("13700000009", "13700000009")
    other = services.resident_register(**registration(phone="13700000003"))
    with pytest.raises(DomainError, match="exists already"):
        services.resident_update_profile(resident=other, actor=other.user, phone="13700000009")
    other.refresh_from_db()
    assert other.phone == "13700000003"


def test_profile_changes_only_the_residents_own_and_never_the_identity(db):
    resident = make_resident()
    stranger = make_resident()
    with pytest.raises(DomainError) as refused:
        services.resident_update_profile(resident=resident, actor=stranger.user, address="x")
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError, match="cannot be changed here"):
        services.resident_update_profile(resident=resident, actor=resident.user, name="Someone else")


@pytest.mark.parametrize(
    ("relation", "birth", "message"),
    [
        ("child", date(1985, 1, 1), "after the parent"),
        ("cousin", date(2015, 1, 1), "spouse or child"),
    ],
)
def test_family_members_are_checked(db, relation, birth, message):
    resident = make_resident(birth_date=date(1990, 5, 17))
    with pytest.raises(DomainError, match=message):
        services.family_member_add(
            resident=resident, actor=resident.user, relation=relation, name="李小",
            id_number=new_id_number(birth),
        )  # fmt: skip


def test_one_spouse_no_duplicates_and_not_oneself(db):
    resident = make_resident()
    add = dict(resident=resident, actor=resident.user)
    services.family_member_add(
        **add, relation="spouse", name="李强", id_number=new_id_number(date(1989, 1, 1))
    )
    with pytest.raises(DomainError, match="spouse is already"):
        services.family_member_add(**add, relation="spouse", name="李二", id_number=new_id_number())
    child = make_child(resident)
    with pytest.raises(DomainError, match="already in your family"):
        services.family_member_add(**add, relation="child", name="又一个", id_number=child.id_number)
    with pytest.raises(DomainError, match="your own identity number"):
        services.family_member_add(**add, relation="spouse", name="我", id_number=resident.id_number)
    assert FamilyMember.objects.filter(resident=resident).count() == 2
