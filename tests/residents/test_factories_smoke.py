from tests.factories import REGIONS, make_child, make_employer, make_resident


def test_factories_make_valid_verified_residents_with_children(db):
    residents = [make_resident(employer=make_employer()) for _ in range(len(REGIONS))]
    resident = residents[0]
    child = make_child(resident)
    assert resident.is_verified and resident.card_number
    assert resident.id_number[:6] in REGIONS
    assert child.birth_date.year == 2018
