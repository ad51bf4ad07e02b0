"""The residents' table (1.35 million rows in the city) keeps one index per search: every search the portal
makes finds its index, no index is a copy of another, and a card number is still given once."""

import pytest
from django.db import IntegrityError, connection, transaction

from residents.models import Resident
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_table_scans():
    """The planner takes an index wherever one can answer (the test's tables are too small to need one)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.mark.usefixtures("no_table_scans")
@pytest.mark.parametrize(
    ("search", "index"),
    [
        ({"phone": "13912345678"}, "resident_phone_idx"),  # the admin's exact phone search
        ({"phone__startswith": "139"}, "resident_phone_idx"),  # the seed's own residents
        ({"card_number": "KS00000001"}, "resident_unique_card_number"),
        ({"state": "pending"}, "resident_state_idx"),
        ({"town_id": 1}, "resident_town_state_idx"),
        ({"home_province_code": "34"}, "resident_province_idx"),
    ],
)
def test_each_search_finds_its_index(search, index):
    assert index in Resident.objects.filter(**search).explain()


def test_no_index_on_the_residents_table_repeats_another():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i WHERE i.indrelid = 'residents_resident'::regclass"""
        )
        indexes = dict(cursor.fetchall())
    like_only = sorted(name for name, definition in indexes.items() if "pattern_ops" in definition)
    columns = [definition.split(" USING btree ", 1)[1] for definition in indexes.values()]
    assert like_only == ["resident_name_prefix_idx", "resident_phone_idx"]
    assert len(columns) == len(set(columns))
    assert not any(definition.endswith("(town_id)") for definition in indexes.values())


def test_a_card_number_is_given_once():
    first = make_resident()
    second = make_resident()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.filter(pk=second.pk).update(card_number=first.card_number)
