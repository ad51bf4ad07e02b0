import io
from collections import Counter

import pytest
from django.utils import timezone

from kunshan_portal.management.commands.seed_demo import Command
from kunshan_portal.models import Notice
from residents import demo
from residents.idcard import parse_id_number, validate_uscc
from residents.models import Employer, FamilyMember, Resident


@pytest.fixture
def accounts(db):
    return Command().create_accounts()


def seed(accounts, residents: int) -> str:
    out = io.StringIO()
    demo.seed_demo(accounts=accounts, rng=None, options={"residents": residents, "seed": 7}, stdout=out)
    return out.getvalue()


def test_demo_city_is_valid_and_looks_like_kunshan(accounts):
    # when
    seed(accounts, 60)
    # then: employers with valid Kunshan credit codes, the demo employer account acting for one
    employers = Employer.objects.all()
    assert employers.count() == len(demo.EMPLOYERS) >= 50
    assert all(validate_uscc(e.uscc)[2:8] == "320583" for e in employers)
    assert Employer.objects.filter(accounts=accounts["employer"]).count() == 1
    # residents with valid, unique numbers, mostly from the provinces that send people to Kunshan
    residents = list(Resident.objects.filter(phone__startswith=demo.DEMO_PHONE_PREFIX))
    assert len(residents) == 60
    numbers = [r.id_number for r in residents] + [m.id_number for m in FamilyMember.objects.all()]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        facts = parse_id_number(number)  # raises on any invalid number
        assert facts.number == number
    for resident in residents:
        facts = parse_id_number(resident.id_number)
        assert (resident.birth_date, resident.gender) == (facts.birth_date, facts.gender)
        assert resident.home_province_code == facts.province_code
        assert resident.arrival_date > resident.birth_date
    provinces = Counter(r.home_province_code for r in residents)
    assert sum(provinces[p] for p in ("34", "41", "51", "52", "36", "43", "42", "32")) >= 0.9 * len(residents)
    assert all(r.id_number[:4] not in ("3205",) for r in residents)  # nobody born in Suzhou itself
    states = Counter(r.state for r in residents)
    assert states["verified"] and states["pending"]
    assert all(bool(r.card_number) == (r.state == "verified") for r in residents)
    assert all(r.decision_note for r in residents if r.state == "rejected")
    # families: spouses and children, children younger than their parents
    family = FamilyMember.objects.select_related("resident")
    assert family.filter(relation="spouse").exists() and family.filter(relation="child").exists()
    assert all(m.birth_date > m.resident.birth_date for m in family.filter(relation="child"))


def test_demo_resident_login_is_verified_with_a_child_and_was_told(accounts):
    seed(accounts, 5)
    resident = Resident.objects.get(user=accounts["resident"])
    assert resident.is_verified and resident.card_number
    assert resident.family.filter(relation="child").count() == 1
    assert Notice.objects.filter(recipient=accounts["resident"]).exists()
    assert resident.access_log.exists()


def test_seeding_twice_adds_nothing_and_a_larger_n_adds_only_the_missing(accounts):
    seed(accounts, 20)
    counts = (Employer.objects.count(), Resident.objects.count(), FamilyMember.objects.count())
    first = {r.phone: r.id_number_hash for r in Resident.objects.all()}
    # when
    output = seed(accounts, 20)
    # then
    assert (Employer.objects.count(), Resident.objects.count(), FamilyMember.objects.count()) == counts
    assert "0 employers, 0 residents" in output
    # when
    seed(accounts, 25)
    # then
    assert Resident.objects.count() == counts[1] + 5
    assert all(Resident.objects.get(phone=phone).id_number_hash == h for phone, h in first.items())


def test_residents_made_in_worker_processes_are_those_one_process_makes(db):
    # given: more residents than one batch, so that each lane's worker process makes its share
    count = demo.BATCH + 40
    # when
    made = demo.create_residents(count=count, seed=11, phone_prefix="156")
    # then: every number unique, and the same residents one process makes from the indexes alone
    assert made["residents"] == count
    hashes = list(Resident.objects.filter(phone__startswith="156").values_list("phone", "id_number_hash"))
    family = list(
        FamilyMember.objects.filter(resident__phone__startswith="156").values_list("id_number_hash")
    )
    assert len({h for _p, h in hashes} | {h for (h,) in family}) == len(hashes) + len(family)
    numbers = object.__new__(demo.Numbers)
    numbers.used, numbers.hash_of = set(), {}
    demo._MAKER.update(numbers=numbers, seed=11, today=timezone.localdate(), ctx=demo._context("156"))
    try:
        alone = demo._households(list(range(1, count + 1)))
    finally:
        demo._MAKER.clear()
    assert sorted(hashes) == sorted((r["phone"], r["stored"][1]) for r, _family in alone)


def test_the_logins_say_where_make_run_serves_the_portal(monkeypatch):
    # given: make run serves on HOST:PORT and says so to seed_demo
    monkeypatch.setenv("PORTAL_ADDRESS", "0.0.0.0:8080")
    command = Command(stdout=io.StringIO())
    # when
    command.print_logins()
    # then
    assert "Portal: http://0.0.0.0:8080/" in command.stdout._out.getvalue()
